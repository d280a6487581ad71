import type { Db } from "./db.ts";

/**
 * Runs `fn` in one SQLite transaction started with BEGIN IMMEDIATE: the write lock is taken up
 * front, so two processes never deadlock upgrading a read lock, and busy_timeout applies.
 * Nested calls become savepoints. Everything inside must be synchronous (better-sqlite3).
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  const client = db.$client;
  if (client.inTransaction) return client.transaction(fn)();
  return client.transaction(fn).immediate();
}
