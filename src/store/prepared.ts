import type { Statement } from "better-sqlite3";
import type { Db } from "./db.ts";

const cache = new WeakMap<object, Map<string, Statement>>();

/**
 * A prepared statement for `sql`, compiled once per database connection. Used on the webhook's
 * hot path, where building and compiling a drizzle query per call cost more than the whole
 * transaction (measured in bench/ingest: about 1 ms of 1.2 ms per delivery).
 */
export function prepared(db: Db, sql: string): Statement {
  let byText = cache.get(db.$client);
  if (!byText) {
    byText = new Map();
    cache.set(db.$client, byText);
  }
  let stmt = byText.get(sql);
  if (!stmt) {
    stmt = db.$client.prepare(sql);
    byText.set(sql, stmt);
  }
  return stmt;
}

const queries = new WeakMap<object, Map<string, unknown>>();

/**
 * A drizzle query built and compiled once per connection (`.prepare()` with placeholders), for
 * lookups on every job's path: building a drizzle query and compiling its SQL on each call took
 * about a third of the Slack relay's latency (bench/relay).
 */
export function preparedQuery<T>(db: Db, key: string, build: () => T): T {
  let byKey = queries.get(db.$client);
  if (!byKey) {
    byKey = new Map();
    queries.set(db.$client, byKey);
  }
  let q = byKey.get(key) as T | undefined;
  if (q === undefined) {
    q = build();
    byKey.set(key, q);
  }
  return q;
}
