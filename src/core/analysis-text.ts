/**
 * How much of a customer's text the deterministic analysers read: the triggers (human request,
 * opt-out, injection), the tier router, language detection, the answer cache's personal-data
 * screen and the knowledge-base search.
 *
 * 4,096 characters is WhatsApp's own limit for a text body a business sends, and far more than
 * any question a person types. An inbound body can be longer (Meta delivers up to 65,536
 * characters, and the webhook accepts 3 MB), so without a cap the size of the work done on every
 * turn would be chosen by the customer. The full text is still stored, mirrored to Slack and
 * given to the model; only the analysis looks at its beginning. A turn whose text was cut is
 * never put in the answer cache (two different long questions could share their first 4,096
 * characters).
 */
export const ANALYSIS_MAX_CHARS = 4096;

/**
 * The first {@link ANALYSIS_MAX_CHARS} UTF-16 code units of `text` (never half a surrogate
 * pair), or `text` itself when it is not longer. Pure and O(cap).
 */
export function analysisText(text: string, max: number = ANALYSIS_MAX_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  // A high surrogate whose low half lies beyond the cap: drop it rather than leave it alone.
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

/** Whether {@link analysisText} cut this text. */
export function isCutForAnalysis(text: string, max: number = ANALYSIS_MAX_CHARS): boolean {
  return text.length > max;
}
