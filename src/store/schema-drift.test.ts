// The two engines' schemas kept in step: src/store/schema.ts (SQLite) and src/store/schema-pg.ts
// (PostgreSQL) must describe the same tables, and each migrations folder must be generated from
// its schema. Also what the SQLite migrations hold beyond schema.ts (the roll-up triggers of 0006
// and 0011) must have its PostgreSQL port in db/migrations-pg. Runs without a PostgreSQL server;
// src/store/pg-migrations.test.ts applies the PostgreSQL migrations to a real one.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { generateDrizzleJson, generateSQLiteDrizzleJson } from "drizzle-kit/api";
import { Column, is, SQL, StringChunk } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { PgTable, getTableConfig as pgTableConfig } from "drizzle-orm/pg-core";
import { SQLiteTable, getTableConfig as sqliteTableConfig } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { LATENCY_BINS_MS } from "./rollups-home.ts";
import * as sqliteSchema from "./schema.ts";
import * as pgSchema from "./schema-pg.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SQLITE_MIGRATIONS = join(ROOT, "db/migrations");
const PG_MIGRATIONS = join(ROOT, "db/migrations-pg");
const PG_CUSTOM = join(PG_MIGRATIONS, "0001_compat_and_triggers.sql");

/** SQLite column kind -> the PostgreSQL kind that keeps its values (see schema-pg.ts). */
const KIND: Record<string, string> = {
  integer: "bigint",
  text: "text",
  real: "double precision",
  blob: "bytea",
};
/** drizzle pg-core column classes -> kind; bigint must be in number mode (PgBigInt53). */
const PG_KIND: Record<string, string> = {
  PgBigInt53: "bigint",
  PgText: "text",
  PgDoublePrecision: "double precision",
  PgBytea: "bytea",
};
/** SQL defaults with the same meaning on both engines: Unix ms at the time of the write. */
const SQLITE_SQL_DEFAULTS: Record<string, string> = {
  "(cast(unixepoch('subsec') * 1000 as integer))": "now (Unix ms)",
};
const PG_SQL_DEFAULTS: Record<string, string> = {
  "((extract(epoch from clock_timestamp()) * 1000)::bigint)": "now (Unix ms)",
};
/** Triggers that exist on PostgreSQL only: wake-ups across instances (SQLite has one process). */
const PG_ONLY_TRIGGERS = ["jobs_notify_insert", "jobs_notify_pending"];

/** SQL text with columns as `"name"`: the same on both dialects for the same expression. */
function render(s: SQL): string {
  return s.queryChunks
    .map((c): string => {
      if (is(c, StringChunk)) return c.value.join("");
      if (is(c, Column)) return `"${c.name}"`;
      if (is(c, SQL)) return render(c);
      return String(c);
    })
    .join("");
}

function defaultOf(value: unknown, sqlDefaults: Record<string, string>): unknown {
  if (value === undefined) return "(none)";
  if (is(value, SQL)) {
    const text = render(value);
    return sqlDefaults[text] ?? `sql: ${text}`;
  }
  // Boolean-mode integers: SQLite stores false/true as 0/1, PostgreSQL keeps the integers.
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

interface IndexShape {
  name: string;
  columns: string[];
  unique: boolean;
  where: string | null;
}

/** What both engines must agree on, per table. */
interface TableShape {
  columns: {
    name: string;
    kind: string;
    notNull: boolean;
    default: unknown;
    identity: string | null;
    unique: boolean;
  }[];
  primaryKey: string[];
  indexes: IndexShape[];
  foreignKeys: string[];
  uniqueConstraints: string[][];
}

/** An index column: a Column (SQLite), an IndexedColumn (pg-core, has a name) or an expression. */
function indexColumn(c: unknown): string {
  if (is(c, SQL)) return `sql: ${render(c)}`;
  if (typeof c === "object" && c !== null && "name" in c && typeof c.name === "string") {
    return c.name;
  }
  return String(c);
}

function indexShape(config: {
  name?: string | undefined;
  columns: unknown[];
  unique: boolean;
  where?: SQL | undefined;
}): IndexShape {
  return {
    name: config.name ?? "(unnamed)",
    columns: config.columns.map(indexColumn),
    unique: config.unique,
    where: config.where ? render(config.where) : null,
  };
}

const byName = <T extends { name: string }>(xs: T[]) =>
  [...xs].sort((a, b) => a.name.localeCompare(b.name));

function sqliteShape(table: SQLiteTable): TableShape {
  const t = sqliteTableConfig(table);
  return {
    columns: t.columns.map((c) => ({
      name: c.name,
      kind: KIND[c.getSQLType()] ?? `no PostgreSQL kind for SQLite ${c.getSQLType()}`,
      notNull: c.notNull,
      default: defaultOf(c.default, SQLITE_SQL_DEFAULTS),
      identity: "autoIncrement" in c && c.autoIncrement === true ? "byDefault" : null,
      unique: c.isUnique,
    })),
    primaryKey: [
      ...t.columns.filter((c) => c.primary).map((c) => c.name),
      ...t.primaryKeys.flatMap((k) => k.columns.map((c) => c.name)),
    ],
    indexes: byName(t.indexes.map((i) => indexShape(i.config))),
    foreignKeys: t.foreignKeys
      .map((fk) => {
        const r = fk.reference();
        const target = sqliteTableConfig(r.foreignTable).name;
        return `(${r.columns.map((c) => c.name)}) -> ${target}(${r.foreignColumns.map((c) => c.name)}) on delete ${fk.onDelete ?? "no action"} on update ${fk.onUpdate ?? "no action"}`;
      })
      .sort(),
    uniqueConstraints: t.uniqueConstraints.map((u) => u.columns.map((c) => c.name)),
  };
}

function pgShape(table: PgTable): TableShape {
  const t = pgTableConfig(table);
  return {
    columns: t.columns.map((c) => ({
      name: c.name,
      kind: PG_KIND[c.columnType] ?? `unexpected ${c.columnType} (${c.getSQLType()})`,
      notNull: c.notNull,
      default: defaultOf(c.default, PG_SQL_DEFAULTS),
      identity: c.generatedIdentity?.type ?? null,
      unique: c.isUnique,
    })),
    primaryKey: [
      ...t.columns.filter((c) => c.primary).map((c) => c.name),
      ...t.primaryKeys.flatMap((k) => k.columns.map((c) => c.name)),
    ],
    indexes: byName(t.indexes.map((i) => indexShape(i.config))),
    foreignKeys: t.foreignKeys
      .map((fk) => {
        const r = fk.reference();
        const target = pgTableConfig(r.foreignTable).name;
        return `(${r.columns.map((c) => c.name)}) -> ${target}(${r.foreignColumns.map((c) => c.name)}) on delete ${fk.onDelete ?? "no action"} on update ${fk.onUpdate ?? "no action"}`;
      })
      .sort(),
    uniqueConstraints: t.uniqueConstraints.map((u) => u.columns.map((c) => c.name)),
  };
}

/** Export name -> table, for the exports of each schema module that are tables. */
const sqliteTables = new Map<string, SQLiteTable>();
for (const [k, v] of Object.entries(sqliteSchema)) if (is(v, SQLiteTable)) sqliteTables.set(k, v);
const pgTables = new Map<string, PgTable>();
for (const [k, v] of Object.entries(pgSchema)) if (is(v, PgTable)) pgTables.set(k, v);

/** The newest snapshot drizzle-kit wrote in a migrations folder, and the journal's tags. */
function migrationsFolder(folder: string) {
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as {
    dialect: string;
    entries: { idx: number; tag: string }[];
  };
  const last = journal.entries.at(-1);
  if (!last) throw new Error(`${folder}: empty journal`);
  const snapshot = JSON.parse(
    readFileSync(join(folder, `meta/${String(last.idx).padStart(4, "0")}_snapshot.json`), "utf8"),
  ) as Record<string, unknown>;
  return { journal, snapshot };
}

/** A snapshot without what changes on every generation (ids, rename bookkeeping). */
function comparable(snapshot: unknown): unknown {
  const { id: _id, prevId: _prevId, _meta, ...rest } = JSON.parse(JSON.stringify(snapshot));
  return rest;
}

interface TriggerShape {
  table: string;
  event: string;
  columns: string[];
}

const TRIGGER =
  /^\s*CREATE\s+TRIGGER\s+[`"]?(\w+)[`"]?\s+(BEFORE|AFTER|INSTEAD\s+OF)\s+(INSERT|UPDATE|DELETE)(?:\s+OF\s+([\s\S]+?))?\s+ON\s+[`"]?(\w+)[`"]?/i;

function triggerOf(sql: string): [string, TriggerShape] | null {
  const m = TRIGGER.exec(sql);
  if (!m) return null;
  const columns = (m[4] ?? "")
    .split(",")
    .map((c) => c.trim().replace(/[`"]/g, ""))
    .filter(Boolean)
    .sort();
  return [m[1]!, { table: m[5]!, event: m[3]!.toUpperCase(), columns }];
}

/** The SQLite database the real migrations build (tables, indexes, triggers as applied). */
function migratedSqlite() {
  const sqlite = new Database(":memory:");
  migrate(drizzle(sqlite), { migrationsFolder: SQLITE_MIGRATIONS });
  const rows = sqlite
    .prepare("SELECT type, name, tbl_name AS tbl, sql FROM sqlite_master WHERE sql IS NOT NULL")
    .all() as { type: string; name: string; tbl: string; sql: string }[];
  sqlite.close();
  return rows;
}

/** The statements of the PostgreSQL migrations, split as drizzle's migrator splits them. */
function pgStatements(): { file: string; text: string }[] {
  return readdirSync(PG_MIGRATIONS)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((file) =>
      readFileSync(join(PG_MIGRATIONS, file), "utf8")
        .split("--> statement-breakpoint")
        .map((text) => ({ file, text })),
    );
}

/** A statement without its leading comment lines. */
const withoutComments = (text: string) => text.replace(/^(\s*--[^\n]*\n)+/, "");

describe("schema.ts and schema-pg.ts", () => {
  it("export the same tables under the same names", () => {
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
    for (const [name, table] of sqliteTables) {
      expect(pgTableConfig(pgTables.get(name)!).name, name).toBe(sqliteTableConfig(table).name);
    }
  });

  it.each([...sqliteTables.keys()])(
    "%s: same columns, kinds, keys, defaults and indexes",
    (name) => {
      const pg = pgTables.get(name);
      expect(pg, `schema-pg.ts has no ${name}`).toBeDefined();
      expect(pgShape(pg!)).toEqual(sqliteShape(sqliteTables.get(name)!));
    },
  );
});

describe("migrations", () => {
  it.each([
    ["db/migrations", SQLITE_MIGRATIONS, "sqlite"],
    ["db/migrations-pg", PG_MIGRATIONS, "postgresql"],
  ])(
    "%s: every SQL file is in the journal and every journal entry has its file",
    (_, folder, dialect) => {
      const { journal } = migrationsFolder(folder);
      expect(journal.dialect).toBe(dialect);
      const files = readdirSync(folder)
        .filter((f) => f.endsWith(".sql"))
        .sort();
      expect(journal.entries.map((e) => `${e.tag}.sql`).sort()).toEqual(files);
    },
  );

  // Fails when a schema was edited without `npm run db:generate` / `npm run db:generate:pg`: the
  // newest snapshot is what drizzle-kit generated the SQL from, and generating now would write
  // a new migration exactly when the schema no longer serialises to it.
  it("db/migrations is generated from schema.ts (run `npm run db:generate`)", async () => {
    const current = await generateSQLiteDrizzleJson(sqliteSchema);
    expect(comparable(current)).toEqual(comparable(migrationsFolder(SQLITE_MIGRATIONS).snapshot));
  });

  it("db/migrations-pg is generated from schema-pg.ts (run `npm run db:generate:pg`)", () => {
    const current = generateDrizzleJson(pgSchema);
    expect(comparable(current)).toEqual(comparable(migrationsFolder(PG_MIGRATIONS).snapshot));
  });

  it("the SQLite migrations create no table or index that schema.ts lacks", () => {
    const objects = migratedSqlite();
    const tables = objects
      // sqlite_sequence: AUTOINCREMENT's counters (identity sequences on PostgreSQL).
      .filter((o) => o.type === "table" && !/^(sqlite_|__drizzle_migrations$)/.test(o.name))
      .map((o) => o.name)
      .sort();
    expect(tables).toEqual([...sqliteTables.values()].map((t) => sqliteTableConfig(t).name).sort());
    const indexes = objects
      .filter((o) => o.type === "index")
      .map((o) => o.name)
      .sort();
    const declared = [...sqliteTables.values()]
      .flatMap((t) => sqliteTableConfig(t).indexes.map((i) => i.config.name))
      .sort();
    expect(indexes).toEqual(declared);
    expect(objects.filter((o) => o.type === "view").map((o) => o.name)).toEqual([]);
  });

  // The SQLite migrations hold hand-written triggers that schema.ts cannot say (the roll-ups of
  // 0006 and 0011): each must have a PostgreSQL trigger of the same name, on the same table and
  // event (and columns, for UPDATE OF). Their effects are compared on real databases in
  // pg-migrations.test.ts.
  it("every SQLite trigger has its PostgreSQL port, on the same table and event", () => {
    const sqliteTriggers = Object.fromEntries(
      migratedSqlite()
        .filter((o) => o.type === "trigger")
        .map((o) => {
          const t = triggerOf(o.sql);
          if (!t) throw new Error(`cannot read trigger ${o.name}: ${o.sql.slice(0, 120)}`);
          return t;
        }),
    );
    expect(Object.keys(sqliteTriggers).length).toBeGreaterThan(0);
    const pgTriggers = Object.fromEntries(
      pgStatements()
        .map((s) => triggerOf(withoutComments(s.text)))
        .filter((t) => t !== null),
    );
    for (const name of PG_ONLY_TRIGGERS) {
      expect(pgTriggers[name], name).toBeDefined();
      delete pgTriggers[name];
    }
    expect(pgTriggers).toEqual(sqliteTriggers);
  });

  it("db/migrations-pg: each PL/pgSQL body lies within one statement-breakpoint chunk", () => {
    for (const s of pgStatements()) {
      const code = s.text.replace(/^\s*--.*$/gm, "");
      expect((code.match(/\$\$/g) ?? []).length % 2, `${s.file}: ${s.text.slice(0, 80)}`).toBe(0);
    }
  });

  it("the PostgreSQL latency bins are the Home tab's (LATENCY_BINS_MS)", () => {
    const body = readFileSync(PG_CUSTOM, "utf8").match(
      /CREATE FUNCTION home_latency_bin[\s\S]*?\$\$([\s\S]*?)\$\$/,
    )?.[1];
    expect(body).toBeDefined();
    const bins = [...body!.matchAll(/WHEN ms <= (\d+) THEN '(\d+)'/g)].map((m) => {
      expect(m[2]).toBe(m[1]);
      return Number(m[1]);
    });
    expect(bins).toEqual([...LATENCY_BINS_MS]);
    expect(body).toContain("ELSE 'inf'");
  });
});

// Type level (checked by `tsc`): the row types are the same, brands included, except for the two
// kinds that differ on purpose: JSON-mode text (unknown in SQLite, text here) and boolean-mode
// integers (0/1 here).
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Row<T> = T extends { $inferSelect: infer R } ? R : never;
type Loose<S, K extends keyof S> = unknown extends S[K]
  ? "json"
  : [NonNullable<S[K]>] extends [boolean]
    ? "boolean"
    : never;
type SqliteSide<S> = { [K in keyof S]: [Loose<S, K>] extends [never] ? S[K] : Loose<S, K> };
type PgSide<S, P> = {
  [K in keyof P]: K extends keyof S ? ([Loose<S, K>] extends [never] ? P[K] : Loose<S, K>) : P[K];
};
type S = typeof sqliteSchema;
type P = typeof pgSchema;
type Drifted = {
  [K in keyof S]: K extends keyof P
    ? Equal<SqliteSide<Row<S[K]>>, PgSide<Row<S[K]>, Row<P[K]>>> extends true
      ? never
      : K
    : K;
}[keyof S];
const rowTypesMatch: [Drifted | Exclude<keyof P, keyof S>] extends [never] ? true : Drifted = true;
void rowTypesMatch;
