import { describe, expect, it } from "vitest";
import { checkGates, parseGate, RECOMMENDED_GATES } from "./gates.ts";
import type { EvalReport } from "./run.ts";

const scores = (precision: number | null, recall: number | null) => ({
  tp: 0,
  fp: 0,
  fn: 0,
  precision,
  recall,
  f1: null,
});

const report: EvalReport = {
  count: 30,
  handoff: scores(0.9, 1),
  optout: scores(1, 1),
  injection: scores(1, 0.5),
  tier: { accuracy: 27 / 30, correct: 27, total: 30 },
  language: { accuracy: 1, correct: 30, total: 30, misses: [] },
  categories: {},
  misses: [],
  missDetails: [],
};

describe("parseGate", () => {
  it("reads = as at least for ratios and at most for latency and cost", () => {
    expect(parseGate("handoff.recall=1")).toEqual({
      key: "handoff.recall",
      op: ">=",
      threshold: 1,
    });
    expect(parseGate("model.p95LatencyMs=2500")).toMatchObject({ op: "<=", threshold: 2500 });
    expect(parseGate("model.costPerMessageUsd = 0.002")).toMatchObject({ op: "<=" });
  });

  it("accepts explicit operators", () => {
    expect(parseGate("tier.accuracy<=0.5")).toMatchObject({ op: "<=", threshold: 0.5 });
    expect(parseGate("model.errors>=0")).toMatchObject({ op: ">=" });
  });

  it("refuses unknown figures and bad numbers", () => {
    expect(() => parseGate("handoff.recal=1")).toThrow(/unknown gate metric "handoff.recal"/);
    expect(() => parseGate("tier.accuracy=high")).toThrow(/is not a number/);
    expect(() => parseGate("tier.accuracy=")).toThrow(/not a number|expected key=value/);
    expect(() => parseGate("tier.accuracy")).toThrow(/expected key=value/);
  });

  it("knows every recommended gate", () => {
    for (const spec of RECOMMENDED_GATES) expect(() => parseGate(spec)).not.toThrow();
  });
});

describe("checkGates", () => {
  it("passes and fails each gate against the report", () => {
    const results = checkGates(report, [
      parseGate("handoff.precision=0.9"),
      parseGate("tier.accuracy=0.9"),
      parseGate("injection.recall=1"),
    ]);
    expect(results.map((r) => [r.key, r.passed, r.value])).toEqual([
      ["handoff.precision", true, 0.9],
      ["tier.accuracy", true, 27 / 30],
      ["injection.recall", false, 0.5],
    ]);
  });

  it("fails a gate on a figure that was not measured", () => {
    const [offline] = checkGates(report, [parseGate("model.p95LatencyMs=1000")]);
    expect(offline).toMatchObject({ passed: false, value: null });
    const [undefinedRatio] = checkGates({ ...report, handoff: scores(null, 1) }, [
      parseGate("handoff.precision=0"),
    ]);
    expect(undefinedRatio?.passed).toBe(false);
  });
});
