import type { Db } from "./db.ts";
import { prepared } from "./prepared.ts";

let depth = 0;

/**
 * Runs `fn` in one SQLite transaction started with BEGIN IMMEDIATE: the write lock is taken up
 * front, so two processes never deadlock upgrading a read lock, and busy_timeout applies.
 * Nested calls become savepoints. Everything inside must be synchronous (better-sqlite3).
 *
 * Written with cached BEGIN/COMMIT statements rather than better-sqlite3's `transaction()`,
 * which builds a new wrapper per call: on the webhook path that was a measurable share of each
 * delivery (bench/ingest).
 */
export function inTransaction<T>(db: Db, fn: () => T): T {
  const client = db.$client;
  if (client.inTransaction) {
    const name = `sp${++depth}`;
    client.exec(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      client.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      // SQLite may already have rolled the whole transaction back (disk full, I/O error): then
      // the savepoint is gone and the original error is the one to report.
      if (client.inTransaction) {
        client.exec(`ROLLBACK TO ${name}`);
        client.exec(`RELEASE ${name}`);
      }
      throw err;
    } finally {
      depth--;
    }
  }
  prepared(db, "BEGIN IMMEDIATE").run();
  try {
    const result = fn();
    // An async fn would commit before its work ran: refuse it rather than lose atomicity.
    if (result instanceof Promise) throw new Error("inTransaction needs a synchronous function");
    prepared(db, "COMMIT").run();
    return result;
  } catch (err) {
    // A failed COMMIT may already have ended the transaction (e.g. SQLITE_FULL).
    if (client.inTransaction) prepared(db, "ROLLBACK").run();
    throw err;
  }
}
