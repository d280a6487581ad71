import { describe, expect, it } from "vitest";
import { startBatchedTimer } from "./batched-timer.ts";

describe("startBatchedTimer", () => {
  it("runs batches one run at a time, reports the result, and stops between batches", async () => {
    const seen: string[] = [];
    const done: number[] = [];
    const timer = startBatchedTimer({
      *steps() {
        seen.push("a");
        yield;
        seen.push("b");
        return seen.length;
      },
      done: (r) => done.push(r),
      failed: () => {},
      firstRunMs: 60_000,
      everyMs: 60_000,
    });
    const [one, two] = await Promise.all([timer.runNow(), timer.runNow()]);
    // The second run waited for the first: never two at once.
    expect(seen).toEqual(["a", "b", "a", "b"]);
    expect([one, two]).toEqual([2, 4]);
    expect(done).toEqual([2, 4]);
    await timer.stop();
    expect(await timer.runNow()).toBeNull();
  });

  it("reports a failed run and runs again next time", async () => {
    let fail = true;
    const errors: unknown[] = [];
    const timer = startBatchedTimer({
      *steps() {
        yield;
        if (fail) throw new Error("disk I/O error");
        return "ok";
      },
      done: () => {},
      failed: (err) => errors.push(err),
      firstRunMs: 60_000,
      everyMs: 60_000,
    });
    expect(await timer.runNow()).toBeNull();
    expect(String(errors[0])).toContain("disk I/O error");
    fail = false;
    expect(await timer.runNow()).toBe("ok");
    await timer.stop();
  });
});
