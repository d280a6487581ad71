import { describe, expect, it } from "vitest";
import { translate } from "./translate.ts";

describe("translate (SQLite dialect to PostgreSQL)", () => {
  it("numbers every placeholder occurrence and maps it to its argument", () => {
    const t = translate(
      "SELECT * FROM jobs WHERE a = ? AND b = @b AND c = :c AND d = $d AND e = ?",
    );
    expect(t.text).toBe(
      "SELECT * FROM jobs WHERE a = $1 AND b = $2 AND c = $3 AND d = $4 AND e = $5",
    );
    expect(t.params).toEqual([0, "b", "c", "d", 1]);
  });

  it("gives a named parameter used twice two numbers (each typed where it stands)", () => {
    const t = translate(
      "UPDATE jobs SET run_at = @now, updated_at = @now WHERE id = ?2 AND x = ?1",
    );
    expect(t.params).toEqual(["now", "now", 1, 0]);
  });

  it("leaves placeholders and keywords inside strings, quoted names and comments alone", () => {
    const t = translate(
      `SELECT 'a ? @b LIKE max(1, 2)' AS "odd?", x -- a ? comment\n FROM t /* @c */ WHERE y = ?`,
    );
    expect(t.text).toBe(`SELECT 'a ? @b LIKE max(1, 2)' AS "odd?", x  \n FROM t   WHERE y = $1`);
    expect(t.params).toEqual([0]);
  });

  it("types a parameter compared with IS NULL, which nothing else would type", () => {
    expect(translate("SELECT 1 WHERE ? IS NULL OR ? IS NOT NULL").text).toBe(
      "SELECT 1 WHERE $1::text IS NULL OR $2::text IS NOT NULL",
    );
  });

  it("quotes camelCase names, which PostgreSQL would fold to lower case", () => {
    expect(translate("SELECT run_at AS runAt FROM jobs ORDER BY runAt").text).toBe(
      'SELECT run_at AS "runAt" FROM jobs ORDER BY "runAt"',
    );
  });

  it("turns scalar max/min into the NULL-propagating compatibility functions, not aggregates", () => {
    expect(
      translate("SELECT max(a, b + 1), min(x, (SELECT max(y) FROM t)), max(z) FROM u").text,
    ).toBe("SELECT jb_max(a, b + 1), jb_min(x, (SELECT max(y) FROM t)), max(z) FROM u");
  });

  it("makes LIKE case-insensitive as SQLite's is, and IS <value> null-safe equality", () => {
    expect(
      translate("SELECT 1 WHERE a LIKE ? AND b NOT LIKE 'x%' AND c IS ? AND d IS NOT e").text,
    ).toBe(
      "SELECT 1 WHERE a ILIKE $1 AND b NOT ILIKE 'x%' AND c IS NOT DISTINCT FROM $2 AND d IS DISTINCT FROM e",
    );
  });

  it("keeps IS NULL, IS NOT NULL, IS TRUE as they are", () => {
    const sql = "SELECT 1 WHERE a IS NULL AND b IS NOT NULL AND c IS TRUE";
    expect(translate(sql).text).toBe(sql);
  });

  it("widens CAST to 64-bit integers and doubles, drops planner hints", () => {
    expect(
      translate("SELECT CAST(a AS INTEGER), CAST(b AS REAL) FROM m INDEXED BY m_idx, n NOT INDEXED")
        .text,
    ).toBe("SELECT CAST(a AS BIGINT), CAST(b AS DOUBLE PRECISION) FROM m , n ");
  });

  it("names a FROM subquery or VALUES list that has no alias, and leaves aliased ones", () => {
    expect(
      translate("SELECT min(t) FROM (SELECT 1 AS t UNION ALL SELECT 2) WHERE t > 0").text,
    ).toMatch(
      /^SELECT min\(t\) FROM \(SELECT 1 AS t UNION ALL SELECT 2\) AS jb_sub\d+ WHERE t > 0$/,
    );
    expect(translate("SELECT * FROM (VALUES (1)) v JOIN (SELECT 2) AS w ON 1 = 1").text).toBe(
      "SELECT * FROM (VALUES (1)) v JOIN (SELECT 2) AS w ON 1 = 1",
    );
  });

  it("writes DEFAULT where drizzle gives null for the id, in every row", () => {
    expect(
      translate(
        `insert into "t" ("id", "a") values (null, ?), (null, coalesce(null, 1)) returning "id"`,
      ).text,
    ).toBe(
      `insert into "t" ("id", "a") values (DEFAULT, $1), (DEFAULT, coalesce(null, 1)) returning "id"`,
    );
    // Another column's null is a value.
    expect(translate(`insert into "t" ("a", "id") values (null, ?)`).text).toBe(
      `insert into "t" ("a", "id") values (null, $1)`,
    );
  });

  it("drops table qualifiers from an ON CONFLICT target, as drizzle writes them", () => {
    expect(
      translate(
        `insert into "c" ("name") values (?) on conflict ("c"."name", "c"."lang") do update set "n" = "c"."n" + 1`,
      ).text,
    ).toBe(
      `insert into "c" ("name") values ($1) on conflict ("name", "lang") do update set "n" = "c"."n" + 1`,
    );
  });

  it("turns INSERT OR IGNORE into ON CONFLICT DO NOTHING, before RETURNING", () => {
    expect(translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING id").text).toBe(
      "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id",
    );
  });

  it("refuses what has no translation, with the reason", () => {
    expect(() => translate("INSERT OR REPLACE INTO t (a) VALUES (1)")).toThrow(/ON CONFLICT/);
    expect(() => translate("SELECT 'open")).toThrow(/unterminated/);
  });
});
