import { canonicalWords } from "./morphology.ts";

// A second vote for the rule-based triggers: a naive Bayes model over word and character
// n-grams, trained by eval/detection/train.ts on the tune part of the detection set only and
// shipped as data (detection-model.json). The rules stay first: they explain themselves in the
// evidence and never depend on a file. The model only adds a "yes" where it is very sure, with a
// threshold chosen on the tune part so that it adds no false positive there.

/** The weights of one yes/no detector. */
export interface LabelModel {
  /** log prior odds of "yes" */
  bias: number;
  /** score at or above which the model votes "yes" */
  threshold: number;
  /** log-likelihood ratio of each feature that survived pruning */
  weights: Record<string, number>;
}

/** A trained model: one entry per label, plus where it came from. */
export interface DetectionModel {
  /** what it was trained on, for people reading the file */
  trainedOn: string;
  labels: Record<string, LabelModel>;
}

/** How many words of a text the model reads: the triggers' own cap keeps the work bounded. */
export const MAX_FEATURE_WORDS = 1000;

/**
 * The features of a text, each once: canonical words (`w:`), word pairs (`b:`) and the
 * character trigrams of each word with its edges marked (`c:`), so a typo still shares most of
 * its features with the word it spoils. Reads at most {@link MAX_FEATURE_WORDS} words.
 */
export function features(text: string): Set<string> {
  const words = canonicalWords(text).slice(0, MAX_FEATURE_WORDS);
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? "";
    out.add(`w:${w}`);
    if (i > 0) out.add(`b:${words[i - 1]} ${w}`);
    const padded = `#${w}#`;
    // Long "words" (a pasted blob) add at most 32 trigrams each.
    for (let k = 0; k + 3 <= padded.length && k < 32; k++) out.add(`c:${padded.slice(k, k + 3)}`);
  }
  return out;
}

/** The model's score of a feature set for one label: log odds of "yes". */
export function score(model: LabelModel, feats: ReadonlySet<string>): number {
  let sum = model.bias;
  for (const f of feats) sum += model.weights[f] ?? 0;
  return sum;
}

/** Whether the model votes "yes" for this label. */
export function votes(model: LabelModel, feats: ReadonlySet<string>): boolean {
  return score(model, feats) >= model.threshold;
}
