/** One message of the conversation as the handoff summary reads it, oldest first. */
export interface SummaryLine {
  from: "customer" | "bot" | "agent";
  text: string;
}

/** Things an agent would otherwise dig out of the transcript: order numbers, emails, amounts, dates. */
export interface KeyFact {
  kind: "reference" | "email" | "amount" | "date";
  text: string;
}

const MAX_FACTS = 6;
const QUOTE_CHARS = 160;
/**
 * How much of each message is read. A summary needs the gist, and the root is redrawn on the
 * event loop: a 64 KB message must cost no more than a short one.
 */
const READ_CHARS = 2000;

// Words that make a message a question (Indonesian and English), besides a question mark.
const QUESTION_WORDS = new Set(
  "apa apakah bagaimana gimana gmn bgmn kapan berapa brp kenapa knp mengapa dimana mana bisa bisakah boleh apakah gak ga nggak tidak why how what when where which can could is are do does will would should".split(
    " ",
  ),
);
// Greetings and fillers: a message made only of these says nothing about what the customer wants.
const FILLER = new Set(
  "halo hallo hai hi hello hey pagi siang sore malam selamat kak ka kakak min admin gan sis bro om pak bu mas mbak permisi assalamualaikum salam p ping test tes ok oke okay ya iya thanks thank you makasih terima kasih".split(
    " ",
  ),
);

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function isFiller(text: string): boolean {
  const w = words(text);
  return w.length === 0 || w.every((x) => FILLER.has(x));
}

function isQuestion(text: string): boolean {
  const w = words(text);
  return text.includes("?") || w.some((x) => QUESTION_WORDS.has(x));
}

/**
 * The customer's main question: the first message that asks something and says more than a
 * greeting; else the longest message that is not a greeting; null when the customer said nothing
 * of substance. The first question is usually the reason for the visit; what follows tends to be
 * detail or impatience ("halo?", "min??").
 */
export function mainQuestion(lines: readonly SummaryLine[]): string | null {
  const said = bounded(lines)
    .filter((l) => l.from === "customer")
    .map((l) => oneLine(l.text))
    .filter((t) => t.length > 0 && !isFiller(t));
  const asked = said.find((t) => isQuestion(t) && words(t).length >= 3);
  if (asked) return asked;
  let longest: string | null = null;
  for (const t of said) if (longest === null || t.length > longest.length) longest = t;
  return longest;
}

// Reference numbers: after a keyword (order 12345, resi JP123…, invoice INV-9, no. 55…), a
// #-number, or a code of letters and at least four digits (INV-2024-001, JNE123456789).
const REFERENCE_AFTER_KEYWORD =
  /\b(?:order|pesanan|invoice|inv|resi|awb|tracking|booking|tiket|ticket|nomor|no|ref|id|akun|account)\.?\s*(?:#|:|no\.?|nomor)?\s*([A-Z0-9][A-Z0-9-]{3,})\b/giu;
const HASH_REFERENCE = /#([A-Z0-9-]{3,})\b/giu;
const CODE_REFERENCE = /\b([A-Z]{2,6}-?\d[\d-]{3,})\b/gu;
// Bounded repetitions: on a long run of e-mail-like words an unbounded `[….-]+\.` backtracks
// quadratically (test/event-loop.e2e.test.ts).
const EMAIL =
  /[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){0,6}\.\p{L}{2,24}\b/gu;
const AMOUNT =
  /(?:\b(?:rp|idr|usd|sgd)\.?\s?\d[\d.,]*(?:\s?(?:rb|ribu|k|jt|juta))?|(?:US)?\$\s?\d[\d.,]*|\b\d[\d.,]*\s?(?:rb|ribu|jt|juta|rupiah)\b)/giu;
const DATE =
  /\b(?:\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?|\d{1,2}\s(?:jan|feb|mar|apr|mei|may|jun|jul|agu|aug|agt|sep|okt|oct|nov|des|dec)[a-z]*(?:\s\d{4})?)\b/giu;
// A phone number is not an order number: the thread already shows the customer's number, and
// a third party's does not belong in a summary.
const PHONE_LIKE = /^(?:\+?62|0)8\d{7,12}$/;

function hasDigit(s: string): boolean {
  return /\d/.test(s);
}

/**
 * Key facts from the customer's messages, in the order they were first given, without repeats,
 * at most six. Only what the customer wrote: the bot's and agents' words are not facts about them.
 */
export function keyFacts(lines: readonly SummaryLine[]): KeyFact[] {
  const facts: KeyFact[] = [];
  const seen = new Set<string>();
  const add = (kind: KeyFact["kind"], raw: string) => {
    const text = raw.trim().replace(/[.,]+$/, "");
    const key = text.toLowerCase();
    if (text.length === 0 || seen.has(key) || facts.length >= MAX_FACTS) return;
    seen.add(key);
    facts.push({ kind, text });
  };
  for (const line of bounded(lines)) {
    if (line.from !== "customer") continue;
    const text = line.text;
    const emails = text.match(EMAIL) ?? [];
    for (const e of emails) add("email", e);
    // Emails are taken out first so their parts are not read as references.
    const rest = emails.reduce((t, e) => t.replace(e, " "), text);
    const found: { at: number; kind: KeyFact["kind"]; text: string }[] = [];
    const collect = (re: RegExp, kind: KeyFact["kind"], group: number) => {
      for (const m of rest.matchAll(re)) {
        const value = m[group] ?? m[0];
        if (kind === "reference" && (!hasDigit(value) || PHONE_LIKE.test(value))) continue;
        found.push({ at: m.index ?? 0, kind, text: value });
      }
    };
    collect(REFERENCE_AFTER_KEYWORD, "reference", 1);
    collect(HASH_REFERENCE, "reference", 1);
    collect(CODE_REFERENCE, "reference", 1);
    collect(AMOUNT, "amount", 0);
    collect(DATE, "date", 0);
    found.sort((a, b) => a.at - b.at);
    for (const f of found) {
      // An amount or a date is not also a reference (Rp 150.000 has digits too).
      if (
        f.kind === "reference" &&
        found.some((o) => o.kind !== "reference" && o.text.includes(f.text))
      )
        continue;
      add(f.kind, f.text);
    }
  }
  return facts;
}

function bounded(lines: readonly SummaryLine[]): SummaryLine[] {
  return lines.map((l) =>
    l.text.length > READ_CHARS ? { from: l.from, text: l.text.slice(0, READ_CHARS) } : l,
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function quote(text: string, max = QUOTE_CHARS): string {
  const t = oneLine(text);
  return `“${t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t}”`;
}

const FACT_LABEL: Record<KeyFact["kind"], string> = {
  reference: "ref",
  email: "email",
  amount: "amount",
  date: "date",
};

/**
 * The summary an agent reads first when the model cannot write one (offline, outage, or until
 * it has): what the customer wants, the key facts they gave, what the AI already answered, and
 * their latest messages. Plain text in English (the agents' language), one line per part, at
 * most about 900 characters; null when the conversation has no customer text at all.
 */
export function deterministicSummary(all: readonly SummaryLine[]): string | null {
  const lines = bounded(all);
  const wants = mainQuestion(lines);
  const customer = lines.filter((l) => l.from === "customer" && oneLine(l.text).length > 0);
  if (customer.length === 0) return null;
  const parts: string[] = [];
  parts.push(`Wants: ${wants === null ? "not said yet (greetings only)" : quote(wants)}`);
  const facts = keyFacts(lines);
  if (facts.length > 0)
    parts.push(`Facts: ${facts.map((f) => `${FACT_LABEL[f.kind]} ${f.text}`).join(" · ")}`);
  const lastBot = [...lines].reverse().find((l) => l.from === "bot" && oneLine(l.text).length > 0);
  if (lastBot) parts.push(`AI last said: ${quote(lastBot.text, 120)}`);
  const latest = customer
    .slice(-3)
    .map((l) => oneLine(l.text))
    .filter((t) => t !== wants);
  if (latest.length > 0) parts.push(`Latest: ${latest.map((t) => quote(t, 100)).join(" · ")}`);
  return parts.join("\n");
}

/** Handoffs whose reason says the model must not be asked again now (or costs must stop). */
const NO_MODEL_REASONS = new Set([
  "model_unavailable",
  "offline",
  "ai_off",
  "token_budget",
  "rate_limited",
]);

/**
 * Whether the fast tier may write this handoff's summary. Not when the handoff happened because
 * the model failed, was switched off, or spending had to stop (budget, a customer's flood), nor
 * while the AI is off or over today's budget: the automatic summary serves then, and the agents'
 * convenience never costs what the customers' answers were refused for.
 */
export function modelSummaryAllowed(facts: {
  handoffReason: string | null;
  aiOn: boolean;
  overBudget: boolean;
}): boolean {
  if (!facts.aiOn || facts.overBudget) return false;
  return facts.handoffReason === null || !NO_MODEL_REASONS.has(facts.handoffReason);
}
