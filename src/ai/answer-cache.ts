import { createHash } from "node:crypto";
import { eq, lt, sql } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { answerCache, counters } from "../store/schema.ts";
import { contentWords, words } from "./text.ts";

/** What an answer depends on besides the question. */
export interface CacheScope {
  language: "id" | "en";
  kbVersion: string;
  promptVersion: string;
}

/** The question reduced to its topic words, in order: "Kak, jam buka toko?" → "jam buka toko". */
export function normaliseQuestion(text: string): string {
  return contentWords(text).join(" ");
}

// Every screen is linear in the length of the text: no two quantifiers of one pattern can take
// the same characters, so no input makes the engine retry a long run from every start. (The old
// e-mail pattern, `[\w.+-]+@...`, restarted its leading run at every character of a long word:
// 65,536 letters took seconds. The old link pattern, `https?:\/\/\S+\?\S*=`, was cubic.)
const PERSONAL = [
  /\d{5}/, // five digits in a row: phone, order, account numbers
  // An e-mail address: a name character, "@", a domain label, "." and one more domain character.
  // The same texts match as with whole runs on both sides, but only an "@" can start a search.
  /[\w.+-]@[\w-]+\.[\w.]/,
  // Order ids like INV-20931 (not prices: Rp300). Starts only at a word boundary, and a run of
  // digits has one such start before it, so the greedy digits are walked back at most once.
  /\b(?!rp)[a-z]{2,5}(?:[-/]\d{3,}|\d{4,})\b/i,
];

/**
 * A link with query parameters (`https://x.com/a?ref=1`): `http(s)://`, then within the same
 * run of non-space characters a "?" (not right after the `//`) and later an "=". A scanner, each
 * character looked at a bounded number of times: when one link fails, any link starting later
 * in the same run sees a suffix of it and fails too, so the scan goes on after the run.
 */
function hasLinkWithParameters(text: string): boolean {
  const start = /https?:\/\//gi;
  const run = /\S*/y;
  for (let m = start.exec(text); m !== null; m = start.exec(text)) {
    const from = m.index + m[0].length;
    run.lastIndex = from;
    run.exec(text);
    const end = run.lastIndex;
    const rest = text.slice(from, end);
    const q = rest.indexOf("?", 1);
    if (q !== -1 && rest.indexOf("=", q + 1) !== -1) return true;
    start.lastIndex = Math.max(end, start.lastIndex);
  }
  return false;
}

/**
 * Whether a text may carry personal data (numbers, e-mails, order ids, links with parameters,
 * the customer's name); such questions and answers are never cached. Linear in the text's
 * length; callers analysing customer text pass it through `analysisText` (src/core) first.
 */
export function hasPersonalData(text: string, names: readonly string[] = []): boolean {
  if (PERSONAL.some((re) => re.test(text)) || hasLinkWithParameters(text)) return true;
  const w = new Set(words(text));
  return names
    .flatMap((n) => words(n))
    .filter((n) => n.length > 2)
    .some((n) => w.has(n));
}

export function cacheKey(question: string, scope: CacheScope): string | null {
  const q = normaliseQuestion(question);
  if (q.length < 3) return null;
  return createHash("sha256")
    .update(`${scope.language}\0${scope.kbVersion}\0${scope.promptVersion}\0${q}`)
    .digest("hex");
}

function bump(db: Db, name: string, now: number) {
  db.insert(counters)
    .values({ name, value: 1, updatedAt: now })
    .onConflictDoUpdate({
      target: counters.name,
      set: { value: sql`${counters.value} + 1`, updatedAt: now },
    })
    .run();
}

/** Looks a reusable answer up, counting lookups and hits for the hit rate. */
export function lookupAnswer(db: Db, key: string, now: number): string | null {
  bump(db, "answer_cache.lookups", now);
  const row = db.select().from(answerCache).where(eq(answerCache.key, key)).get();
  if (!row || row.expiresAt <= now) return null;
  bump(db, "answer_cache.hits", now);
  db.update(answerCache)
    .set({ hits: sql`${answerCache.hits} + 1` })
    .where(eq(answerCache.key, key))
    .run();
  return row.answer;
}

/** Stores an answer for `ttlMs`, and drops expired ones. */
export function storeAnswer(
  db: Db,
  entry: { key: string; question: string; answer: string; language: string },
  ttlMs: number,
  now: number,
): void {
  db.delete(answerCache).where(lt(answerCache.expiresAt, now)).run();
  const values = { ...entry, question: normaliseQuestion(entry.question), expiresAt: now + ttlMs };
  db.insert(answerCache)
    .values({ ...values, hits: 0, createdAt: now })
    .onConflictDoUpdate({ target: answerCache.key, set: { ...values, createdAt: now } })
    .run();
}

export interface AnswerCacheStats {
  lookups: number;
  hits: number;
  hitRate: number;
  entries: number;
}

export function answerCacheStats(db: Db, now = Date.now()): AnswerCacheStats {
  const get = (name: string) =>
    db.select().from(counters).where(eq(counters.name, name)).get()?.value ?? 0;
  const lookups = get("answer_cache.lookups");
  const hits = get("answer_cache.hits");
  const entries =
    (
      db.$client
        .prepare("SELECT count(*) AS n FROM answer_cache WHERE expires_at > ?")
        .get(now) as {
        n: number;
      }
    ).n ?? 0;
  return { lookups, hits, hitRate: lookups === 0 ? 0 : hits / lookups, entries };
}
