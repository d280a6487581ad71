import { describe, expect, it } from "vitest";
import { burstWaitMs } from "./burst.ts";

const policy = { burstMs: 1500, maxBurstMs: 6000 };

describe("burstWaitMs", () => {
  it("waits until the newest message has been quiet for the burst time", () => {
    expect(burstWaitMs(policy, { state: "bot", queuedAt: 0, newestArrivedAt: 1000 }, 1500)).toBe(
      1000,
    );
  });

  it("answers once the burst is over", () => {
    expect(burstWaitMs(policy, { state: "bot", queuedAt: 0, newestArrivedAt: 1000 }, 2500)).toBe(0);
    expect(burstWaitMs(policy, { state: "bot", queuedAt: 0, newestArrivedAt: 1000 }, 9000)).toBe(0);
  });

  it("never waits past the cap, however chatty the customer", () => {
    expect(burstWaitMs(policy, { state: "bot", queuedAt: 0, newestArrivedAt: 5900 }, 5950)).toBe(
      50,
    );
    expect(burstWaitMs(policy, { state: "bot", queuedAt: 0, newestArrivedAt: 5900 }, 6000)).toBe(0);
  });

  it("does not hold back a conversation a person handles", () => {
    for (const state of ["escalated", "agent", "closed"] as const) {
      expect(burstWaitMs(policy, { state, queuedAt: 0, newestArrivedAt: 1000 }, 1001)).toBe(0);
    }
  });

  it("does not wait when bursts are switched off", () => {
    expect(
      burstWaitMs(
        { burstMs: 0, maxBurstMs: 0 },
        { state: "bot", queuedAt: 0, newestArrivedAt: 10 },
        10,
      ),
    ).toBe(0);
  });
});
