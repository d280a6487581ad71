import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.ts";

const policy = { baseMs: 1000, maxMs: 60_000 };

describe("backoffDelay", () => {
  it("doubles per attempt between half and the whole exponential step", () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, () => 1)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0)).toBe(2000);
    expect(backoffDelay(3, policy, () => 1)).toBe(4000);
  });

  it("never exceeds the cap", () => {
    for (let attempt = 1; attempt < 60; attempt++) {
      expect(backoffDelay(attempt, policy, () => 1)).toBeLessThanOrEqual(60_000);
    }
  });

  it("spreads retries of the same attempt", () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(4, policy)));
    expect(delays.size).toBeGreaterThan(1);
  });
});
