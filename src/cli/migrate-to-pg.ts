import { createHash, type Hash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { ConfigError, loadEnvFile, loadMigrationDatabases } from "../config.ts";
import { type Db, describeDatabase, isPostgresUrl, openDatabase } from "../store/db.ts";
import { WRITE_LOCK_KEY } from "../store/pg/database.ts";
import { PgError, SyncPgClient } from "../store/pg/sync-client.ts";
import * as schema from "../store/schema.ts";

/**
 * `npm run db:migrate-to-pg -- [--from db/jembatan.sqlite] [--to postgres://...]`: moves an
 * existing SQLite database into an empty PostgreSQL database, all or nothing.
 *
 * - Both sides are brought to the current schema first (the SQLite file's pending migrations,
 *   then `db/migrations-pg`).
 * - The SQLite file is held with BEGIN IMMEDIATE for the whole copy: nothing can write to it
 *   meanwhile, so the copy is one consistent snapshot. It is refused when a job runner's
 *   heartbeat is recent (the service is running on the file and would go on writing there), when
 *   the file's foreign keys do not hold, or when the target holds any row.
 * - Every table of `src/store/schema.ts` is copied in foreign-key order in ONE PostgreSQL
 *   transaction, ids included, in multi-row INSERTs, with the user triggers off (the roll-up
 *   tables `home_*`, `conversation_state_counts` and `failed_send_counts` are copied as they are,
 *   not rebuilt by triggers row by row), then each identity column is restarted past the copied
 *   ids (and past SQLite's AUTOINCREMENT high-water mark: ids of deleted rows are never reused),
 *   then every table's row count and a SHA-256 digest of all its values in key order are read
 *   back from PostgreSQL and compared with the SQLite side. Any difference or failure rolls the
 *   whole transaction back: PostgreSQL is left as it was.
 * - The SQLite file's rows are never changed.
 */

/** Rows per INSERT (fewer for wide tables: PostgreSQL takes at most 65,535 parameters). */
export const DEFAULT_BATCH_ROWS = 500;
/** A job runner whose heartbeat is newer than this may still be running on the file. */
export const LIVE_HEARTBEAT_MS = 2 * 60_000;
/** How long to wait for SQLite's write lock (the service's own transactions are short). */
const SQLITE_LOCK_WAIT_MS = 5_000;
/** Rows read back per FETCH when verifying. */
const VERIFY_FETCH_ROWS = 2_000;
/** A progress line every this many rows of a big table. */
const PROGRESS_EVERY = 25_000;

type Kind = "int" | "real" | "text";

/** One table of schema.ts as the copy sees it. */
export interface TablePlan {
  name: string;
  columns: { name: string; kind: Kind }[];
  /** The primary key's columns: the order rows are copied and compared in. */
  key: string[];
  /** The AUTOINCREMENT column (a PostgreSQL identity), if any. */
  identity: string | null;
  /** Tables its foreign keys point to. */
  references: string[];
}

/** What one table's copy found. */
export interface TableReport {
  table: string;
  sqliteRows: number;
  postgresRows: number;
  checksum: "ok" | "differs";
  /** The id the identity column hands out next (past every copied or deleted id), or null. */
  nextId: number | null;
}

export interface MigrationReport {
  tables: TableReport[];
  rows: number;
  ms: number;
  /** How triggers were kept off: the session setting, or ALTER TABLE per table. */
  triggers: "session_replication_role" | "alter_table";
  /** SQLite migrations applied to the file before the copy. */
  sqliteMigrationsApplied: number;
}

/** A refusal before anything was copied: the message is the operator's one paragraph. */
export class MigrationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationRefused";
  }
}

/** The copy started and failed; PostgreSQL was rolled back. */
export class MigrationFailed extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MigrationFailed";
  }
}

export interface MigrateOptions {
  /** The SQLite file. */
  from: string;
  /** The PostgreSQL URL. */
  to: string;
  /** Progress lines. */
  progress?: (line: string) => void;
  batchRows?: number;
  /** `auto`: session_replication_role when allowed, else ALTER TABLE; `alter_table` forces the latter. */
  triggers?: "auto" | "alter_table";
  /** How long to wait for SQLite's write lock. */
  lockWaitMs?: number;
  liveHeartbeatMs?: number;
  now?: () => number;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The tables of schema.ts, parents before the tables whose foreign keys point at them. */
export function copyPlan(): TablePlan[] {
  const tables: TablePlan[] = [];
  for (const value of Object.values(schema)) {
    if (!is(value, SQLiteTable)) continue;
    const config = getTableConfig(value);
    const columns = config.columns.map((c) => {
      const type = c.getSQLType().toLowerCase();
      const kind: Kind = type === "integer" ? "int" : type === "real" ? "real" : "text";
      return { name: c.name, kind };
    });
    const primary = config.columns.filter((c) => c.primary).map((c) => c.name);
    const key =
      primary.length > 0 ? primary : (config.primaryKeys[0]?.columns.map((c) => c.name) ?? []);
    if (key.length === 0) throw new Error(`table ${config.name} has no primary key to copy it by`);
    const identity =
      config.columns.find((c) => c.primary && (c as { autoIncrement?: boolean }).autoIncrement)
        ?.name ?? null;
    const references = config.foreignKeys
      .map((fk) => getTableConfig(fk.reference().foreignTable).name)
      .filter((n) => n !== config.name);
    tables.push({ name: config.name, columns, key, identity, references });
  }
  const ordered: TablePlan[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.find(
      (t) => !placed.has(t.name) && t.references.every((r) => placed.has(r)),
    );
    if (!next) throw new Error("the foreign keys of schema.ts form a cycle");
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}

/** A value in the form both sides are compared in (integers exact, as decimal text). */
function canonical(kind: Kind, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (kind === "real") return String(Number(v));
  return String(v);
}

/** The target URL with its password hidden, for messages. */
const shown = (url: string) => describeDatabase(url);

/**
 * Checks both locations before anything is opened: a PostgreSQL URL that parses, and a SQLite
 * file that exists (opening a missing one would create it).
 */
function checkLocations(from: string, to: string): void {
  if (!isPostgresUrl(to)) {
    const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(to)?.[1];
    throw new MigrationRefused(
      `The target is not a PostgreSQL URL (${scheme ? `it starts with "${scheme}"` : "no scheme"}): give --to postgres://user:password@host:5432/database, or set DATABASE_URL to one. Nothing was done.`,
    );
  }
  try {
    const u = new URL(to);
    if (!u.hostname && !u.searchParams.get("host")) throw new Error("no host");
  } catch {
    throw new MigrationRefused(
      `The target URL cannot be read (${shown(to)}): it should look like postgres://user:password@host:5432/database, with any special character of the password percent-encoded. Nothing was done.`,
    );
  }
  if (from === "" || from === ":memory:" || isPostgresUrl(from)) {
    throw new MigrationRefused(
      `The source must be a SQLite file (--from db/jembatan.sqlite, or DATABASE_PATH); got "${isPostgresUrl(from) ? shown(from) : from}". Nothing was done.`,
    );
  }
  const file = resolve(from);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new MigrationRefused(
      `There is no SQLite file at ${file}: give its path with --from (or DATABASE_PATH). Nothing was done (no file was created).`,
    );
  }
}

/** Migrations recorded in the file, read without changing it (and proof that it is SQLite). */
function appliedSqliteMigrations(file: string): number {
  let raw: Database.Database | null = null;
  try {
    raw = new Database(file, { readonly: true, fileMustExist: true });
    const has = raw
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
      .get();
    if (!has) return 0;
    return (raw.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
  } catch (err) {
    throw new MigrationRefused(
      `${file} cannot be read as a SQLite database (${(err as Error).message}). Nothing was done.`,
    );
  } finally {
    raw?.close();
  }
}

/** Copies the SQLite file into the empty PostgreSQL database; see the file's comment. */
export function migrateToPostgres(opts: MigrateOptions): MigrationReport {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const now = opts.now ?? Date.now;
  checkLocations(opts.from, opts.to);
  const file = resolve(opts.from);
  const plan = copyPlan();

  // PostgreSQL first: a target that cannot be reached must not cost the SQLite file anything.
  try {
    const target = openDatabase(opts.to);
    target.$client.close();
  } catch (err) {
    throw new MigrationRefused(
      `Could not connect to PostgreSQL at ${shown(opts.to)} or bring it to the current schema (db/migrations-pg): ${(err as Error).message}. Check the URL, that the database exists (CREATE DATABASE) and that the user may create tables in it. Nothing was copied.`,
    );
  }
  progress(`PostgreSQL ${shown(opts.to)}: reachable, schema current`);

  const before = appliedSqliteMigrations(file);
  let source: Db;
  try {
    source = openDatabase(file);
  } catch (err) {
    throw new MigrationRefused(
      `Could not open ${file} or apply its pending migrations: ${(err as Error).message}. Nothing was copied.`,
    );
  }
  const sqlite = source.$client;
  let pg: SyncPgClient | null = null;
  let pgOpen = false;
  try {
    const applied =
      (sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n -
      before;
    if (applied > 0) progress(`SQLite ${file}: applied ${applied} pending migration(s) first`);
    lockSource(sqlite, file, opts.lockWaitMs ?? SQLITE_LOCK_WAIT_MS);
    refuseLiveService(sqlite, file, now(), opts.liveHeartbeatMs ?? LIVE_HEARTBEAT_MS);
    refuseBrokenForeignKeys(sqlite, file);
    const sourceRows = new Map(
      plan.map((t) => [
        t.name,
        (sqlite.prepare(`SELECT count(*) AS n FROM ${q(t.name)}`).get() as { n: number }).n,
      ]),
    );
    const highWater = new Map(
      (
        sqlite.prepare("SELECT name, seq FROM sqlite_sequence").all() as {
          name: string;
          seq: number;
        }[]
      ).map((r) => [r.name, r.seq]),
    );
    const known = new Set(plan.map((t) => t.name));
    const others = (
      sqlite
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__drizzle_migrations' ORDER BY name",
        )
        .all() as { name: string }[]
    )
      .map((r) => r.name)
      .filter((n) => !known.has(n));
    if (others.length > 0) {
      progress(`not copied (not part of jembatan's schema): ${others.join(", ")}`);
    }
    const total = [...sourceRows.values()].reduce((a, b) => a + b, 0);
    progress(
      `SQLite ${file}: ${total.toLocaleString("en")} rows in ${plan.length} tables, write lock held`,
    );

    pg = new SyncPgClient(opts.to, "jembatan-migrate-to-pg");
    pg.query("BEGIN");
    pgOpen = true;
    // A service instance already running on the target takes this lock for every write.
    pg.query("SET LOCAL lock_timeout = '15s'");
    pg.query(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
    checkTargetSchema(pg, plan, opts.to);
    refuseNonEmptyTarget(pg, opts.to);
    const triggers = triggersOff(pg, opts.triggers ?? "auto");
    progress(
      triggers.mode === "session_replication_role"
        ? "triggers off for this transaction (session_replication_role = replica)"
        : `triggers off for this transaction (ALTER TABLE ... DISABLE TRIGGER USER on ${triggers.tables.length} tables)`,
    );

    const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
    const digests = new Map<string, string>();
    const nextIds = new Map<string, number | null>();
    for (const table of plan) {
      const t0 = Date.now();
      const { digest, maxId } = copyTable(
        sqlite,
        pg,
        table,
        batchRows,
        sourceRows.get(table.name)!,
        progress,
      );
      digests.set(table.name, digest);
      let nextId: number | null = null;
      if (table.identity) {
        // Past SQLite's high-water mark too: AUTOINCREMENT never hands out a deleted row's id.
        // RESTART, not setval(): setval is not undone by a rollback, ALTER TABLE is.
        const mark = Math.max(maxId ?? 0, highWater.get(table.name) ?? 0);
        if (mark > 0) {
          nextId = mark + 1;
          pg.query(
            `ALTER TABLE ${q(table.name)} ALTER COLUMN ${q(table.identity)} RESTART WITH ${nextId}`,
          );
        }
      }
      nextIds.set(table.name, nextId);
      const n = sourceRows.get(table.name)!;
      progress(
        `copied ${table.name}: ${n.toLocaleString("en")} rows (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }

    progress("verifying: reading every table back from PostgreSQL");
    const tables: TableReport[] = plan.map((table) => {
      const back = digestPostgres(pg!, table);
      return {
        table: table.name,
        sqliteRows: sourceRows.get(table.name)!,
        postgresRows: back.rows,
        checksum: back.digest === digests.get(table.name) ? "ok" : "differs",
        nextId: nextIds.get(table.name) ?? null,
      };
    });
    const bad = tables.filter((t) => t.checksum !== "ok" || t.sqliteRows !== t.postgresRows);
    if (bad.length > 0) {
      progress(countsTable(tables));
      throw new MigrationFailed(
        `The copy does not match the SQLite file in ${bad.map((t) => `${t.table} (${t.sqliteRows} rows in SQLite, ${t.postgresRows} in PostgreSQL, checksum ${t.checksum})`).join(", ")}. The PostgreSQL transaction was rolled back: the target is as it was, and the SQLite file was not changed.`,
      );
    }
    if (triggers.mode === "alter_table") {
      for (const t of triggers.tables) pg.query(`ALTER TABLE ${q(t)} ENABLE TRIGGER USER`);
    }
    pg.query("COMMIT");
    pgOpen = false;
    // Fresh planner statistics for the service's first queries (best effort: the data is in).
    try {
      pg.query(`ANALYZE ${plan.map((t) => q(t.name)).join(", ")}`);
    } catch (err) {
      progress(`note: ANALYZE failed (${(err as Error).message}); autovacuum will do it`);
    }
    return {
      tables,
      rows: total,
      ms: Date.now() - started,
      triggers: triggers.mode,
      sqliteMigrationsApplied: applied,
    };
  } catch (err) {
    if (pg && pgOpen) {
      try {
        pg.query("ROLLBACK");
      } catch {
        // The connection is gone, and the transaction with it.
      }
    }
    if (err instanceof MigrationRefused || err instanceof MigrationFailed) throw err;
    throw new MigrationFailed(
      `The copy failed: ${(err as Error).message}. The PostgreSQL transaction was rolled back: the target is as it was, and the SQLite file was not changed.`,
      { cause: err },
    );
  } finally {
    pg?.close();
    if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    sqlite.close();
  }
}

/** BEGIN IMMEDIATE: no other connection may write to the file until the copy is over. */
function lockSource(sqlite: Database.Database, file: string, waitMs: number): void {
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(waitMs))}`);
  try {
    sqlite.exec("BEGIN IMMEDIATE");
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      throw new MigrationRefused(
        `Another process is writing to ${file}: its write lock stayed taken for ${Math.round(waitMs / 1000)} s. The service (or \`npm run ai\`, \`npm run contact\`) is probably running on it: stop it and run this again. Nothing was copied.`,
      );
    }
    throw err;
  }
}

/** A job runner with a recent heartbeat and no clean stop: the service is running on the file. */
function refuseLiveService(
  sqlite: Database.Database,
  file: string,
  now: number,
  liveMs: number,
): void {
  const live = sqlite
    .prepare(
      `SELECT id, pid, heartbeat_at AS heartbeatAt FROM workers
       WHERE stopped_at IS NULL AND heartbeat_at > ? ORDER BY heartbeat_at DESC`,
    )
    .all(now - liveMs) as { id: string; pid: number | null; heartbeatAt: number }[];
  if (live.length === 0) return;
  const w = live[0]!;
  const ago = Math.max(0, Math.round((now - w.heartbeatAt) / 1000));
  throw new MigrationRefused(
    `The service looks like it is running on ${file}: job runner ${w.id}${w.pid ? ` (pid ${w.pid})` : ""} beat ${ago} s ago and never announced a stop${live.length > 1 ? `, and ${live.length - 1} more` : ""}. Whatever it wrote after the copy would be lost, so nothing was copied. Stop the service and run this again; if it was killed rather than stopped, wait ${Math.ceil(liveMs / 60_000)} minutes after its last heartbeat.`,
  );
}

/** PostgreSQL checks the foreign keys SQLite kept; a file where they do not hold is refused. */
function refuseBrokenForeignKeys(sqlite: Database.Database, file: string): void {
  const rows = sqlite.prepare("PRAGMA foreign_key_check").all() as {
    table: string;
    parent: string;
  }[];
  if (rows.length === 0) return;
  const byTable = new Map<string, number>();
  for (const r of rows) {
    const k = `${r.table} → ${r.parent}`;
    byTable.set(k, (byTable.get(k) ?? 0) + 1);
  }
  throw new MigrationRefused(
    `${file} has rows whose foreign keys point at missing rows (${[...byTable].map(([k, n]) => `${k}: ${n}`).join(", ")}; see PRAGMA foreign_key_check), which PostgreSQL would not accept. Nothing was copied.`,
  );
}

/** Every table and column of schema.ts must be in the target (the migrations made them). */
function checkTargetSchema(pg: SyncPgClient, plan: TablePlan[], url: string): void {
  const rows = pg.query(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema()`,
  ).rows as { table_name: string; column_name: string }[];
  const have = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  const missing = plan.flatMap((t) =>
    t.columns.map((c) => `${t.name}.${c.name}`).filter((k) => !have.has(k)),
  );
  if (missing.length > 0) {
    throw new MigrationRefused(
      `The PostgreSQL database ${shown(url)} lacks ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ` and ${missing.length - 8} more` : ""} although its migrations ran: its schema is not the one db/migrations-pg makes (another application's tables, or a newer or older jembatan). Nothing was copied.`,
    );
  }
}

/**
 * Any row in any table of the schema jembatan's tables live in refuses the copy: jembatan's own,
 * and any other application's. Not counted: drizzle's migration journal (schema `drizzle`),
 * tables of extensions (e.g. PostGIS's `spatial_ref_sys`) and other schemas (a hosted
 * PostgreSQL's own `auth`, `storage`, ...).
 */
function refuseNonEmptyTarget(pg: SyncPgClient, url: string): void {
  const tables = (
    pg.query(
      `SELECT c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = c.oid AND d.deptype = 'e')
       ORDER BY c.relname`,
    ).rows as { t: string }[]
  ).map((r) => r.t);
  if (tables.length === 0) return;
  const counts = pg.query(
    tables
      .map((t) => `SELECT ${literal(t)} AS name, count(*) AS n FROM ${q(t)}`)
      .join(" UNION ALL "),
  ).rows as { name: string; n: number }[];
  const full = counts.filter((c) => Number(c.n) > 0);
  if (full.length === 0) return;
  throw new MigrationRefused(
    `The PostgreSQL database ${shown(url)} already holds data: ${full.map((c) => `${c.name} (${Number(c.n).toLocaleString("en")} rows)`).join(", ")}. Copying into it would mix two histories, so nothing was copied. Give an empty database (CREATE DATABASE jembatan; the schema is made for you), or empty this one if its data may go.`,
  );
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Turns the user triggers (roll-ups, job notifications) off until the transaction ends:
 * `session_replication_role = replica` when the user may set it (superuser; it skips
 * PostgreSQL's foreign-key checks too, which is why the SQLite file's are checked first), else
 * ALTER TABLE ... DISABLE TRIGGER USER on each table that has one (the owner may; undone before
 * COMMIT, and by a rollback). The copy brings the roll-up tables as they are.
 */
function triggersOff(
  pg: SyncPgClient,
  mode: "auto" | "alter_table",
): { mode: MigrationReport["triggers"]; tables: string[] } {
  if (mode === "auto") {
    pg.query("SAVEPOINT jb_replica");
    try {
      pg.query("SET LOCAL session_replication_role = replica");
      pg.query("RELEASE SAVEPOINT jb_replica");
      return { mode: "session_replication_role", tables: [] };
    } catch (err) {
      if (!(err instanceof PgError) || err.pgCode !== "42501") throw err;
      pg.query("ROLLBACK TO SAVEPOINT jb_replica");
    }
  }
  const tables = (
    pg.query(
      `SELECT DISTINCT c.relname AS t FROM pg_trigger g
       JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT g.tgisinternal AND n.nspname = current_schema() ORDER BY 1`,
    ).rows as { t: string }[]
  ).map((r) => r.t);
  for (const t of tables) pg.query(`ALTER TABLE ${q(t)} DISABLE TRIGGER USER`);
  return { mode: "alter_table", tables };
}

/** Copies one table in key order; returns the digest of what was read and the highest id. */
function copyTable(
  sqlite: Database.Database,
  pg: SyncPgClient,
  table: TablePlan,
  batchRows: number,
  expected: number,
  progress: (line: string) => void,
): { digest: string; maxId: number | null } {
  const cols = table.columns;
  const perBatch = Math.max(1, Math.min(batchRows, Math.floor(65_535 / cols.length)));
  const columnList = cols.map((c) => q(c.name)).join(", ");
  const statements = new Map<number, string>();
  const insertFor = (rows: number) => {
    let text = statements.get(rows);
    if (!text) {
      const tuples: string[] = [];
      for (let r = 0; r < rows; r++) {
        tuples.push(`(${cols.map((_, i) => `$${r * cols.length + i + 1}`).join(", ")})`);
      }
      text = `INSERT INTO ${q(table.name)} (${columnList}) VALUES ${tuples.join(", ")}`;
      statements.set(rows, text);
    }
    return text;
  };
  const identityAt = table.identity ? cols.findIndex((c) => c.name === table.identity) : -1;
  const hash = createHash("sha256");
  let maxId: number | null = null;
  let values: unknown[] = [];
  let inBatch = 0;
  let done = 0;
  let firstKey: string | null = null;
  const flush = () => {
    if (inBatch === 0) return;
    try {
      pg.query(insertFor(inBatch), values);
    } catch (err) {
      const hint =
        err instanceof PgError && err.pgCode === "22021"
          ? " (PostgreSQL text cannot hold the NUL character U+0000, which SQLite allows)"
          : "";
      throw new MigrationFailed(
        `Copying ${table.name} failed in the batch of rows from key ${firstKey} on: ${(err as Error).message}${hint}. The PostgreSQL transaction was rolled back: the target is as it was, and the SQLite file was not changed.`,
        { cause: err },
      );
    }
    done += inBatch;
    if (
      expected >= PROGRESS_EVERY &&
      Math.floor(done / PROGRESS_EVERY) > Math.floor((done - inBatch) / PROGRESS_EVERY)
    ) {
      progress(`  ${table.name}: ${done.toLocaleString("en")} of ${expected.toLocaleString("en")}`);
    }
    values = [];
    inBatch = 0;
    firstKey = null;
  };
  const stmt = sqlite
    .prepare(`SELECT ${columnList} FROM ${q(table.name)} ORDER BY ${table.key.map(q).join(", ")}`)
    .raw(true)
    .safeIntegers(true);
  for (const row of stmt.iterate() as Iterable<unknown[]>) {
    const line: (string | null)[] = [];
    for (let i = 0; i < cols.length; i++) {
      const v = row[i];
      if (v instanceof Uint8Array) {
        throw new MigrationFailed(
          `${table.name}.${cols[i]!.name} holds a binary value (a BLOB) in the row with key ${keyOf(table, row)}, where the schema has ${cols[i]!.kind}: it cannot be copied faithfully. Nothing was written to PostgreSQL.`,
        );
      }
      const c = canonical(cols[i]!.kind, v);
      line.push(c);
      values.push(typeof v === "bigint" ? v.toString() : v);
    }
    if (identityAt >= 0 && row[identityAt] !== null) {
      const id = Number(row[identityAt]);
      if (maxId === null || id > maxId) maxId = id;
    }
    hash.update(`${JSON.stringify(line)}\n`);
    firstKey ??= keyOf(table, row);
    if (++inBatch >= perBatch) flush();
  }
  flush();
  if (done !== expected) {
    throw new MigrationFailed(
      `${table.name}: counted ${expected} rows but read ${done} under the same lock. Nothing was written to PostgreSQL.`,
    );
  }
  return { digest: hash.digest("hex"), maxId };
}

function keyOf(table: TablePlan, row: unknown[]): string {
  const parts = table.key.map((k) => {
    const v = row[table.columns.findIndex((c) => c.name === k)];
    return `${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`;
  });
  return `(${parts.join(", ")})`;
}

/** The same digest over the rows PostgreSQL holds, read in the same order. */
function digestPostgres(pg: SyncPgClient, table: TablePlan): { rows: number; digest: string } {
  const cols = table.columns;
  // Integers as text: exact beyond 2^53 (the connection reads int8 as a JavaScript number).
  const select = cols.map((c) => (c.kind === "int" ? `${q(c.name)}::text` : q(c.name))).join(", ");
  // By the table's own columns (`src.`: an output column of the same name is text), and text
  // in byte order, as SQLite's BINARY collation sorts it.
  const order = table.key
    .map((k) => {
      const kind = cols.find((c) => c.name === k)!.kind;
      return kind === "text" ? `src.${q(k)} COLLATE "C"` : `src.${q(k)}`;
    })
    .join(", ");
  const hash: Hash = createHash("sha256");
  let rows = 0;
  pg.query(
    `DECLARE jb_verify NO SCROLL CURSOR FOR SELECT ${select} FROM ${q(table.name)} AS src ORDER BY ${order}`,
  );
  try {
    for (;;) {
      const got = pg.query(`FETCH ${VERIFY_FETCH_ROWS} FROM jb_verify`, [], true)
        .rows as unknown[][];
      for (const row of got) {
        hash.update(`${JSON.stringify(row.map((v, i) => canonical(cols[i]!.kind, v)))}\n`);
      }
      rows += got.length;
      if (got.length < VERIFY_FETCH_ROWS) break;
    }
  } finally {
    pg.query("CLOSE jb_verify");
  }
  return { rows, digest: hash.digest("hex") };
}

/** The counts as a text table. */
export function countsTable(tables: TableReport[]): string {
  const width = Math.max(5, ...tables.map((t) => t.table.length));
  const n = (x: number) => x.toLocaleString("en").padStart(10);
  const lines = [
    `${"table".padEnd(width)}  ${"sqlite".padStart(10)}  ${"postgres".padStart(10)}  checksum  next id`,
  ];
  for (const t of tables) {
    lines.push(
      `${t.table.padEnd(width)}  ${n(t.sqliteRows)}  ${n(t.postgresRows)}  ${t.checksum.padEnd(8)}  ${t.nextId ?? ""}`,
    );
  }
  return lines.join("\n");
}

const USAGE = `usage: npm run db:migrate-to-pg -- [--from <sqlite file>] [--to <postgres url>]
Copies the SQLite database (default: DATABASE_PATH, db/jembatan.sqlite) into an empty PostgreSQL
database (default: DATABASE_URL), checks the copy row for row and leaves the SQLite file as it was.
Stop the service first.`;

export interface MigrateCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const consoleIo: MigrateCommandIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

/**
 * The command: exit code 0 copied and verified, 1 refused or failed (PostgreSQL unchanged),
 * 2 usage error. `defaults` are DATABASE_PATH and DATABASE_URL.
 */
export function runMigrateCommand(
  args: string[],
  defaults: { databasePath: string; databaseUrl: string | null },
  io: MigrateCommandIo = consoleIo,
  extra: Omit<MigrateOptions, "from" | "to" | "progress"> = {},
): number {
  let parsed: { from?: string; to?: string; help?: boolean };
  try {
    parsed = parseArgs({
      args,
      options: {
        from: { type: "string" },
        to: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.err((err as Error).message);
    io.err(USAGE);
    return 2;
  }
  if (parsed.help) {
    io.out(USAGE);
    return 0;
  }
  const from = parsed.from ?? defaults.databasePath;
  const to = parsed.to ?? defaults.databaseUrl;
  if (!to) {
    io.err(
      "No PostgreSQL database given: pass --to postgres://user:password@host:5432/database, or set DATABASE_URL (in the environment or .env). Nothing was done.",
    );
    return 1;
  }
  try {
    const report = migrateToPostgres({ ...extra, from, to, progress: io.out });
    io.out(countsTable(report.tables));
    io.out(
      `Copied ${report.rows.toLocaleString("en")} rows in ${report.tables.length} tables in ${(report.ms / 1000).toFixed(1)} s; every table's rows match (count and checksum).`,
    );
    const password = shown(to) !== to ? " (with your password in place of ***)" : "";
    io.out(
      `Done. Set DATABASE_URL=${shown(to)}${password} in the service's environment or .env and start it; the SQLite file ${resolve(from)} was left untouched (keep it as a backup).`,
    );
    return 0;
  } catch (err) {
    if (err instanceof MigrationRefused || err instanceof MigrationFailed) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const env = loadEnvFile();
    process.exitCode = runMigrateCommand(process.argv.slice(2), loadMigrationDatabases(env));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  }
}
