import { describe, expect, it } from "vitest";
import { accuracy, binaryScores, percentile } from "./metrics.ts";

describe("binaryScores", () => {
  it("counts true/false positives and negatives", () => {
    const s = binaryScores([
      [true, true],
      [true, true],
      [true, false],
      [false, true],
      [false, false],
    ]);
    expect(s).toMatchObject({ tp: 2, fp: 1, fn: 1 });
    expect(s.precision).toBeCloseTo(2 / 3);
    expect(s.recall).toBeCloseTo(2 / 3);
    expect(s.f1).toBeCloseTo(2 / 3);
  });

  it("leaves undefined ratios null instead of guessing", () => {
    expect(binaryScores([[false, false]])).toEqual({
      tp: 0,
      fp: 0,
      fn: 0,
      precision: null,
      recall: null,
      f1: null,
    });
    expect(binaryScores([[true, false]])).toMatchObject({ precision: null, recall: 0, f1: null });
    expect(binaryScores([[false, true]])).toMatchObject({ precision: 0, recall: null });
  });

  it("gives f1 0 when precision and recall are both 0", () => {
    expect(
      binaryScores([
        [true, false],
        [false, true],
      ]).f1,
    ).toBe(0);
  });
});

describe("accuracy", () => {
  it("is the share of agreeing pairs", () => {
    expect(
      accuracy([
        ["a", "a"],
        ["a", "b"],
        ["b", "b"],
        ["b", "b"],
      ]),
    ).toEqual({
      accuracy: 0.75,
      correct: 3,
      total: 4,
    });
    expect(accuracy([])).toEqual({ accuracy: null, correct: 0, total: 0 });
  });
});

describe("percentile", () => {
  it("uses the nearest rank", () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 100)).toBe(20);
    expect(percentile(values, 50)).toBe(10);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeNull();
  });
});
