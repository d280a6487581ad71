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

const PERSONAL = [
  /\d{5,}/, // phone, order, account numbers
  /[\w.+-]+@[\w-]+\.[\w.]+/, // e-mail
  /\b(?!rp)[a-z]{2,5}(?:[-/]\d{3,}|\d{4,})\b/i, // order ids like INV-20931 (not prices: Rp300)
  /https?:\/\/\S+\?\S*=/i, // links with parameters
];

/**
 * Whether a text may carry personal data (numbers, e-mails, order ids, the customer's name);
 * such questions and answers are never cached.
 */
export function hasPersonalData(text: string, names: readonly string[] = []): boolean {
  if (PERSONAL.some((re) => re.test(text))) return true;
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
