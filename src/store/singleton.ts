import { type Db, engineOf } from "./db.ts";

/** Work that one instance at a time does for everybody. */
export type SingletonName = "sla-sweeper" | "rate-alerts" | "retention" | "pruning";

/** Lock class of the singletons' advisory locks (the second key is the name's hash). */
const SINGLETON_LOCK_CLASS = 0x6a62; // "jb"

/**
 * Whether this instance runs `name` now. On SQLite there is one process per file: always yes.
 * On PostgreSQL the first instance to ask takes a session-level advisory lock and keeps it for
 * as long as its connection lives; the others get no and ask again at their next tick. A killed
 * instance's connection closes with it, so the lock passes at the next tick of another one,
 * without waiting out a lease. Asking again while holding it succeeds (the lock is re-entrant).
 */
export function holdsSingleton(db: Db, name: SingletonName): boolean {
  if (engineOf(db) === "sqlite") return true;
  const row = db.$client
    .prepare("SELECT pg_try_advisory_lock(?, hashtext(?)) AS got")
    .get(SINGLETON_LOCK_CLASS, name) as { got: number };
  return row.got === 1;
}
