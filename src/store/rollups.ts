import type { Db } from "./db.ts";
import { inTransaction } from "./tx.ts";

/**
 * The roll-ups `/metrics` reads instead of counting whole tables: conversations by state and
 * failed sends by error code. Triggers (db/migrations/0006_home_figures.sql) keep them in the
 * transaction of every write they count, so a rolled-back write is never counted and a committed
 * one exactly once. This file reads them, recounts them from the rows (slow: a full scan, for
 * tests and repairs only, never on a request) and rebuilds them.
 */

/** Counts by key (state, or error code with `none` for no code), zeros left out. */
export interface Rollups {
  conversationsByState: Record<string, number>;
  failedSendsByCode: Record<string, number>;
}

const toRecord = (rows: { key: string; n: number }[]) =>
  Object.fromEntries(rows.filter((r) => r.n !== 0).map((r) => [r.key, r.n]));

/** The roll-ups as kept by the triggers. */
export function readRollups(db: Db): Rollups {
  const c = db.$client;
  return {
    conversationsByState: toRecord(
      c.prepare("SELECT state AS key, n FROM conversation_state_counts").all() as {
        key: string;
        n: number;
      }[],
    ),
    failedSendsByCode: toRecord(
      c.prepare("SELECT code AS key, n FROM failed_send_counts").all() as {
        key: string;
        n: number;
      }[],
    ),
  };
}

// The definitions the triggers implement, as full recounts.
const RECOUNT_STATES = "SELECT state AS key, count(*) AS n FROM conversations GROUP BY state";
const RECOUNT_FAILED = `SELECT coalesce(CAST(error_code AS TEXT), 'none') AS key, count(*) AS n
  FROM messages WHERE direction = 'out' AND status = 'failed' GROUP BY 1`;

/** The roll-ups recounted from the rows: a full scan of `conversations` and `messages`. */
export function recountRollups(db: Db): Rollups {
  const c = db.$client;
  return {
    conversationsByState: toRecord(c.prepare(RECOUNT_STATES).all() as { key: string; n: number }[]),
    failedSendsByCode: toRecord(c.prepare(RECOUNT_FAILED).all() as { key: string; n: number }[]),
  };
}

/**
 * Replaces the roll-ups with a recount, in one transaction (a repair after rows were changed
 * with the triggers dropped, e.g. by hand). Holds the write lock for the length of a full scan.
 */
export function rebuildRollups(db: Db): void {
  inTransaction(db, () => {
    const c = db.$client;
    c.prepare("DELETE FROM conversation_state_counts").run();
    c.prepare(`INSERT INTO conversation_state_counts (state, n) ${RECOUNT_STATES}`).run();
    c.prepare("DELETE FROM failed_send_counts").run();
    c.prepare(`INSERT INTO failed_send_counts (code, n) ${RECOUNT_FAILED}`).run();
  });
}
