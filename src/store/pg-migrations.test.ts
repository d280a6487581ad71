// db/migrations-pg applied to a real PostgreSQL (JEMBATAN_TEST_PG_URL; skipped without it) with
// drizzle's node-postgres migrator, then checked against SQLite: the same writes move the
// roll-ups (0006 and 0011's triggers and their PL/pgSQL ports) to the same rows on both engines,
// and to what a recount of the rows gives; the SQLite compatibility functions answer as SQLite
// does; an INSERT INTO jobs is heard by a LISTEN connection; the tables, columns and indexes in
// the database are schema-pg.ts's.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle as sqliteDrizzle } from "drizzle-orm/better-sqlite3";
import { migrate as sqliteMigrate } from "drizzle-orm/better-sqlite3/migrator";
import { drizzle as pgDrizzle } from "drizzle-orm/node-postgres";
import { migrate as pgMigrate } from "drizzle-orm/node-postgres/migrator";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_BINS_MS } from "./rollups-home.ts";
import * as pgSchema from "./schema-pg.ts";

const PG_URL = process.env.JEMBATAN_TEST_PG_URL;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SQLITE_MIGRATIONS = join(ROOT, "db/migrations");
const PG_MIGRATIONS = join(ROOT, "db/migrations-pg");

const H = 3_600_000;
const M = 60_000;
const T0 = Date.UTC(2026, 0, 1);

type Row = Record<string, unknown>;

/** One database: the same SQL text runs on both (the statements below are written for both). */
interface Engine {
  name: string;
  run(sql: string): Promise<void>;
  rows(sql: string): Promise<Row[]>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

// ---- what the roll-ups should hold, recounted in JavaScript from the rows ----

interface Rollups {
  homeHourly: string[];
  homeDaily: string[];
  stateCounts: string[];
  failedSends: string[];
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const line = (...parts: unknown[]) => parts.map((p) => String(p)).join(" | ");
const sorted = (xs: string[]) => [...xs].sort();

/** The four roll-up tables as sorted lines, rows at zero included (both engines keep them). */
async function readRollups(e: Engine): Promise<Rollups> {
  const hourly = await e.rows("SELECT metric, hour, key, n, total FROM home_hourly");
  const daily = await e.rows("SELECT metric, day, key, n, total FROM home_daily");
  const states = await e.rows("SELECT state, n FROM conversation_state_counts");
  const failed = await e.rows("SELECT code, n FROM failed_send_counts");
  return {
    homeHourly: sorted(
      hourly.map((r) => line(r.metric, num(r.hour), r.key, num(r.n), num(r.total))),
    ),
    homeDaily: sorted(daily.map((r) => line(r.metric, num(r.day), r.key, num(r.n), num(r.total)))),
    stateCounts: sorted(states.map((r) => line(r.state, num(r.n)))),
    failedSends: sorted(failed.map((r) => line(r.code, num(r.n)))),
  };
}

const latencyBin = (ms: number) => String(LATENCY_BINS_MS.find((b) => ms <= b) ?? "inf");

/** The roll-ups as they should be, rows at zero left out: recounted from the source rows. */
async function recount(e: Engine): Promise<Rollups> {
  const hourly = new Map<string, { n: number; total: number }>();
  const add = (metric: string, hour: number, key: string, total = 0) => {
    const k = line(metric, hour, key);
    const cur = hourly.get(k) ?? { n: 0, total: 0 };
    hourly.set(k, { n: cur.n + 1, total: cur.total + total });
  };
  const hourOf = (ms: unknown) => Math.trunc(Number(ms) / H);
  const states = new Map<string, number>();
  const failed = new Map<string, number>();
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  for (const c of await e.rows("SELECT * FROM conversations")) {
    count(states, String(c.state));
    add("conversations", hourOf(c.created_at), "");
    if (c.handoff_at !== null) {
      add("escalated", hourOf(c.created_at), "");
      add("handoffs", hourOf(c.handoff_at), String(c.handoff_reason ?? "unknown"));
    }
  }
  const calls = (await e.rows("SELECT * FROM ai_calls")).sort((a, b) => num(a.id)! - num(b.id)!);
  const turns = new Set<number>();
  for (const a of calls) {
    add("ai_calls", hourOf(a.created_at), String(a.tier), num(a.cost_usd)!);
    if (a.purpose === "answer") {
      add("ai_latency", hourOf(a.created_at), latencyBin(num(a.latency_ms)!), num(a.latency_ms)!);
    }
    const turn = num(a.turn_message_id);
    if (turn !== null && !turns.has(turn)) {
      turns.add(turn);
      add("ai_turns", hourOf(a.created_at), "");
    }
  }
  for (const m of await e.rows("SELECT * FROM messages")) {
    add("messages", hourOf(m.created_at), String(m.direction));
    if (m.direction === "out" && m.ai_tier !== null) {
      add("replies", hourOf(m.created_at), String(m.ai_tier));
    }
    if (m.direction === "out" && m.status === "failed") {
      const code = m.error_code === null ? "none" : String(num(m.error_code));
      count(failed, code);
      add("failed", hourOf(m.created_at), code);
    }
  }
  const daily = new Map<string, { n: number; total: number }>();
  for (const [k, v] of hourly) {
    const [metric, hour, key] = k.split(" | ");
    const dk = line(metric, Math.trunc(Number(hour) / 24), key);
    const cur = daily.get(dk) ?? { n: 0, total: 0 };
    daily.set(dk, { n: cur.n + v.n, total: cur.total + v.total });
  }
  const lines = (m: Map<string, { n: number; total: number }>) =>
    sorted([...m].map(([k, v]) => line(k, v.n, v.total)));
  return {
    homeHourly: lines(hourly),
    homeDaily: lines(daily),
    stateCounts: sorted([...states].map(([k, n]) => line(k, n))),
    failedSends: sorted([...failed].map(([k, n]) => line(k, n))),
  };
}

/** Rows whose count fell to zero are kept by the triggers (harmless); a recount has none. */
function withoutZeros(r: Rollups): Rollups {
  const nonZero = (xs: string[]) => xs.filter((x) => x.split(" | ").at(-2) !== "0");
  const nonZeroCount = (xs: string[]) => xs.filter((x) => x.split(" | ").at(-1) !== "0");
  return {
    homeHourly: nonZero(r.homeHourly),
    homeDaily: nonZero(r.homeDaily),
    stateCounts: nonZeroCount(r.stateCounts),
    failedSends: nonZeroCount(r.failedSends),
  };
}

// ---- the writes, the same SQL on both engines ----
// Costs are binary fractions so that every sum is exact on both engines, whatever the order.

const calls = (rows: [number, number, number | null, string, string, number, number, number][]) =>
  `INSERT INTO ai_calls (id, conversation_id, turn_message_id, purpose, tier, model, outcome,
     cost_usd, latency_ms, created_at) VALUES ${rows
       .map(
         ([id, conv, turn, purpose, tier, cost, latency, at]) =>
           `(${id}, ${conv}, ${turn ?? "NULL"}, '${purpose}', '${tier}', 'm', 'ok', ${cost}, ${latency}, ${at})`,
       )
       .join(", ")}`;

/**
 * Deletes of several calls of one turn in one statement: each engine visits the rows in its own
 * order (SQLite by rowid, PostgreSQL as its plan goes), and the "next first call" of a turn may
 * be counted and taken off again in between, leaving a row at zero on one engine and not on the
 * other. The counts that are not zero are the same whatever the order.
 */
const ORDER_DEPENDENT_ZEROS = new Set([
  "DELETE FROM ai_calls WHERE turn_message_id = 6",
  "DELETE FROM ai_calls WHERE id IN (12, 10)",
  "DELETE FROM ai_calls WHERE turn_message_id = 1",
  "DELETE FROM ai_calls",
]);

const STEPS: string[] = [
  "INSERT INTO contacts (id, wa_id) VALUES (1, '6281'), (2, '6282'), (3, '6283')",
  `INSERT INTO conversations (id, contact_id, state, created_at, handoff_at, handoff_reason) VALUES
     (1, 1, 'bot', ${T0 + 10 * M}, NULL, NULL),
     (2, 2, 'escalated', ${T0 + H + 5 * M}, ${T0 + 2 * H}, 'asked_human'),
     (3, 3, 'agent', ${T0 + 23 * H + 59 * M}, ${T0 + 24 * H + M}, NULL)`,
  "UPDATE conversations SET state = 'agent' WHERE id = 2",
  `UPDATE conversations SET state = 'closed', handoff_at = ${T0 + 5 * H},
     handoff_reason = 'low_confidence' WHERE id = 1`,
  // Columns named but unchanged: the WHEN clauses keep the roll-ups as they are.
  "UPDATE conversations SET state = state, handoff_reason = handoff_reason",
  `UPDATE conversations SET created_at = created_at + ${24 * H} WHERE id = 3`,
  "UPDATE conversations SET handoff_at = NULL WHERE id = 2",
  `INSERT INTO messages (id, conversation_id, direction, author, kind, payload, status, error_code,
     ai_tier, created_at) VALUES
     (1, 1, 'in', NULL, 'text', '{}', 'received', NULL, NULL, ${T0 + 11 * M}),
     (2, 1, 'out', 'bot', 'text', '{}', 'sent', NULL, 'fast', ${T0 + 12 * M}),
     (3, 1, 'out', 'bot', 'text', '{}', 'failed', 131047, 'smart', ${T0 + 13 * M}),
     (4, 2, 'out', 'agent', 'text', '{}', 'failed', NULL, NULL, ${T0 + 2 * H}),
     (5, 2, 'event', NULL, 'reaction', '{}', 'event', NULL, NULL, ${T0 + 3 * H}),
     (6, 3, 'out', 'bot', 'text', '{}', 'accepted', NULL, 'kb', ${T0 + 24 * H})`,
  "UPDATE messages SET status = 'delivered', status_at = 1 WHERE id = 2",
  "UPDATE messages SET status = 'failed', error_code = 131026 WHERE id = 2",
  "UPDATE messages SET error_code = 130472 WHERE id = 3",
  "UPDATE messages SET status = 'read' WHERE id = 4",
  "UPDATE messages SET ai_tier = 'cache' WHERE id = 6",
  `UPDATE messages SET created_at = created_at + ${25 * H} WHERE id IN (1, 3)`,
  "UPDATE messages SET direction = 'in' WHERE id = 6",
  calls([
    [1, 1, 1, "answer", "fast", 0.25, 350, T0 + 11 * M],
    [2, 1, 1, "answer", "smart", 0.5, 4200, T0 + H + M],
    [3, 1, null, "summary", "fast", 0.125, 90, T0 + 12 * M],
    [4, 2, 4, "answer", "fast", 0, 70000, T0 + 2 * H],
    [5, 1, 1, "summary", "fast", 0.0625, 100, T0 + 3 * H],
  ]),
  "UPDATE ai_calls SET cost_usd = 1.5, latency_ms = 60000 WHERE id = 2",
  // The first call of turn 1 moves to another hour: its `ai_turns` moves with it.
  `UPDATE ai_calls SET created_at = created_at + ${2 * H} WHERE id = 1`,
  // No WHEN clause on this one: taken off and added back, the same on both.
  "UPDATE ai_calls SET tier = tier, purpose = purpose",
  "UPDATE ai_calls SET turn_message_id = turn_message_id WHERE id = 1",
  // The first call of turn 1 deleted: call 2 becomes its first.
  "DELETE FROM ai_calls WHERE id = 1",
  calls([
    // In one hour: a turn's call taken off more than once would show.
    [6, 3, 6, "answer", "fast", 0.25, 500, T0 + 30 * H],
    [7, 3, 6, "answer", "smart", 0.5, 900, T0 + 30 * H + M],
    [8, 3, 6, "summary", "fast", 0.125, 50, T0 + 30 * H + 2 * M],
    [9, 3, 7, "answer", "fast", 0.25, 120, T0 + 33 * H],
    [10, 3, 8, "answer", "fast", 0.25, 120, T0 + 40 * H],
    [11, 3, 8, "answer", "fast", 0.25, 130, T0 + 41 * H],
    [12, 3, 8, "answer", "fast", 0.25, 140, T0 + 42 * H],
  ]),
  // Every call of a turn in one statement (retention deletes this way).
  "DELETE FROM ai_calls WHERE turn_message_id = 6",
  // The first and the third of a turn in one statement: the second becomes its first.
  "DELETE FROM ai_calls WHERE id IN (12, 10)",
  "DELETE FROM ai_calls WHERE turn_message_id = 1",
  "DELETE FROM messages WHERE conversation_id = 1",
  "DELETE FROM conversations WHERE id = 1",
  "DELETE FROM messages",
  "DELETE FROM ai_calls",
  "DELETE FROM conversations",
];

describe.skipIf(!PG_URL)("db/migrations-pg on PostgreSQL", () => {
  const database = `schema_test_${process.pid}_${Date.now().toString(36)}`;
  let admin: pg.Client;
  let client: pg.Client;
  let url: string;
  let sqlite: Database.Database;
  let engines: Engine[];

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    url = withDatabase(PG_URL!, database);
    client = new pg.Client({ connectionString: url });
    await client.connect();
    await pgMigrate(pgDrizzle(client), { migrationsFolder: PG_MIGRATIONS });

    sqlite = new Database(":memory:");
    sqliteMigrate(sqliteDrizzle(sqlite), { migrationsFolder: SQLITE_MIGRATIONS });
    engines = [
      {
        name: "sqlite",
        run: async (sql) => {
          sqlite.exec(sql);
        },
        rows: async (sql) => sqlite.prepare(sql).all() as Row[],
      },
      {
        name: "postgres",
        run: async (sql) => {
          await client.query(sql);
        },
        rows: async (sql) => (await client.query(sql)).rows as Row[],
      },
    ];
  });

  afterAll(async () => {
    sqlite?.close();
    await client?.end();
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("applies once: a second run of the migrator changes nothing", async () => {
    const applied = await client.query(
      "SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations",
    );
    await pgMigrate(pgDrizzle(client), { migrationsFolder: PG_MIGRATIONS });
    const again = await client.query("SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations");
    expect(again.rows[0].n).toBe(applied.rows[0].n);
    expect(applied.rows[0].n).toBeGreaterThanOrEqual(2);
  });

  it("holds schema-pg.ts's tables, columns, kinds, identities and indexes", async () => {
    const columns = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, is_identity, identity_generation,
              column_default IS NOT NULL AS has_default
       FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const indexes = await client.query(
      `SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'
         AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')`,
    );
    const inDb = sorted(
      columns.rows.map((c) =>
        line(
          c.table_name,
          c.column_name,
          c.data_type,
          c.is_nullable === "NO" ? "not null" : "null",
          c.is_identity === "YES" ? c.identity_generation : "-",
          c.has_default ? "default" : "-",
        ),
      ),
    );
    const declared: string[] = [];
    const declaredIndexes: string[] = [];
    for (const table of Object.values(pgSchema)) {
      if (!(table instanceof PgTable)) continue;
      const t = getTableConfig(table);
      for (const c of t.columns) {
        declared.push(
          line(
            t.name,
            c.name,
            c.getSQLType(),
            c.notNull ? "not null" : "null",
            c.generatedIdentity ? "BY DEFAULT" : "-",
            c.default !== undefined ? "default" : "-",
          ),
        );
      }
      for (const i of t.indexes) declaredIndexes.push(line(t.name, i.config.name));
    }
    expect(inDb).toEqual(sorted(declared));
    expect(sorted(indexes.rows.map((i) => line(i.tablename, i.indexname)))).toEqual(
      sorted(declaredIndexes),
    );
  });

  it("has SQLite's triggers under the same names, plus the job wake-ups", async () => {
    const pgTriggers = await client.query("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal");
    const sqliteTriggers = sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
      .all() as { name: string }[];
    expect(sorted(pgTriggers.rows.map((r) => r.tgname))).toEqual(
      sorted([...sqliteTriggers.map((r) => r.name), "jobs_notify_insert", "jobs_notify_pending"]),
    );
  });

  it("moves the roll-ups exactly as SQLite's triggers do, write after write", async () => {
    for (const [i, step] of STEPS.entries()) {
      for (const e of engines) await e.run(step);
      const fromSqlite = await readRollups(engines[0]!);
      const fromPg = await readRollups(engines[1]!);
      const where = `after step ${i}: ${step.slice(0, 90)}`;
      if (ORDER_DEPENDENT_ZEROS.has(step)) {
        expect(withoutZeros(fromPg), where).toEqual(withoutZeros(fromSqlite));
        // Level the rows at zero (harmless to readers) so that later steps compare exactly.
        for (const e of engines) {
          await e.run("DELETE FROM home_hourly WHERE n = 0 AND total = 0");
          await e.run("DELETE FROM home_daily WHERE n = 0 AND total = 0");
        }
      } else {
        expect(fromPg, where).toEqual(fromSqlite);
      }
      for (const e of engines) {
        expect(withoutZeros(await readRollups(e)), `${e.name} ${where}`).toEqual(await recount(e));
      }
      if (i === 20) {
        // Midway there is something to count (a test that compared empty tables proves nothing).
        expect(fromPg.homeHourly.length).toBeGreaterThan(10);
        expect(fromPg.failedSends.length).toBeGreaterThan(1);
      }
    }
    // Everything deleted: every count is back to zero on both.
    const end = await readRollups(engines[1]!);
    expect(withoutZeros(end)).toEqual({
      homeHourly: [],
      homeDaily: [],
      stateCounts: [],
      failedSends: [],
    });
  });

  it("refuses to move an AI call to another turn, as SQLite does", async () => {
    for (const e of engines) {
      await e.run("DELETE FROM ai_calls");
      await e.run(calls([[100, 1, 50, "answer", "fast", 0.25, 100, T0]]));
    }
    const before = await Promise.all(engines.map(readRollups));
    await expect(engines[0]!.run("UPDATE ai_calls SET turn_message_id = 51")).rejects.toThrow(
      /turn_message_id cannot change/,
    );
    const refused = engines[1]!.run("UPDATE ai_calls SET turn_message_id = 51");
    await expect(refused).rejects.toThrow(/turn_message_id cannot change/);
    await expect(refused).rejects.toMatchObject({ code: "23514" });
    expect(await Promise.all(engines.map(readRollups))).toEqual(before);
    for (const e of engines) await e.run("DELETE FROM ai_calls");
  });

  it("json_extract answers as SQLite's for the application's paths, and NULL where it would fail", async () => {
    const doc = JSON.stringify({
      messageId: 42,
      referral: { source_id: "ad-1", headline: "Promo" },
      picked: "U123",
      price: 1.5,
      ok: true,
      no: false,
      nothing: null,
      list: [1, "two", { three: 3 }],
      "dotted.key": "d",
      text: 'quote " and \\ slash',
    });
    const paths = [
      "$.messageId",
      "$.referral",
      "$.referral.source_id",
      "$.picked",
      "$.price",
      "$.ok",
      "$.no",
      "$.nothing",
      "$.missing",
      "$.list",
      "$.list[1]",
      "$.list[2].three",
      "$.list[7]",
      '$."dotted.key"',
      "$.text",
      "$",
    ];
    for (const path of paths) {
      const fromSqlite = sqlite
        .prepare("SELECT CAST(json_extract(?, ?) AS TEXT) AS v")
        .get(doc, path) as { v: string | null };
      const fromPg = await client.query("SELECT json_extract($1, $2) AS v", [doc, path]);
      expect(fromPg.rows[0].v, path).toBe(fromSqlite.v);
    }
    // The application's comparison: a bound number against the extracted value.
    const job = await client.query("SELECT json_extract($1, '$.messageId') = $2 AS same", [
      doc,
      42,
    ]);
    expect(job.rows[0].same).toBe(true);
    // SQLite raises on malformed JSON; here it is NULL (a bad payload must not fail a query).
    for (const [d, p] of [
      ["not json", "$.a"],
      ["{", "$.a"],
      ["", "$"],
      [null, "$.a"],
      ['{"a":1}', null],
      ['{"a":1}', "a"],
      ['{"a":1}', "$.a[x]"],
      ['{"a":1}', "$..a"],
    ]) {
      const r = await client.query("SELECT json_extract($1, $2) AS v", [d, p]);
      expect(r.rows[0].v, `${d} ${p}`).toBeNull();
    }
  });

  it("total() sums as SQLite's: 0.0 over no rows or NULLs only, NULLs skipped", async () => {
    const queries = [
      "SELECT total(x) AS v FROM (SELECT 1.5 AS x UNION ALL SELECT NULL UNION ALL SELECT 2) t",
      "SELECT total(x) AS v FROM (SELECT 1 AS x) t WHERE x > 1",
      "SELECT total(x) AS v FROM (SELECT CAST(NULL AS REAL) AS x) t",
      "SELECT total(x) AS v FROM (SELECT 3 AS x UNION ALL SELECT 4) t",
    ];
    for (const q of queries) {
      const fromSqlite = (sqlite.prepare(q).get() as { v: number }).v;
      const fromPg = (await client.query(q)).rows[0].v;
      expect(typeof fromPg, q).toBe("number");
      expect(fromPg, q).toBe(fromSqlite);
    }
    await client.query(
      `INSERT INTO ai_calls (id, purpose, tier, model, outcome, latency_ms, cost_usd)
       VALUES (200, 'answer', 'fast', 'm', 'ok', 1767225600000, 0.5)`,
    );
    const big = await client.query(
      "SELECT total(latency_ms) AS t, total(cost_usd) AS c, total(cost_usd) FILTER (WHERE false) AS z FROM ai_calls",
    );
    expect(big.rows[0]).toEqual({ t: 1767225600000, c: 0.5, z: 0 });
    await client.query("DELETE FROM ai_calls");
  });

  it("jb_max/jb_min are SQLite's scalar max()/min(): NULL when any argument is NULL", async () => {
    const cases: [string, string][] = [
      ["max(1, 2, 3)", "jb_max(1, 2, 3)"],
      ["max(1, NULL)", "jb_max(1, NULL)"],
      ["max(NULL, 1)", "jb_max(NULL, 1)"],
      ["min(3, 2.5)", "jb_min(3, 2.5)"],
      ["min(NULL, 1, 2)", "jb_min(NULL, 1, 2)"],
      ["min(4, 7)", "jb_min(4, 7)"],
      ["max('a', 'b')", "jb_max('a', 'b')"],
      ["max(1767225600000, coalesce(NULL, 0))", "jb_max(1767225600000, coalesce(NULL, 0))"],
      ["min(1767225600000, 1767225600001)", "jb_min(1767225600000, 1767225600001)"],
    ];
    for (const [s, p] of cases) {
      const fromSqlite = (sqlite.prepare(`SELECT ${s} AS v`).get() as { v: unknown }).v;
      const v = (await client.query(`SELECT ${p} AS v`)).rows[0].v;
      // int8 and numeric come back as strings from pg; the service's driver reads them as numbers.
      const fromPg = typeof v === "string" && typeof fromSqlite === "number" ? Number(v) : v;
      expect(fromPg, p).toBe(fromSqlite);
    }
    // On columns, as retention uses it: bigint in, bigint out.
    const r = await client.query(
      `SELECT pg_typeof(jb_max(created_at, coalesce(last_customer_message_at, 0)))::text AS t
       FROM (SELECT 5::bigint AS created_at, NULL::bigint AS last_customer_message_at) c`,
    );
    expect(r.rows[0].t).toBe("bigint");
  });

  it("wakes LISTENers on jembatan_jobs when a job is inserted or becomes due again", async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const heard: pg.Notification[] = [];
    let wake: (() => void) | null = null;
    listener.on("notification", (n) => {
      heard.push(n);
      wake?.();
    });
    await listener.query("LISTEN jembatan_jobs");
    const next = async () => {
      while (heard.length === 0) await new Promise<void>((r) => (wake = r));
      return heard.shift()!;
    };
    // Notifications arrive in commit order: when a marker sent after a write is the next one
    // heard, that write notified nothing.
    const nothingHeard = async () => {
      await client.query("SELECT pg_notify('jembatan_jobs', 'marker')");
      expect((await next()).payload).toBe("marker");
    };
    try {
      const inserted = await client.query(
        "INSERT INTO jobs (kind, max_attempts, run_at) VALUES ('send', 3, 0) RETURNING id, created_at",
      );
      expect(await next()).toMatchObject({ channel: "jembatan_jobs", payload: "" });
      const id = Number(inserted.rows[0].id);
      expect(id).toBeGreaterThan(0);
      // The default: Unix milliseconds (int8), not seconds.
      expect(Number(inserted.rows[0].created_at)).toBeGreaterThan(1e12);

      // A claim: nothing to wake anyone for.
      await client.query(
        `UPDATE jobs SET state = 'running', lease_until = 5, locked_by = 'w' WHERE id = ${id}`,
      );
      await nothingHeard();
      // Released (a retry, a stop, a takeover): pending again.
      await client.query(`UPDATE jobs SET state = 'pending', run_at = 10 WHERE id = ${id}`);
      expect((await next()).payload).toBe("");
      // Put off: nothing. Made due earlier (a send job woken by a status webhook): a wake-up.
      await client.query(`UPDATE jobs SET run_at = 20 WHERE id = ${id}`);
      await nothingHeard();
      await client.query(`UPDATE jobs SET run_at = 1 WHERE id = ${id}`);
      expect((await next()).payload).toBe("");
      // Done: nothing.
      await client.query(`UPDATE jobs SET state = 'done', finished_at = 2 WHERE id = ${id}`);
      await nothingHeard();

      // Several jobs in one transaction: one wake-up, at commit.
      await client.query("BEGIN");
      await client.query(
        "INSERT INTO jobs (kind, max_attempts, run_at) VALUES ('a', 3, 0), ('b', 3, 0)",
      );
      await client.query("INSERT INTO jobs (kind, max_attempts, run_at) VALUES ('c', 3, 0)");
      await client.query("COMMIT");
      expect((await next()).payload).toBe("");
      await nothingHeard();

      // Due later (a turn waiting out the burst window, a retry after its backoff): nothing;
      // every runner's own timer finds it when it is due.
      const later = Date.now() + 60_000;
      const future = await client.query(
        `INSERT INTO jobs (kind, max_attempts, run_at) VALUES ('turn', 3, ${later}) RETURNING id`,
      );
      await nothingHeard();
      const futureId = Number(future.rows[0].id);
      await client.query(
        `UPDATE jobs SET state = 'running', locked_by = 'w' WHERE id = ${futureId}`,
      );
      await client.query(
        `UPDATE jobs SET state = 'pending', run_at = ${later} WHERE id = ${futureId}`,
      );
      await nothingHeard();
      await client.query(`UPDATE jobs SET run_at = ${later - 1000} WHERE id = ${futureId}`);
      await nothingHeard();
      // Made due now: a wake-up.
      await client.query(`UPDATE jobs SET run_at = ${Date.now()} WHERE id = ${futureId}`);
      expect((await next()).payload).toBe("");
      // One due and one later in the same statement: one wake-up.
      await client.query(
        `INSERT INTO jobs (kind, max_attempts, run_at) VALUES ('e', 3, ${later}), ('f', 3, ${Date.now()})`,
      );
      expect((await next()).payload).toBe("");
      await nothingHeard();

      // Rolled back: nothing.
      await client.query("BEGIN");
      await client.query("INSERT INTO jobs (kind, max_attempts, run_at) VALUES ('d', 3, 0)");
      await client.query("ROLLBACK");
      await nothingHeard();
      expect(heard).toEqual([]);
    } finally {
      await listener.end();
      await client.query("DELETE FROM jobs");
    }
  });

  // Identity columns are GENERATED BY DEFAULT: a copy keeps its ids, and must then move each
  // sequence past them (setval), as it would for a serial column.
  it("keeps explicit ids insertable next to generated ones", async () => {
    await client.query("INSERT INTO contacts (id, wa_id) VALUES (1000, 'x1000')");
    await client.query(
      "SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT max(id) FROM contacts))",
    );
    const generated = await client.query(
      "INSERT INTO contacts (wa_id) VALUES ('gen') RETURNING id",
    );
    expect(Number(generated.rows[0].id)).toBe(1001);
    await client.query("DELETE FROM contacts WHERE wa_id IN ('x1000', 'gen')");
  });
});
