import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { runAiCommand } from "./cli-ai.ts";
import { getAiSwitch } from "./kill-switch.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

describe("npm run ai", () => {
  it("flips the kill switch that the service reads per turn, and reports status", () => {
    const out: string[] = [];
    expect(getAiSwitch(t.db)).toBe("on");
    expect(runAiCommand(["off"], t.path, (l) => out.push(l))).toBe(0);
    expect(getAiSwitch(t.db)).toBe("off");
    expect(runAiCommand(["status"], t.path, (l) => out.push(l))).toBe(0);
    expect(out).toContain("AI: off");
    expect(out.some((l) => l.startsWith("answer cache:"))).toBe(true);
    expect(runAiCommand(["on"], t.path, (l) => out.push(l))).toBe(0);
    expect(getAiSwitch(t.db)).toBe("on");
  });

  it("prints usage for anything else", () => {
    const out: string[] = [];
    expect(runAiCommand(["maybe"], t.path, (l) => out.push(l))).toBe(2);
    expect(out[0]).toMatch(/^usage:/);
  });
});
