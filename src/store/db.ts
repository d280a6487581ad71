import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.ts";

/** The drizzle handle every repository takes. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Where the generated SQL migrations live (`db/migrations` at the repository root). */
export const MIGRATIONS_FOLDER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../db/migrations",
);

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
