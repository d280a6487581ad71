import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./circuit-breaker.ts";

describe("CircuitBreaker", () => {
  it("opens after N consecutive failures, then lets one trial through after the cool-down", () => {
    let t = 0;
    const b = new CircuitBreaker({ failures: 3, cooldownMs: 1000, now: () => t });
    b.failure();
    b.failure();
    expect(b.allow()).toBe(true);
    b.failure();
    expect(b.state).toBe("open");
    expect(b.allow()).toBe(false);
    t = 1000;
    expect(b.state).toBe("half_open");
    expect(b.allow()).toBe(true);
    expect(b.allow()).toBe(false); // one trial at a time
    b.failure(); // trial failed: open again for a full cool-down
    expect(b.state).toBe("open");
    t = 2000;
    expect(b.allow()).toBe(true);
    b.success();
    expect(b.state).toBe("closed");
    expect(b.allow()).toBe(true);
  });

  it("a success resets the count of consecutive failures", () => {
    const b = new CircuitBreaker({ failures: 2, cooldownMs: 1000 });
    b.failure();
    b.success();
    b.failure();
    expect(b.state).toBe("closed");
  });

  it("an abandoned trial frees the slot", () => {
    let t = 0;
    const b = new CircuitBreaker({ failures: 1, cooldownMs: 10, now: () => t });
    b.failure();
    t = 10;
    expect(b.allow()).toBe(true);
    b.abandon();
    expect(b.allow()).toBe(true);
  });
});

describe("CircuitBreaker trial lease", () => {
  it("frees a trial that never reported after the lease", () => {
    let t = 0;
    const b = new CircuitBreaker({ failures: 1, cooldownMs: 10, trialLeaseMs: 100, now: () => t });
    b.failure();
    t = 10;
    expect(b.allow()).toBe(true);
    t = 109;
    expect(b.allow()).toBe(false);
    t = 110;
    expect(b.allow()).toBe(true);
  });
});
