import { LATENCY_BINS_MS } from "../../store/rollups-home.ts";

/**
 * Pure helpers for the Home tab's figures: percentiles from the latency histogram of the hourly
 * roll-up, medians, and a text sparkline.
 */

/** A latency bin of the roll-up: its key (upper bound in ms, or `inf`) and how many calls. */
export interface LatencyBin {
  key: string;
  n: number;
}

const bounds = (key: string): [number, number] | null => {
  if (key === "inf") return [LATENCY_BINS_MS.at(-1)!, LATENCY_BINS_MS.at(-1)!];
  const upper = Number(key);
  const i = LATENCY_BINS_MS.indexOf(upper as (typeof LATENCY_BINS_MS)[number]);
  if (i === -1) return null;
  return [i === 0 ? 0 : LATENCY_BINS_MS[i - 1]!, upper];
};

/**
 * The `p` percentile (0..1, nearest rank) of the latencies the bins count, interpolated within
 * its bin: exact to the bin's width (about 25 %). Above the last bound it answers that bound
 * (a lower limit). Null when there are no calls.
 */
export function binnedPercentile(bins: readonly LatencyBin[], p: number): number | null {
  const known = bins
    .map((b) => ({ n: b.n, range: bounds(b.key) }))
    .filter((b): b is { n: number; range: [number, number] } => b.range !== null && b.n > 0)
    .sort((a, b) => a.range[1] - b.range[1] || a.range[0] - b.range[0]);
  const total = known.reduce((s, b) => s + b.n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let before = 0;
  for (const b of known) {
    if (before + b.n >= rank) {
      const [lo, hi] = b.range;
      return Math.round(lo + ((rank - before) / b.n) * (hi - lo));
    }
    before += b.n;
  }
  return known.at(-1)!.range[1];
}

/** The median of numbers; null when there are none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const BARS = "▁▂▃▄▅▆▇█";

/**
 * A text sparkline of values 0..1 (`▁` = 0, `█` = the largest value, at least 1 %: a flat low
 * line stays low); a day without data is `·`.
 */
export function sparkline(values: readonly (number | null)[]): string {
  const top = Math.max(
    0.01,
    ...values.filter((v): v is number => v !== null && Number.isFinite(v)),
  );
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return "·";
      const i = Math.round((Math.max(0, v) / top) * (BARS.length - 1));
      return BARS[Math.min(BARS.length - 1, i)];
    })
    .join("");
}
