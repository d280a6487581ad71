import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { inTransaction } from "../store/tx.ts";
import {
  type BreakerRecord,
  type BreakerStateStore,
  CLOSED_BREAKER,
  isClosedAndClean,
} from "./circuit-breaker.ts";

/** The `settings` key holding a breaker's record (absent: closed, nothing remembered). */
export const breakerSettingKey = (name: string): string => `ai.breaker.${name}`;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** A stored record; anything unreadable counts as closed (the breaker is an optimisation). */
export function parseBreakerRecord(value: string): BreakerRecord {
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v !== "object" || v === null) return CLOSED_BREAKER;
    const o = v as Record<string, unknown>;
    return {
      failures: Math.max(0, Math.floor(num(o.failures) ?? 0)),
      openedAt: num(o.openedAt),
      trialUntil: num(o.trialUntil),
      trialBy: typeof o.trialBy === "string" ? o.trialBy : null,
    };
  } catch {
    return CLOSED_BREAKER;
  }
}

const same = (a: BreakerRecord, b: BreakerRecord) =>
  a.failures === b.failures &&
  a.openedAt === b.openedAt &&
  a.trialUntil === b.trialUntil &&
  a.trialBy === b.trialBy;

/**
 * A circuit breaker's record kept in the database (`settings`, key `ai.breaker.<name>`, a small
 * JSON value), so that every instance sharing the database shares the breaker: failures seen by
 * any instance count towards opening it, an open breaker spares every instance the failing model,
 * and the half-open trial is one call in all. Each change is a read and a write in one write
 * transaction (serialised across processes on SQLite and on PostgreSQL); reading is one
 * primary-key lookup. A closed breaker with nothing remembered has no row.
 */
export function storedBreakerState(
  db: Db,
  name: string,
  now: () => number = Date.now,
): BreakerStateStore {
  const key = breakerSettingKey(name);
  const read = (): BreakerRecord => {
    const row = prepared(db, "SELECT value FROM settings WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row ? parseBreakerRecord(row.value) : CLOSED_BREAKER;
  };
  return {
    read,
    update(change) {
      return inTransaction(db, () => {
        const before = read();
        const { next, result } = change(before);
        if (same(before, next)) return result;
        if (isClosedAndClean(next)) prepared(db, "DELETE FROM settings WHERE key = ?").run(key);
        else
          prepared(
            db,
            `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          ).run(key, JSON.stringify(next), now());
        return result;
      });
    },
  };
}
