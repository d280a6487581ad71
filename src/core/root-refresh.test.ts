import { describe, expect, it } from "vitest";
import {
  ROOT_REFRESH_MIN_INTERVAL_MS,
  type RootRefreshInput,
  rootRefreshDue,
  rootWindowPhase,
} from "./root-refresh.ts";

const min = 60_000;
const hour = 60 * min;
const t0 = 1_800_000_000_000;
const policy = { minIntervalMs: 5 * min, closingSoonMs: hour };

/** A root drawn at t0 showing a window that ends at t0 + 20 h, checked at `now`. */
function due(over: Partial<RootRefreshInput> = {}) {
  return rootRefreshDue(
    {
      shownWindowEndsAt: t0 + 20 * hour,
      windowEndsAt: t0 + 20 * hour,
      lastRootUpdateAt: t0,
      now: t0 + 10 * min,
      ...over,
    },
    policy,
  );
}

describe("rootWindowPhase", () => {
  it("is open, closing within the closing time, closed at the end, unknown without an end", () => {
    const end = t0 + 3 * hour;
    expect(rootWindowPhase(end, end - hour - 1, hour)).toBe("open");
    expect(rootWindowPhase(end, end - hour, hour)).toBe("closing");
    expect(rootWindowPhase(end, end - 1, hour)).toBe("closing");
    expect(rootWindowPhase(end, end, hour)).toBe("closed");
    expect(rootWindowPhase(null, end, hour)).toBe("unknown");
  });
});

describe("rootRefreshDue", () => {
  it("defaults to five minutes between redraws", () => {
    expect(ROOT_REFRESH_MIN_INTERVAL_MS).toBe(5 * min);
  });

  it("is not due while the root still shows the true window", () => {
    expect(due()).toBeNull();
    expect(due({ now: t0 + 18 * hour })).toBeNull();
  });

  it("is due when the customer wrote again (the window end moved), once the interval passed", () => {
    const moved = { windowEndsAt: t0 + 21 * hour };
    expect(due({ ...moved, now: t0 + 1 * min })).toBeNull();
    expect(due({ ...moved, now: t0 + 5 * min - 1 })).toBeNull();
    expect(due({ ...moved, now: t0 + 5 * min })).toBe("window_moved");
    expect(due({ ...moved, now: t0 + 3 * hour })).toBe("window_moved");
  });

  it("is due when the window enters its closing time, and again when it closes", () => {
    const end = t0 + 20 * hour;
    expect(due({ now: end - hour - 1 })).toBeNull();
    expect(due({ now: end - hour })).toBe("closing");
    // Recorded as redrawn in the closing time: nothing more until the end.
    const closingShown = { lastRootUpdateAt: end - hour };
    expect(due({ ...closingShown, now: end - 30 * min })).toBeNull();
    expect(due({ ...closingShown, now: end - 1 })).toBeNull();
    expect(due({ ...closingShown, now: end })).toBe("closed");
    // Redrawn after the end: it says "closed: templates only" and stays so.
    expect(due({ lastRootUpdateAt: end, now: end + 10 * hour })).toBeNull();
  });

  it("goes straight to closed when the closing time was missed", () => {
    const end = t0 + 20 * hour;
    expect(due({ now: end + min })).toBe("closed");
  });

  it("throttles the closing and closed redraws too", () => {
    const end = t0 + 20 * hour;
    // Redrawn (e.g. after a Claim) two minutes before the end: the closed redraw waits.
    const recent = { lastRootUpdateAt: end - 2 * min };
    expect(due({ ...recent, now: end })).toBeNull();
    expect(due({ ...recent, now: end + 3 * min - 1 })).toBeNull();
    expect(due({ ...recent, now: end + 3 * min })).toBe("closed");
  });

  it("redraws a root that never recorded what it showed, once", () => {
    expect(due({ shownWindowEndsAt: null, lastRootUpdateAt: null, now: t0 })).toBe("window_moved");
    expect(due({ lastRootUpdateAt: null, now: t0 })).toBe("window_moved");
  });

  it("is never due without a window end", () => {
    expect(due({ windowEndsAt: null, shownWindowEndsAt: null, lastRootUpdateAt: null })).toBeNull();
    expect(due({ windowEndsAt: null, now: t0 + 30 * hour })).toBeNull();
  });

  it("honours another interval and closing time", () => {
    const input = {
      shownWindowEndsAt: t0 + 2 * hour,
      windowEndsAt: t0 + 3 * hour,
      lastRootUpdateAt: t0,
      now: t0 + 30_000,
    };
    expect(rootRefreshDue(input, { minIntervalMs: 60_000, closingSoonMs: hour })).toBeNull();
    expect(rootRefreshDue(input, { minIntervalMs: 30_000, closingSoonMs: hour })).toBe(
      "window_moved",
    );
    const same = { ...input, windowEndsAt: t0 + 2 * hour, now: t0 + 40 * min };
    expect(rootRefreshDue(same, { minIntervalMs: 0, closingSoonMs: hour })).toBeNull();
    expect(rootRefreshDue(same, { minIntervalMs: 0, closingSoonMs: 90 * min })).toBe("closing");
  });
});
