import type { ContextBlock, KnownBlock, MrkdwnElement, PlainTextElement } from "@slack/types";

/** Slack's Block Kit limits that the builders respect (characters are counted as UTF-16 units). */
export const LIMITS = {
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  messageBlocks: 50,
  viewBlocks: 100,
  privateMetadata: 3000,
  modalTitle: 24,
  modalButton: 24,
  inputLabel: 2000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
} as const;

const ELLIPSIS = "…";

/** Escapes the three characters Slack's mrkdwn treats as control characters (`&`, `<`, `>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Cuts to at most `end` UTF-16 units without splitting a surrogate pair. */
function cutAt(text: string, end: number): string {
  if (end <= 0) return "";
  if (end >= text.length) return text;
  return isHighSurrogate(text.charCodeAt(end - 1)) ? text.slice(0, end - 1) : text.slice(0, end);
}

/** Shortens plain text to at most `max` characters, ending with an ellipsis when cut. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  return cutAt(text, max - ELLIPSIS.length).trimEnd() + ELLIPSIS;
}

/**
 * Where mrkdwn may be cut at or before `end` without splitting an entity (`&amp;`), a control
 * sequence (`<!date^…>`, `<url|label>`) or a surrogate pair.
 */
function safeCut(text: string, end: number): number {
  let cut = Math.min(end, text.length);
  if (cut < text.length && cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) cut -= 1;
  const head = text.slice(0, cut);
  const lt = head.lastIndexOf("<");
  if (lt > head.lastIndexOf(">")) cut = lt;
  const amp = head.lastIndexOf("&", cut - 1);
  if (amp >= 0 && amp > cut - 5) {
    const semi = text.indexOf(";", amp);
    if (semi >= cut && semi - amp <= 4) cut = amp;
  }
  return cut;
}

/**
 * Shortens mrkdwn to at most `max` characters, ending with an ellipsis when cut, never splitting
 * an escaped entity or a `<…>` sequence (which would break the rendering or leak markup).
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, safeCut(text, max - ELLIPSIS.length)).trimEnd() + ELLIPSIS;
}

/** Escapes user-provided text for mrkdwn and shortens it to at most `max` characters. */
export function userMrkdwn(text: string, max: number): string {
  return truncateMrkdwn(escapeMrkdwn(text), max);
}

/**
 * Splits mrkdwn into chunks of at most `max` characters (preferring line and word breaks) so
 * that long texts can be spread over several blocks without losing anything.
 */
export function chunkMrkdwn(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = safeCut(rest, max);
    const head = rest.slice(0, cut);
    const brk = Math.max(head.lastIndexOf("\n"), head.lastIndexOf(" "));
    if (brk > max / 2) cut = safeCut(rest, brk + 1);
    if (cut <= 0) cut = max;
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}

/** Collapses line breaks and runs of whitespace into single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A mrkdwn text object; `verbatim` stops Slack from turning plain "@here" or "#chan" into links. */
export function mrkdwn(text: string): MrkdwnElement {
  return { type: "mrkdwn", text: text.length > 0 ? text : " ", verbatim: true };
}

/**
 * A plain_text object shortened to `max` characters. Slack does not parse mentions in plain_text;
 * `<` and `>` are still swapped for `‹` and `›` so that no client can ever read them as markup.
 */
export function plain(text: string, max: number = LIMITS.sectionText): PlainTextElement {
  const t = truncatePlain(text.replace(/</g, "‹").replace(/>/g, "›"), max);
  return { type: "plain_text", text: t.length > 0 ? t : " ", emoji: true };
}

/** A context block with one mrkdwn element, shortened to the text limit. */
export function contextLine(text: string): ContextBlock {
  return { type: "context", elements: [mrkdwn(truncateMrkdwn(text, LIMITS.sectionText))] };
}

/**
 * Keeps a block list within `max` blocks: when too long, the last kept block is replaced by a
 * context line saying how many blocks were left out.
 */
export function capBlocks(blocks: KnownBlock[], max: number): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const kept = blocks.slice(0, max - 1);
  kept.push(contextLine(`_${blocks.length - kept.length} more blocks not shown (Slack limit)_`));
  return kept;
}

/** Two-digit calling codes (ITU-T E.164); `1` and `7` are one digit, every other code three. */
const TWO_DIGIT_CODES = new Set(
  (
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 " +
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98"
  ).split(" "),
);

function callingCodeLength(digits: string): number {
  if (digits.startsWith("1") || digits.startsWith("7")) return 1;
  return TWO_DIGIT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
}

/**
 * Masks a WhatsApp number (wa_id digits) for display: the calling code, the first three and the
 * last four national digits stay, e.g. `6281234565678` → `+62 812-••••-5678`. Short numbers keep
 * only the code and the last two digits; no number gives "unknown number".
 */
export function maskPhone(phone: string | null): string {
  const digits = (phone ?? "").replace(/\D/g, "");
  if (digits.length === 0) return "unknown number";
  const cc = digits.slice(0, callingCodeLength(digits));
  const national = digits.slice(cc.length);
  if (national.length >= 8) return `+${cc} ${national.slice(0, 3)}-••••-${national.slice(-4)}`;
  if (national.length >= 3) return `+${cc} ••••-${national.slice(-2)}`;
  return `+${cc} ••••`;
}

function pad2(n: number): string {
  return n.toString().padStart(2, "0");
}

/** A UTC fallback such as `2024-05-01 13:05 UTC`, shown by clients that cannot localise dates. */
export function utcFallback(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())} UTC`;
}

/**
 * Slack date formatting, shown in each reader's own time zone:
 * `<!date^SECONDS^{date_short_pretty} {time}|2024-05-01 13:05 UTC>`.
 */
export function slackDate(ms: number, format = "{date_short_pretty} {time}"): string {
  return `<!date^${Math.floor(ms / 1000)}^${format}|${utcFallback(ms)}>`;
}

/** A rough human duration: "under a minute", "45 min", "3 h", "2 h 5 min", "2 d 3 h". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const restMin = minutes % 60;
  if (hours < 24) return restMin === 0 ? `${hours} h` : `${hours} h ${restMin} min`;
  const days = Math.floor(hours / 24);
  const restH = hours % 24;
  return restH === 0 ? `${days} d` : `${days} d ${restH} h`;
}

/**
 * A link to a Slack message usable without a `chat.getPermalink` call:
 * `https://slack.com/app_redirect?channel=C…&message_ts=…`. `app_redirect` reliably opens the
 * channel in the reader's workspace; `message_ts` is a hint clients may use to scroll to the
 * message, so callers also show the thread's date next to the link.
 */
export function threadUrl(channel: string, ts: string): string {
  return `https://slack.com/app_redirect?channel=${encodeURIComponent(channel)}&message_ts=${encodeURIComponent(ts)}`;
}

/** A mrkdwn link `<url|label>` with the URL's `&` and the label escaped. */
export function mrkdwnLink(url: string, label: string): string {
  return `<${escapeMrkdwn(url)}|${escapeMrkdwn(label).replace(/\|/g, "¦")}>`;
}

/** A Slack message ts ("1700000000.000100") as Unix ms, or null when malformed. */
export function tsToMs(ts: string): number | null {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds * 1000) : null;
}

/** A 0..1 fraction as a whole percentage ("72%"), clamped; null gives "n/a". */
export function percent(fraction: number | null): string {
  if (fraction === null || !Number.isFinite(fraction)) return "n/a";
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}
