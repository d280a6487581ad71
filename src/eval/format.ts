import type { GateResult } from "./gates.ts";
import type { BinaryScores } from "./metrics.ts";
import type { EvalReport } from "./run.ts";

const num = (v: number | null, digits = 3): string => (v === null ? "n/a" : v.toFixed(digits));

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

function scoreRows(name: string, s: BinaryScores): string[][] {
  const counts = `tp ${s.tp}  fp ${s.fp}  fn ${s.fn}`;
  return [
    [`${name} precision`, num(s.precision), counts],
    [`${name} recall`, num(s.recall), ""],
    [`${name} f1`, num(s.f1), ""],
  ];
}

/** The human-readable report: figures, categories, misses, and gate results when any. */
export function formatReport(report: EvalReport, source: string, gates: readonly GateResult[]) {
  const mode = report.model ? "triggers, router and model" : "offline: triggers and router";
  const lines = [`jembatan eval: ${report.count} messages from ${source} (${mode})`, ""];
  const rows: string[][] = [
    ["metric", "value", "detail"],
    ...scoreRows("handoff", report.handoff),
    ...scoreRows("optout", report.optout),
    ...scoreRows("injection", report.injection),
    ["tier accuracy", num(report.tier.accuracy), `${report.tier.correct}/${report.tier.total}`],
    [
      "language accuracy",
      num(report.language.accuracy),
      `${report.language.correct}/${report.language.total}`,
    ],
  ];
  const m = report.model;
  if (m) {
    rows.push(
      ...scoreRows("model handoff", m.handoff),
      ["model tier accuracy", num(m.tier.accuracy), `${m.tier.correct}/${m.tier.total}`],
      ["model p95 latency ms", num(m.p95LatencyMs, 0), `mean ${num(m.meanLatencyMs, 0)}`],
      ["model US$ / message", num(m.costPerMessageUsd, 5), `total ${num(m.totalCostUsd, 4)}`],
      ["model errors", String(m.errors), `of ${m.count + m.errors}`],
    );
  }
  lines.push(...table(rows), "");

  const categories = Object.entries(report.categories).sort(([a], [b]) => a.localeCompare(b));
  lines.push(
    ...table([
      ["category", "count", "misses"],
      ...categories.map(([name, c]) => [name, String(c.count), String(c.misses)]),
    ]),
    "",
  );

  const failures = [...report.missDetails, ...(m?.failures ?? [])];
  if (failures.length === 0) lines.push("misses: none");
  else {
    lines.push(`misses (${failures.length}):`);
    for (const miss of failures) {
      lines.push(`  ${miss.id} [${miss.category}] ${miss.problems.join("; ")}`);
      lines.push(`      ${JSON.stringify(miss.text)}`);
    }
  }

  if (gates.length > 0) {
    lines.push("", "gates:");
    for (const g of gates) {
      const verdict = g.passed ? "pass" : "FAIL";
      const got = g.value === null ? "n/a" : String(Number(g.value.toFixed(4)));
      lines.push(`  ${verdict}  ${g.key} ${g.op} ${g.threshold}  (got ${got})`);
    }
  }
  return `${lines.join("\n")}\n`;
}
