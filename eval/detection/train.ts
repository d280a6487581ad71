// Trains the candidate second vote (src/core/classifier.ts) on the tune part of the detection
// set, and only on it: the held-out part is never read here.
//
//   npm run eval:detection:train      (writes eval/detection/model.json, prints a 2-fold
//                                      cross-validation on the tune part)
//
// The triggers do not use the model: on the cross-validation it added no request the rules
// missed and raised false alarms (eval/detection/README.md). `npm run eval` reports what it
// would change on both parts, so the question can be asked again when the set grows.
//
// Model: Bernoulli naive Bayes with add-one smoothing over the features of classifier.ts,
// features seen fewer than MIN_COUNT times dropped, weights rounded to 3 decimals so the file
// is small and its diff readable. Threshold: the lowest score above every "no" example of the
// tune part plus a margin, so that on the tune part the model adds no false positive; it can
// only add a "yes" the rules missed. Deterministic: same tune file, same weights.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type DetectionModel,
  features,
  type LabelModel,
  score,
} from "../../src/core/classifier.ts";
import { detectTriggers } from "../../src/core/triggers.ts";
import { type GoldenRecord, parseGolden } from "../../src/eval/golden.ts";
import { fnv1a } from "./generate.ts";

const MIN_COUNT = 3;
// How far above the highest-scoring "no" the threshold sits, in log odds.
const MARGIN = 1;

/** The labels the model votes on, as predicates over a record. */
export const LABELS: Record<string, (r: GoldenRecord) => boolean> = {
  human_request: (r) => r.handoff,
  opt_out: (r) => r.action === "optout",
};

/** Train one label's model on records. Deterministic. */
export function trainLabel(
  records: readonly GoldenRecord[],
  isYes: (r: GoldenRecord) => boolean,
): LabelModel {
  const counts = new Map<string, [yes: number, no: number]>();
  let yes = 0;
  let no = 0;
  const featureSets = records.map((r) => features(r.text));
  records.forEach((r, i) => {
    const y = isYes(r);
    if (y) yes++;
    else no++;
    for (const f of featureSets[i] ?? []) {
      const c = counts.get(f) ?? [0, 0];
      c[y ? 0 : 1]++;
      counts.set(f, c);
    }
  });
  const weights: Record<string, number> = {};
  for (const f of [...counts.keys()].sort()) {
    const [cy, cn] = counts.get(f) ?? [0, 0];
    if (cy + cn < MIN_COUNT) continue;
    const w = Math.log((cy + 1) / (yes + 2)) - Math.log((cn + 1) / (no + 2));
    const rounded = Math.round(w * 1000) / 1000;
    if (rounded !== 0) weights[f] = rounded;
  }
  const bias = Math.round(Math.log((yes + 1) / (no + 1)) * 1000) / 1000;
  const model: LabelModel = { bias, threshold: 0, weights };
  let highestNo = Number.NEGATIVE_INFINITY;
  records.forEach((r, i) => {
    if (!isYes(r)) highestNo = Math.max(highestNo, score(model, featureSets[i] ?? new Set()));
  });
  model.threshold = Math.round((Math.max(highestNo, 0) + MARGIN) * 1000) / 1000;
  return model;
}

/** Train every label on the tune records. */
export function train(records: readonly GoldenRecord[]): DetectionModel {
  const labels: Record<string, LabelModel> = {};
  for (const [name, isYes] of Object.entries(LABELS)) labels[name] = trainLabel(records, isYes);
  return { trainedOn: "eval/detection/tune.jsonl", labels };
}

/** Whether the rules (the triggers) say yes for a label. */
export function ruleSays(label: string, text: string): boolean {
  const t = detectTriggers(text);
  return label === "opt_out" ? t.optOut !== null : t.humanRequest !== null;
}

/**
 * What a vote would change over the rules on `records`: requests it adds that the rules
 * missed, and false alarms it raises where the rules were right to say no.
 */
export function voteEffect(model: LabelModel, label: string, records: readonly GoldenRecord[]) {
  const isYes = LABELS[label] ?? (() => false);
  let adds = 0;
  let falseAlarms = 0;
  for (const r of records) {
    if (ruleSays(label, r.text) || score(model, features(r.text)) < model.threshold) continue;
    if (isYes(r)) adds++;
    else falseAlarms++;
  }
  return { adds, falseAlarms };
}

/** Two-fold cross-validation on `records` (folds by a hash of the id): the vote's effect. */
export function crossValidate(records: readonly GoldenRecord[]) {
  const out: Record<string, { adds: number; falseAlarms: number }> = {};
  for (const [label, isYes] of Object.entries(LABELS)) {
    const total = { adds: 0, falseAlarms: 0 };
    for (const fold of [0, 1]) {
      const inFold = (r: GoldenRecord) => (fnv1a(r.id) >>> 3) % 2 === fold;
      const model = trainLabel(
        records.filter((r) => !inFold(r)),
        isYes,
      );
      const e = voteEffect(model, label, records.filter(inFold));
      total.adds += e.adds;
      total.falseAlarms += e.falseAlarms;
    }
    out[label] = total;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tune = parseGolden(readFileSync(join(import.meta.dirname, "tune.jsonl"), "utf8"));
  const model = train(tune);
  writeFileSync(join(import.meta.dirname, "model.json"), `${JSON.stringify(model, null, 2)}\n`);
  const cv = crossValidate(tune);
  for (const [name, m] of Object.entries(model.labels)) {
    const size = Object.keys(m.weights).length;
    const e = cv[name];
    process.stdout.write(
      `${name}: ${size} features, threshold ${m.threshold}; 2-fold cross-validation on tune: ` +
        `adds ${e?.adds} the rules missed, ${e?.falseAlarms} false alarms\n`,
    );
  }
}
