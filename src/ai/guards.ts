import { startOfBusinessDay } from "../core/business-day.ts";
import type { ContactId } from "../core/ids.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";

export interface GuardLimits {
  /** Customer messages per contact per minute. */
  ratePerMinute: number;
  /** Model tokens per business day; 0 = no limit. */
  dailyTokenBudget: number;
  /**
   * BUSINESS_UTC_OFFSET in minutes: the budget's day starts at the business's midnight, the
   * same "today" as the Home tab, `/metrics` and `npm run ai -- status` (default 0, UTC).
   */
  utcOffsetMinutes?: number;
}

export type GuardTrip = "rate_limited" | "token_budget";

/** Customer messages the contact sent in the last minute (by arrival time). */
export function messagesLastMinute(db: Db, contactId: ContactId, now: number): number {
  const row = prepared(
    db,
    `SELECT count(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE c.contact_id = ? AND m.direction = 'in' AND m.created_at > ?`,
  ).get(contactId, now - 60_000) as { n: number };
  return row.n;
}

/**
 * Tokens of every model call since the start of the business day (midnight at the business's
 * UTC offset, minutes; 0 = UTC), cached ones included.
 */
export function tokensUsedToday(db: Db, now: number, utcOffsetMinutes = 0): number {
  const row = prepared(
    db,
    `SELECT coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0) AS n
     FROM ai_calls WHERE created_at >= ?`,
  ).get(startOfBusinessDay(now, utcOffsetMinutes)) as { n: number };
  return row.n;
}

/** Which guard, if any, stops the AI from answering this contact now. */
export function checkGuards(
  db: Db,
  contactId: ContactId,
  limits: GuardLimits,
  now: number,
): GuardTrip | null {
  if (messagesLastMinute(db, contactId, now) > limits.ratePerMinute) return "rate_limited";
  if (
    limits.dailyTokenBudget > 0 &&
    tokensUsedToday(db, now, limits.utcOffsetMinutes ?? 0) >= limits.dailyTokenBudget
  )
    return "token_budget";
  return null;
}
