import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { PgDatabase } from "./pg/database.ts";
import * as schema from "./schema.ts";

/** The drizzle handle every repository takes. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Where the generated SQL migrations live (`db/migrations` at the repository root). */
export const MIGRATIONS_FOLDER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../db/migrations",
);

/** Where the PostgreSQL migrations live (`db/migrations-pg`), kept in step with the SQLite ones. */
export const PG_MIGRATIONS_FOLDER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../db/migrations-pg",
);

/** Held while one instance applies migrations, so that instances starting together take turns. */
const PG_MIGRATE_LOCK_KEY = 0x6a656d6d; // "jemm"

/** Which engine a database location names: a postgres:// URL, or else a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The database could not be opened; the message names the variable to fix. */
export class DatabaseOpenError extends Error {
  override readonly name = "DatabaseOpenError";
}

/** A database location fit for logs: a URL loses its password. */
export function describeDatabase(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}

/**
 * Calls `wake` when another instance queues or releases a job (PostgreSQL NOTIFY on
 * `jembatan_jobs`, sent by a trigger on the jobs table). SQLite has one process per file, whose
 * runner is woken in-process: nothing to listen to. Returns a function that stops listening.
 */
export function listenForJobs(db: Db, wake: () => void): () => void {
  const client = db.$client as unknown;
  if (!(client instanceof PgDatabase)) return () => {};
  return client.client.listen("jembatan_jobs", () => wake());
}

/** The engine behind a handle. */
export function engineOf(db: Db): "sqlite" | "postgres" {
  return (db.$client as unknown) instanceof PgDatabase ? "postgres" : "sqlite";
}

/** Whoever wants to hear that a database file was readable by others (a logger's `warn`). */
export interface OpenDatabaseOptions {
  warn?: (fields: Record<string, unknown>, message: string) => void;
}

const OWNER_ONLY_FILE = 0o600;
const OWNER_ONLY_DIR = 0o700;

/**
 * Opens (creating if needed) the SQLite file, sets the pragmas a concurrent service needs and
 * applies pending migrations. `:memory:` works for quick checks.
 *
 * The file holds names, numbers and transcripts, so it is owner-only: a missing folder is created
 * 0700, and the database and its `-wal`/`-shm` files are set to 0600 with chmod (which, unlike
 * the mode given to open or mkdir, does not depend on the umask), also when they already existed
 * with a wider mode; that is reported once through `warn` (default: a process warning).
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  if (isPostgresUrl(path)) return openPostgres(path);
  const file = path !== ":memory:" && path !== "" ? resolve(path) : null;
  // Before SQLite opens the file: it gives the -wal and -shm files it creates the database
  // file's mode, and resets empty leftover ones to it.
  const widened = file ? prepareOwnerOnly(file) : [];
  const sqlite = new Database(path);
  // WAL lets readers run while a writer commits; NORMAL sync is durable across process crashes
  // in WAL mode (only an OS crash can lose the last commits).
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("wal_autocheckpoint = 8000");
  // Several processes (the service, `npm run ai`, a restarted service) may share the file.
  sqlite.pragma("busy_timeout = 5000");
  // Once more now that WAL mode is on, in case another process created -wal/-shm in between.
  if (file) widened.push(...restrictFiles(file));
  if (widened.length > 0) reportWidened(widened, options);
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

/**
 * Connects to PostgreSQL (one connection, see `pg/database.ts`) and applies pending migrations
 * from `db/migrations-pg`. The same repositories, written for SQLite, run on it unchanged.
 */
export function openPostgres(url: string): Db {
  const client = new PgDatabase(url);
  try {
    client.client.migrate(PG_MIGRATIONS_FOLDER, PG_MIGRATE_LOCK_KEY);
  } catch (err) {
    try {
      client.close();
    } catch {
      // the connection never opened
    }
    throw new DatabaseOpenError(
      `DATABASE_URL: could not open the PostgreSQL database ${describeDatabase(url)} (${
        err instanceof Error ? err.message : String(err)
      }); check the host, port, user, password, that the database exists and that the user may create tables in it`,
      { cause: err },
    );
  }
  // drizzle's better-sqlite3 session only calls prepare/run/get/all/raw and transaction, which
  // the PostgreSQL facade provides with the same meaning.
  return drizzle(client as unknown as Database.Database, { schema }) as Db;
}

/**
 * Creates the folder (0700) and an empty database file (0600) when they are missing, and narrows
 * existing files. Returns the files that were readable or writable by others.
 */
function prepareOwnerOnly(file: string): Widened[] {
  const dir = dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: OWNER_ONLY_DIR });
    chmodSync(dir, OWNER_ONLY_DIR);
  }
  if (!existsSync(file)) {
    // "a": never truncates a file another process created in between.
    closeSync(openSync(file, "a", OWNER_ONLY_FILE));
  }
  return restrictFiles(file);
}

interface Widened {
  file: string;
  mode: string;
}

/** Sets the database file and its -wal/-shm files to 0600; returns those that were wider. */
function restrictFiles(file: string): Widened[] {
  const widened: Widened[] = [];
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = statSync(f).mode & 0o777;
    } catch {
      continue; // not there (yet)
    }
    if (mode === OWNER_ONLY_FILE) continue;
    chmodSync(f, OWNER_ONLY_FILE);
    if (mode & 0o077) widened.push({ file: f, mode: `0${mode.toString(8)}` });
  }
  return widened;
}

function reportWidened(widened: Widened[], options: OpenDatabaseOptions): void {
  const message =
    "database files were readable by other users; set to owner-only (0600): they hold names, numbers and transcripts";
  if (options.warn) options.warn({ files: widened }, message);
  else process.emitWarning(`${message}: ${widened.map((w) => `${w.file} (${w.mode})`).join(", ")}`);
}
