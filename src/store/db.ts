import { mkdirSync } from "node:fs";
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

/**
 * Opens (creating if needed) the SQLite file, sets the pragmas a concurrent service needs and
 * applies pending migrations. `:memory:` works for quick checks.
 */
export function openDatabase(path: string): Db {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  // WAL lets readers run while a writer commits; NORMAL sync is durable across process crashes
  // in WAL mode (only an OS crash can lose the last commits).
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("wal_autocheckpoint = 8000");
  // Several processes (the service, `npm run ai`, a restarted service) may share the file.
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}
