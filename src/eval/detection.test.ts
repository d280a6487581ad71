import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  fnv1a,
  generate,
  partOf,
  SEED,
  split,
  textKey,
  toJsonl,
} from "../../eval/detection/generate.ts";
import { crossValidate, train } from "../../eval/detection/train.ts";
import {
  DETECTION_DIR,
  DETECTION_TARGETS,
  formatDetection,
  meetsTargets,
  runDetection,
} from "./detection.ts";
import { parseGolden } from "./golden.ts";

const read = (part: string) => readFileSync(join(DETECTION_DIR, `${part}.jsonl`), "utf8");

describe("the detection set generator", () => {
  it("is deterministic and the committed files are exactly its output", () => {
    const { tune, heldout } = split(generate());
    expect(toJsonl(tune)).toBe(read("tune"));
    expect(toJsonl(heldout)).toBe(read("heldout"));
    expect(generate(SEED)).toEqual(generate(SEED));
    expect(generate(SEED + 1)).not.toEqual(generate(SEED));
  });

  it("has no text in both parts, and no duplicate within one", () => {
    const keys = (part: string) => parseGolden(read(part)).map((r) => textKey(r.text));
    const tune = keys("tune");
    const heldout = keys("heldout");
    expect(new Set(tune).size).toBe(tune.length);
    expect(new Set(heldout).size).toBe(heldout.length);
    const inTune = new Set(tune);
    expect(heldout.filter((k) => inTune.has(k))).toEqual([]);
  });

  it("splits by a hash of the text, about half and half", () => {
    const all = generate();
    for (const r of all) expect(partOf(r.text)).toBe(partOf(` ${r.text.toUpperCase()}!`));
    const tuneShare = all.filter((r) => partOf(r.text) === "tune").length / all.length;
    expect(tuneShare).toBeGreaterThan(0.4);
    expect(tuneShare).toBeLessThan(0.6);
    expect(fnv1a("abc")).toBe(fnv1a("abc"));
  });

  it("holds at least 300 requests for a person and 300 near-misses, plus opt-outs", () => {
    const all = [...parseGolden(read("tune")), ...parseGolden(read("heldout"))];
    const count = (category: string) => all.filter((r) => r.category === category).length;
    expect(count("human_request")).toBeGreaterThanOrEqual(300);
    expect(count("human_near_miss")).toBeGreaterThanOrEqual(300);
    expect(count("optout")).toBeGreaterThanOrEqual(100);
    expect(count("optout_near_miss")).toBeGreaterThanOrEqual(100);
    expect(all.every((r) => r.handoff === (r.category === "human_request"))).toBe(true);
  });
});

describe("the detectors on the detection set", () => {
  // Computed from the committed files: fails if a later change stops the rules generalising.
  it("meet the held-out targets", async () => {
    const report = await runDetection();
    const { heldout } = report;
    expect(heldout.handoff.recall ?? 0).toBeGreaterThanOrEqual(DETECTION_TARGETS.handoffRecall);
    expect(heldout.handoff.precision ?? 0).toBeGreaterThanOrEqual(
      DETECTION_TARGETS.handoffPrecision,
    );
    expect(heldout.optout.recall).toBe(DETECTION_TARGETS.optoutRecall);
    expect(meetsTargets(heldout)).toBe(true);
    const text = formatDetection(report);
    expect(text).toMatch(/handoff recall\s+\d\.\d{3}\s+\d\.\d{3}/);
    expect(text).toContain("held-out targets");
    expect(text).toContain(": met");
  });
});

describe("the classifier trainer", () => {
  it("is deterministic and reads only the tune part", () => {
    const tune = parseGolden(read("tune"));
    const a = train(tune);
    expect(train(tune)).toEqual(a);
    expect(a.trainedOn).toBe("eval/detection/tune.jsonl");
    const committed = JSON.parse(readFileSync(join(DETECTION_DIR, "model.json"), "utf8"));
    expect(committed).toEqual(a);
    const cv = crossValidate(tune);
    expect(Object.keys(cv).sort()).toEqual(["human_request", "opt_out"]);
  });
});
