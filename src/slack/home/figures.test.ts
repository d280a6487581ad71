import { describe, expect, it } from "vitest";
import { binnedPercentile, median, sparkline } from "./figures.ts";

describe("binnedPercentile", () => {
  it("is null without calls and lands in the bin of the true percentile", () => {
    expect(binnedPercentile([], 0.5)).toBeNull();
    expect(binnedPercentile([{ key: "1000", n: 0 }], 0.5)).toBeNull();
    // 10 calls in (800, 1000], 10 in (1000, 1250]: p50 is the 10th, the top of the first bin.
    const bins = [
      { key: "1250", n: 10 },
      { key: "1000", n: 10 },
    ];
    expect(binnedPercentile(bins, 0.5)).toBe(1000);
    expect(binnedPercentile(bins, 0.95)).toBeGreaterThan(1000);
    expect(binnedPercentile(bins, 0.95)).toBeLessThanOrEqual(1250);
    expect(binnedPercentile([{ key: "100", n: 4 }], 0.5)).toBe(50);
    expect(binnedPercentile([{ key: "inf", n: 1 }], 0.95)).toBe(60000);
    expect(binnedPercentile([{ key: "bogus", n: 5 }], 0.5)).toBeNull();
  });
});

describe("median and sparkline", () => {
  it("computes medians", () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it("draws values relative to the largest, gaps as dots", () => {
    expect(sparkline([0, 0.1, 0.2, null])).toBe("▁▅█·");
    expect(sparkline([0, 0, 0])).toBe("▁▁▁");
    expect(sparkline([])).toBe("");
  });
});
