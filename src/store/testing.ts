import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Db, openDatabase } from "./db.ts";

/** A fresh SQLite file with the real migrations applied, for tests. */
export interface TestDatabase {
  db: Db;
  path: string;
  cleanup(): void;
}

/** Opens a new database file in a temporary folder; `cleanup()` closes and deletes it. */
export function openTestDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), "jembatan-test-"));
  const path = join(dir, "test.sqlite");
  const db = openDatabase(path);
  return {
    db,
    path,
    cleanup() {
      if (db.$client.open) db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
