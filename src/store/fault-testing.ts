import { type Db, engineOf } from "./db.ts";

/**
 * For tests: a real database failure part-way through a transaction. Every INSERT into `table`
 * whose new row matches `when` (an SQL condition on `NEW`) fails with `message`, as a full disk
 * would, until the returned function is called. A trigger on either engine.
 */
export function failInserts(
  db: Db,
  name: string,
  table: string,
  when: string,
  message: string,
): () => void {
  const c = db.$client;
  if (engineOf(db) === "sqlite") {
    c.prepare(
      `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} WHEN ${when}
       BEGIN SELECT RAISE(ABORT, '${message.replaceAll("'", "''")}'); END`,
    ).run();
    return () => c.prepare(`DROP TRIGGER ${name}`).run();
  }
  const body = `BEGIN RAISE EXCEPTION '%', '${message.replaceAll("'", "''")}'; END`;
  c.prepare(
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS '${body.replaceAll("'", "''")}'`,
  ).run();
  c.prepare(
    `CREATE TRIGGER ${name} BEFORE INSERT ON ${table} FOR EACH ROW WHEN (${when}) EXECUTE FUNCTION ${name}()`,
  ).run();
  return () => {
    c.prepare(`DROP TRIGGER ${name} ON ${table}`).run();
    c.prepare(`DROP FUNCTION ${name}()`).run();
  };
}
