import type { EvalReport } from "./run.ts";

/** A threshold one figure of the report must meet. */
export interface Gate {
  key: GateKey;
  op: ">=" | "<=";
  threshold: number;
}

/** The outcome of one gate; `value` is `null` when the figure was not measured. */
export interface GateResult extends Gate {
  value: number | null;
  passed: boolean;
}

const scoreKeys = (prefix: string) =>
  [`${prefix}.precision`, `${prefix}.recall`, `${prefix}.f1`] as const;

/** Figures a gate may name: ratios (higher is better) and model costs (lower is better). */
export const GATE_KEYS = [
  ...scoreKeys("handoff"),
  ...scoreKeys("optout"),
  ...scoreKeys("injection"),
  "tier.accuracy",
  "language.accuracy",
  ...scoreKeys("model.handoff"),
  "model.tier.accuracy",
  "model.p95LatencyMs",
  "model.meanLatencyMs",
  "model.costPerMessageUsd",
  "model.totalCostUsd",
  "model.errors",
] as const;

/** The name of a gated figure, a dotted path into the JSON report. */
export type GateKey = (typeof GATE_KEYS)[number];

const lowerIsBetter = new Set<string>([
  "model.p95LatencyMs",
  "model.meanLatencyMs",
  "model.costPerMessageUsd",
  "model.totalCostUsd",
  "model.errors",
]);

/** The gates the acceptance asks for on the shared golden set (offline). */
export const RECOMMENDED_GATES = [
  "handoff.recall=1",
  "handoff.precision=0.9",
  "optout.recall=1",
  "tier.accuracy=0.8",
] as const;

/**
 * Parse `key=value`, `key>=value` or `key<=value`. Plain `=` means "at least" for ratios and
 * "at most" for latency, cost and error counts. Throws on an unknown key or a bad number.
 */
export function parseGate(spec: string): Gate {
  const m = /^([\w.]+)\s*(>=|<=|=)\s*(.+)$/.exec(spec.trim());
  if (!m) throw new Error(`bad gate ${JSON.stringify(spec)}: expected key=value`);
  const [, key = "", rawOp, rawValue = ""] = m;
  if (!(GATE_KEYS as readonly string[]).includes(key)) {
    throw new Error(`unknown gate metric ${JSON.stringify(key)} (known: ${GATE_KEYS.join(", ")})`);
  }
  const threshold = Number(rawValue);
  if (rawValue.trim() === "" || !Number.isFinite(threshold)) {
    throw new Error(
      `bad gate ${JSON.stringify(spec)}: ${JSON.stringify(rawValue)} is not a number`,
    );
  }
  const op = rawOp === "=" ? (lowerIsBetter.has(key) ? "<=" : ">=") : (rawOp as Gate["op"]);
  return { key: key as GateKey, op, threshold };
}

function valueAt(report: EvalReport, key: string): number | null {
  let node: unknown = report;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object") return null;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === "number" ? node : null;
}

// Ratios such as 27/30 land a rounding error away from the decimal a person types.
const EPSILON = 1e-9;

/** Check gates against a report; a figure that was not measured fails its gate. */
export function checkGates(report: EvalReport, gates: readonly Gate[]): GateResult[] {
  return gates.map((gate) => {
    const value = valueAt(report, gate.key);
    const passed =
      value !== null &&
      (gate.op === ">=" ? value >= gate.threshold - EPSILON : value <= gate.threshold + EPSILON);
    return { ...gate, value, passed };
  });
}
