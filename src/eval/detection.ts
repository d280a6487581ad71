import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type DetectionModel, features, score } from "../core/classifier.ts";
import { detectTriggers } from "../core/triggers.ts";
import { type GoldenRecord, parseGolden } from "./golden.ts";
import type { BinaryScores } from "./metrics.ts";
import { type EvalReport, runEval } from "./run.ts";

/** Where the detection set lives (eval/detection/README.md). */
export const DETECTION_DIR = join(import.meta.dirname, "..", "..", "eval", "detection");

/** The two parts of the detection set: tuned on, and only measured. */
export const DETECTION_PARTS = ["tune", "heldout"] as const;

/** One part of the detection set. */
export type DetectionPart = (typeof DETECTION_PARTS)[number];

/** Detector figures on one part: the trigger scores, and the messages it got wrong. */
export interface DetectionPartReport {
  count: number;
  handoff: BinaryScores;
  optout: BinaryScores;
  injection: BinaryScores;
  /** messages with a wrong trigger, for tuning (only the tune part should be read) */
  misses: EvalReport["missDetails"];
  /**
   * What the candidate classifier (eval/detection/model.json, trained on the tune part) would
   * change if it voted beside the rules: requests it would add, false alarms it would raise.
   * `null` when the model file is absent. The triggers do not use it.
   */
  vote: Record<string, { adds: number; falseAlarms: number }> | null;
}

/** Detector figures on both parts. */
export type DetectionReport = Record<DetectionPart, DetectionPartReport>;

/** Held-out targets of issue 12: a test and the report check them. */
export const DETECTION_TARGETS = {
  handoffRecall: 0.97,
  handoffPrecision: 0.95,
  optoutRecall: 1,
} as const;

async function loadModel(dir: string): Promise<DetectionModel | null> {
  try {
    return JSON.parse(await readFile(join(dir, "model.json"), "utf8")) as DetectionModel;
  } catch {
    return null;
  }
}

// The vote's effect over the rules' predictions on one part.
function voteEffect(model: DetectionModel, records: readonly GoldenRecord[]) {
  const out: Record<string, { adds: number; falseAlarms: number }> = {};
  for (const [label, m] of Object.entries(model.labels)) {
    const effect = { adds: 0, falseAlarms: 0 };
    for (const r of records) {
      const t = detectTriggers(r.text);
      const rule = label === "opt_out" ? t.optOut !== null : t.humanRequest !== null;
      if (rule || score(m, features(r.text)) < m.threshold) continue;
      const yes = label === "opt_out" ? r.action === "optout" : r.handoff;
      if (yes) effect.adds++;
      else effect.falseAlarms++;
    }
    out[label] = effect;
  }
  return out;
}

/** Run the deterministic triggers over both parts of the detection set in `dir`. */
export async function runDetection(dir: string = DETECTION_DIR): Promise<DetectionReport> {
  const out: Partial<DetectionReport> = {};
  const model = await loadModel(dir);
  for (const part of DETECTION_PARTS) {
    const records = parseGolden(await readFile(join(dir, `${part}.jsonl`), "utf8"));
    const r = await runEval(records);
    out[part] = {
      count: r.count,
      handoff: r.handoff,
      optout: r.optout,
      injection: r.injection,
      // Tier is not labelled in this set, so every miss here is a trigger miss.
      misses: r.missDetails,
      vote: model === null ? null : voteEffect(model, records),
    };
  }
  return out as DetectionReport;
}

/** Whether held-out figures meet {@link DETECTION_TARGETS}. */
export function meetsTargets(part: DetectionPartReport): boolean {
  const t = DETECTION_TARGETS;
  return (
    (part.handoff.recall ?? 0) >= t.handoffRecall &&
    (part.handoff.precision ?? 0) >= t.handoffPrecision &&
    (part.optout.recall ?? 0) >= t.optoutRecall
  );
}

const num = (v: number | null): string => (v === null ? "n/a" : v.toFixed(3));

/** The detection section of the human-readable report: both parts side by side. */
export function formatDetection(report: DetectionReport): string {
  const { tune, heldout } = report;
  const rows: string[][] = [["detection set", "tune", "held-out"]];
  rows.push(["messages", String(tune.count), String(heldout.count)]);
  for (const key of ["handoff", "optout", "injection"] as const) {
    for (const metric of ["precision", "recall"] as const) {
      rows.push([`${key} ${metric}`, num(tune[key][metric]), num(heldout[key][metric])]);
    }
    const counts = (s: BinaryScores) => `${s.tp}/${s.fp}/${s.fn}`;
    rows.push([`${key} tp/fp/fn`, counts(tune[key]), counts(heldout[key])]);
  }
  for (const label of Object.keys(tune.vote ?? {})) {
    const cell = (p: DetectionPartReport) => {
      const v = p.vote?.[label];
      return v ? `+${v.adds} / ${v.falseAlarms} fa` : "n/a";
    };
    rows.push([`model vote ${label} (unused)`, cell(tune), cell(heldout)]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  const verdict = meetsTargets(heldout) ? "met" : "NOT met";
  const t = DETECTION_TARGETS;
  lines.push(
    "",
    `held-out targets (handoff recall >= ${t.handoffRecall}, precision >= ${t.handoffPrecision}, optout recall >= ${t.optoutRecall}): ${verdict}`,
    "held-out is only measured, never tuned on (eval/detection/README.md)",
  );
  return `${lines.join("\n")}\n`;
}
