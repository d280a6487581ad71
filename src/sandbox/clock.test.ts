import { afterEach, describe, expect, it } from "vitest";
import { installSandboxClock } from "./clock.ts";

const original = Date.now;
afterEach(() => {
  Date.now = original;
});

describe("installSandboxClock", () => {
  it("moves Date.now forward and never back", () => {
    const clock = installSandboxClock();
    const before = original();
    clock.advance(25 * 3600_000);
    expect(Date.now() - before).toBeGreaterThanOrEqual(25 * 3600_000);
    expect(clock.offsetMs).toBe(25 * 3600_000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(clock.offsetMs).toBe(25 * 3600_000);
  });
});
