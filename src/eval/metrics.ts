/** Confusion counts and scores of one yes/no detector; a ratio is `null` when undefined (0/0). */
export interface BinaryScores {
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

/** Precision, recall and F1 of predictions against labels, as `[expected, predicted]` pairs. */
export function binaryScores(pairs: Iterable<readonly [expected: boolean, predicted: boolean]>) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [expected, predicted] of pairs) {
    if (expected && predicted) tp += 1;
    else if (predicted) fp += 1;
    else if (expected) fn += 1;
  }
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const f1 =
    precision === null || recall === null
      ? null
      : precision + recall === 0
        ? 0
        : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 } satisfies BinaryScores;
}

/** Share of `[expected, actual]` pairs that agree; `null` for no pairs. */
export function accuracy<T>(pairs: readonly (readonly [T, T])[]): {
  accuracy: number | null;
  correct: number;
  total: number;
} {
  const correct = pairs.filter(([a, b]) => a === b).length;
  return { accuracy: ratio(correct, pairs.length), correct, total: pairs.length };
}

/** The nearest-rank percentile (`p` in 0..100) of a list of numbers; `null` for an empty list. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}
