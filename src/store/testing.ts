import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testPostgresUrl, testWantsPostgres } from "../config.ts";
import { type Db, openDatabase, PG_MIGRATIONS_FOLDER } from "./db.ts";
import { SyncPgClient } from "./pg/sync-client.ts";

/** A fresh database with the real migrations applied, for tests. */
export interface TestDatabase {
  db: Db;
  /** The SQLite file, or the PostgreSQL URL. */
  path: string;
  engine: TestEngine;
  cleanup(): void;
}

/** Which engine a test runs on. */
export type TestEngine = "sqlite" | "postgres";

/**
 * The engine tests run on: PostgreSQL when JEMBATAN_TEST_ENGINE=postgres and
 * JEMBATAN_TEST_PG_URL names a server (`npm test` starts one for the PostgreSQL pass), else SQLite.
 */
export function testEngine(): TestEngine {
  return testWantsPostgres() && testPostgresUrl() ? "postgres" : "sqlite";
}

/** A new, empty PostgreSQL database on the test server; `drop()` removes it. */
export interface TestPgDatabase {
  url: string;
  drop(): void;
}

let counter = 0;

/** A name that changes whenever a PostgreSQL migration is added or edited. */
function templateName(): string {
  const hash = createHash("sha256");
  for (const f of readdirSync(PG_MIGRATIONS_FOLDER)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(f).update(readFileSync(join(PG_MIGRATIONS_FOLDER, f)));
  }
  return `jt_template_${hash.digest("hex").slice(0, 16)}`;
}

/**
 * The migrated template the test databases are copied from: migrating each new database took
 * about a second, a copy of the template a fraction of that. Made once per migration set, by
 * whichever test gets there first (the others wait on an advisory lock).
 */
function ensureTemplate(admin: string, client: SyncPgClient): string {
  const name = templateName();
  const exists = () =>
    client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.length > 0;
  if (exists()) return name;
  client.query("SELECT pg_advisory_lock(7001)");
  try {
    if (exists()) return name;
    const building = `${name}_building`;
    client.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    client.query(`CREATE DATABASE "${building}"`);
    const url = new URL(admin);
    url.pathname = `/${building}`;
    openDatabase(url.toString()).$client.close();
    client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    client.query(`ALTER DATABASE "${name}" IS_TEMPLATE true`);
    return name;
  } finally {
    client.query("SELECT pg_advisory_unlock(7001)");
  }
}

/** Creates a database on JEMBATAN_TEST_PG_URL's server with the migrations applied. */
export function createTestPgDatabase(): TestPgDatabase {
  const admin = testPostgresUrl();
  if (!admin) throw new Error("JEMBATAN_TEST_PG_URL is not set");
  const name = `jt_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const client = new SyncPgClient(admin, "jembatan-test-admin");
  try {
    const template = ensureTemplate(admin, client);
    // FILE_COPY: for a small database, faster than the default block-by-block WAL copy.
    client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" STRATEGY FILE_COPY`);
  } finally {
    client.close();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop() {
      const c = new SyncPgClient(admin, "jembatan-test-admin");
      try {
        c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        c.close();
      }
    },
  };
}

/** Opens a new database (a file in a temporary folder, or a PostgreSQL database); `cleanup()` closes and deletes it. */
export function openTestDatabase(engine: TestEngine = testEngine()): TestDatabase {
  if (engine === "postgres") {
    const pg = createTestPgDatabase();
    const db = openDatabase(pg.url);
    return {
      db,
      path: pg.url,
      engine,
      cleanup() {
        if (db.$client.open) db.$client.close();
        pg.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "jembatan-test-"));
  const path = join(dir, "test.sqlite");
  const db = openDatabase(path);
  return {
    db,
    path,
    engine,
    cleanup() {
      if (db.$client.open) db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
