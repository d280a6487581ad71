import type { Statement } from "better-sqlite3";
import { type Column, getTableColumns, getTableName, type InferInsertModel } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
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

/**
 * `UPDATE table SET <patch> WHERE id = ?` as a cached statement, one per set of columns: the
 * drizzle builder compiled the SQL on each call, a tenth of a relayed message's CPU time
 * (bench/relay). Values go through each column's own driver mapping (JSON, booleans), and keys
 * whose value is `undefined` are left alone, as drizzle's `.set()` does. Returns rows changed.
 */
export function updateRow<T extends SQLiteTable>(
  db: Db,
  table: T,
  id: number,
  patch: Partial<InferInsertModel<T>>,
): number {
  const columns = getTableColumns(table) as Record<string, Column>;
  const keys = Object.keys(patch).filter(
    (k) => (patch as Record<string, unknown>)[k] !== undefined,
  );
  if (keys.length === 0) return 0;
  const names = keys.map((k) => {
    const column = columns[k];
    if (!column) throw new Error(`updateRow: ${getTableName(table)} has no column "${k}"`);
    return column;
  });
  const text = `UPDATE "${getTableName(table)}" SET ${names.map((c) => `"${c.name}" = ?`).join(", ")} WHERE "id" = ?`;
  const values = names.map((c, i) => {
    const value = (patch as Record<string, unknown>)[keys[i]!];
    // As drizzle does: null is NULL for every column, not e.g. the JSON text "null".
    return value === null ? null : c.mapToDriverValue(value);
  });
  return prepared(db, text).run(...values, id).changes;
}
