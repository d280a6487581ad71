import { detectLanguage, type Language } from "../core/language.ts";
import { routeTier, type Tier } from "../core/router.ts";
import { detectTriggers } from "../core/triggers.ts";
import type { GoldenRecord } from "./golden.ts";
import { accuracy, type BinaryScores, binaryScores, percentile } from "./metrics.ts";

/** What the model side of the responder did with one golden message. */
export interface ModelOutcome {
  latencyMs: number;
  costUsd: number;
  /** the tier that produced the final answer */
  tier: Tier;
  handoff: boolean;
}

/** Runs one golden message through the model responder (real API or emulator). */
export type ModelRunner = (message: {
  id: string;
  text: string;
  lang: Language;
}) => Promise<ModelOutcome>;

/** One message the detectors or the router got wrong, with what went wrong. */
export interface Miss {
  id: string;
  category: string;
  text: string;
  problems: string[];
}

/** Figures of a model run; ratios are `null` when there was nothing to measure. */
export interface ModelReport {
  /** messages the runner answered (errors excluded) */
  count: number;
  errors: number;
  /** the messages the runner failed on, with the error */
  failures: Miss[];
  p95LatencyMs: number | null;
  meanLatencyMs: number | null;
  costPerMessageUsd: number | null;
  totalCostUsd: number;
  handoff: BinaryScores;
  tier: { accuracy: number | null; correct: number; total: number };
}

/** Everything the eval command prints. */
export interface EvalReport {
  count: number;
  handoff: BinaryScores;
  optout: BinaryScores;
  injection: BinaryScores;
  tier: { accuracy: number | null; correct: number; total: number };
  language: { accuracy: number | null; correct: number; total: number; misses: string[] };
  categories: Record<string, { count: number; misses: number }>;
  /** ids of messages with at least one wrong trigger or tier */
  misses: string[];
  missDetails: Miss[];
  model?: ModelReport;
}

interface Offline {
  record: GoldenRecord;
  handoff: boolean;
  optout: boolean;
  injection: boolean;
  tier: Tier;
  tierReasons: string[];
  lang: Language;
}

// A first message: no history, no media, no earlier low confidence.
function classify(record: GoldenRecord): Offline {
  const triggers = detectTriggers(record.text);
  const route = routeTier({
    text: record.text,
    turnCount: 1,
    previousLowConfidence: false,
    hasMedia: false,
  });
  return {
    record,
    handoff: triggers.humanRequest !== null,
    optout: triggers.optOut !== null,
    injection: triggers.injection !== null,
    tier: route.tier,
    tierReasons: route.reasons,
    lang: detectLanguage(record.text),
  };
}

// Tier labels only count where the message is not handed off: a handoff never reaches a model.
const tierScored = (r: GoldenRecord): r is GoldenRecord & { tier: Tier } =>
  r.tier !== undefined && !r.handoff;

function problemsOf(o: Offline): string[] {
  const { record: r } = o;
  const problems: string[] = [];
  const yesNo = (b: boolean) => (b ? "yes" : "no");
  if (r.handoff !== o.handoff) problems.push(`handoff: expected ${yesNo(r.handoff)}`);
  const optout = r.action === "optout";
  if (optout !== o.optout) problems.push(`optout: expected ${yesNo(optout)}`);
  const injection = r.flag === "injection";
  if (injection !== o.injection) problems.push(`injection: expected ${yesNo(injection)}`);
  if (tierScored(r) && r.tier !== o.tier) {
    problems.push(`tier: expected ${r.tier}, got ${o.tier} (${o.tierReasons.join(", ")})`);
  }
  return problems;
}

async function runModel(
  records: readonly GoldenRecord[],
  runner: ModelRunner,
): Promise<ModelReport> {
  const latencies: number[] = [];
  const handoffPairs: [boolean, boolean][] = [];
  const tierPairs: [Tier, Tier][] = [];
  const errors: Miss[] = [];
  let totalCostUsd = 0;
  // One at a time: concurrent calls would inflate each other's latency.
  for (const r of records) {
    let outcome: ModelOutcome;
    try {
      outcome = await runner({ id: r.id, text: r.text, lang: r.lang });
    } catch (err) {
      const problem = `model error: ${(err as Error).message}`;
      errors.push({ id: r.id, category: r.category, text: r.text, problems: [problem] });
      continue;
    }
    latencies.push(outcome.latencyMs);
    totalCostUsd += outcome.costUsd;
    handoffPairs.push([r.handoff, outcome.handoff]);
    if (tierScored(r)) tierPairs.push([r.tier, outcome.tier]);
  }
  const count = latencies.length;
  const report: ModelReport = {
    count,
    errors: errors.length,
    failures: errors,
    p95LatencyMs: percentile(latencies, 95),
    meanLatencyMs: count === 0 ? null : latencies.reduce((a, b) => a + b, 0) / count,
    costPerMessageUsd: count === 0 ? null : totalCostUsd / count,
    totalCostUsd,
    handoff: binaryScores(handoffPairs),
    tier: accuracy(tierPairs),
  };
  return report;
}

/**
 * Evaluate labelled messages: every message goes through the deterministic triggers and the
 * tier router (as the first message of a conversation), and, when a `runner` is given, through
 * the model responder one at a time, which adds latency, cost, and the model's own handoff and
 * tier figures under `model`.
 */
export async function runEval(
  records: readonly GoldenRecord[],
  options: { runner?: ModelRunner } = {},
): Promise<EvalReport> {
  const results = records.map(classify);
  const missDetails: Miss[] = [];
  const categories: EvalReport["categories"] = {};
  for (const o of results) {
    const problems = problemsOf(o);
    const category = categories[o.record.category] ?? { count: 0, misses: 0 };
    categories[o.record.category] = category;
    category.count += 1;
    if (problems.length > 0) {
      category.misses += 1;
      const { id, category: cat, text } = o.record;
      missDetails.push({ id, category: cat, text, problems });
    }
  }
  const languageMisses = results.filter((o) => o.lang !== o.record.lang).map((o) => o.record.id);
  const report: EvalReport = {
    count: records.length,
    handoff: binaryScores(results.map((o) => [o.record.handoff, o.handoff] as const)),
    optout: binaryScores(results.map((o) => [o.record.action === "optout", o.optout] as const)),
    injection: binaryScores(
      results.map((o) => [o.record.flag === "injection", o.injection] as const),
    ),
    tier: accuracy(
      results.filter((o) => tierScored(o.record)).map((o) => [o.record.tier, o.tier] as const),
    ),
    language: {
      ...accuracy(results.map((o) => [o.record.lang, o.lang] as const)),
      misses: languageMisses,
    },
    categories,
    misses: missDetails.map((m) => m.id),
    missDetails,
  };
  if (options.runner) {
    report.model = await runModel(records, options.runner);
  }
  return report;
}
