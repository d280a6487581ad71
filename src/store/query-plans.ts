import type { Db } from "./db.ts";

/**
 * For tests that guard against a figure reading the whole history: records the SQL a piece of
 * code prepares on a connection, then lists the steps of their query plans that scan a table
 * (or a whole index) instead of searching a range of it.
 */
export interface StatementRecorder {
  /** The SQL prepared since the recorder was attached, in order, without repeats. */
  readonly statements: string[];
  /** Restores the connection's own `prepare`. */
  detach(): void;
}

/** Starts recording every statement prepared on `db` (call before the code's first query). */
export function recordStatements(db: Db): StatementRecorder {
  const client = db.$client;
  const original = client.prepare;
  const statements: string[] = [];
  client.prepare = function (this: typeof client, source: string) {
    if (!statements.includes(source)) statements.push(source);
    return original.call(this, source);
  } as typeof client.prepare;
  return {
    statements,
    detach() {
      client.prepare = original;
    },
  };
}

/**
 * The plan steps of `sql` that read a whole table or index (`SCAN …`), except those in `allowed`
 * (e.g. a partial index of open rows, or a roll-up table of a few rows). Reading the result of a
 * named subquery of the statement (`CO-ROUTINE g` or `MATERIALIZE g`, then `SCAN g`) is not a
 * table scan. Parameters are bound to zeros: the plan does not depend on their values.
 */
export function fullScans(db: Db, sql: string, allowed: readonly RegExp[] = []): string[] {
  const positional = (sql.match(/\?/g) ?? []).length;
  const rows = db.$client
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...Array.from({ length: positional }, () => 0)) as { detail: string }[];
  const details = rows.map((r) => r.detail);
  const subqueries = new Set(
    details.flatMap((d) => /^(?:CO-ROUTINE|MATERIALIZE) (\S+)$/.exec(d)?.slice(1) ?? []),
  );
  return details.filter(
    (d) =>
      d.startsWith("SCAN ") &&
      !subqueries.has(d.slice("SCAN ".length)) &&
      !allowed.some((a) => a.test(d)),
  );
}
