import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, engineOf, MIGRATIONS_FOLDER } from "./db.ts";
import { readRollups, rebuildRollups, recountRollups } from "./rollups.ts";
import * as schema from "./schema.ts";
import { openTestDatabase, type TestDatabase } from "./testing.ts";
import { inTransaction } from "./tx.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const run = (db: Db, sql: string, ...params: unknown[]) => db.$client.prepare(sql).run(...params);

/** Index or trigger names, from SQLite's catalogue or PostgreSQL's, in name order. */
function catalogue(db: Db, type: "index" | "trigger"): string[] {
  if (engineOf(db) === "sqlite")
    return (
      db.$client
        .prepare("SELECT name FROM sqlite_master WHERE type = ? ORDER BY name")
        .all(type) as { name: string }[]
    ).map((r) => r.name);
  const sql =
    type === "index"
      ? "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()"
      : "SELECT DISTINCT trigger_name AS name FROM information_schema.triggers WHERE trigger_schema = current_schema()";
  return (db.$client.prepare(`${sql} ORDER BY name`).all() as { name: string }[]).map(
    (r) => r.name,
  );
}

describe("migration 0006 (home figures)", () => {
  it("applies on a fresh database: roll-up tables empty, indexes and triggers in place", () => {
    const names = (type: "index" | "trigger") => catalogue(t.db, type);
    expect(names("index")).toEqual(
      expect.arrayContaining([
        "ai_calls_created_cost_idx",
        "conversations_created_idx",
        "conversations_queue_idx",
        "jobs_open_kind_state_idx",
        "messages_created_idx",
      ]),
    );
    expect(names("index")).not.toContain("ai_calls_created_idx");
    // (0011 adds the home_* triggers and replaces slack_threads_created_idx: rollups-home.test.ts.
    // PostgreSQL also has the jobs_notify_* triggers that wake other instances.)
    const wakeUps = (n: string) => t.engine === "postgres" && n.startsWith("jobs_notify_");
    expect(names("trigger").filter((n) => !n.startsWith("home_") && !wakeUps(n))).toEqual([
      "conversation_state_counts_delete",
      "conversation_state_counts_insert",
      "conversation_state_counts_update",
      "failed_send_counts_delete",
      "failed_send_counts_insert",
      "failed_send_counts_update",
    ]);
    expect(readRollups(t.db)).toEqual({ conversationsByState: {}, failedSendsByCode: {} });
  });

  it("fills the roll-ups from the rows of a database migrated before it", () => {
    const dir = mkdtempSync(join(tmpdir(), "jembatan-mig-"));
    try {
      // The migrations folder as it was before 0006.
      const before = join(dir, "migrations");
      cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
      const journalPath = join(before, "meta", "_journal.json");
      const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
        entries: { idx: number }[];
      };
      journal.entries = journal.entries.filter((e) => e.idx < 6);
      writeFileSync(journalPath, JSON.stringify(journal));
      const sqlite = new Database(join(dir, "old.sqlite"));
      const db = drizzle(sqlite, { schema }) as Db;
      migrate(db, { migrationsFolder: before });
      seed(db);
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      expect(readRollups(db)).toEqual({
        conversationsByState: { bot: 1, closed: 2, escalated: 1 },
        failedSendsByCode: { "131047": 2, none: 1 },
      });
      sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Three contacts, four conversations, failed sends with and without a code. */
function seed(db: Db): void {
  for (let k = 1; k <= 3; k++)
    run(db, "INSERT INTO contacts (id, wa_id) VALUES (?, ?)", k, `62${k}`);
  const conv = (contact: number, state: string) =>
    run(db, "INSERT INTO conversations (contact_id, state) VALUES (?, ?)", contact, state);
  conv(1, "closed");
  conv(1, "bot");
  conv(2, "escalated");
  conv(3, "closed");
  const msg = (status: string, code: number | null, direction = "out") =>
    run(
      db,
      `INSERT INTO messages (conversation_id, direction, kind, payload, status, error_code)
       VALUES (1, ?, 'text', '{}', ?, ?)`,
      direction,
      status,
      code,
    );
  msg("failed", 131047);
  msg("failed", 131047);
  msg("failed", null);
  msg("read", null);
  msg("failed", 5, "in"); // not outbound: not a failed send
}

describe("roll-ups kept by triggers", () => {
  it("match a full recount after a random mix of writes, and rebuild to the same", () => {
    const db = t.db;
    for (let k = 1; k <= 6; k++)
      run(db, "INSERT INTO contacts (id, wa_id) VALUES (?, ?)", k, `62${k}`);
    const states = ["bot", "escalated", "agent", "closed"] as const;
    const statuses = ["queued", "sending", "accepted", "sent", "delivered", "read", "failed"];
    const codes = [null, 131047, 131026, 470];
    const write = fc.oneof(
      fc.record({ op: fc.constant("newConversation" as const), state: fc.constantFrom(...states) }),
      fc.record({
        op: fc.constant("setState" as const),
        pick: fc.nat(),
        state: fc.constantFrom(...states),
      }),
      fc.record({ op: fc.constant("deleteConversation" as const), pick: fc.nat() }),
      fc.record({
        op: fc.constant("newMessage" as const),
        direction: fc.constantFrom("in", "out", "event"),
        status: fc.constantFrom(...statuses),
        code: fc.constantFrom(...codes),
      }),
      fc.record({
        op: fc.constant("setStatus" as const),
        pick: fc.nat(),
        status: fc.constantFrom(...statuses),
        code: fc.constantFrom(...codes),
      }),
      fc.record({ op: fc.constant("deleteMessage" as const), pick: fc.nat() }),
      fc.record({ op: fc.constant("rolledBack" as const), status: fc.constantFrom(...statuses) }),
    );
    const ids = (table: string) =>
      (db.$client.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as { id: number }[]).map(
        (r) => r.id,
      );
    const pickId = (table: string, n: number) => {
      const all = ids(table);
      return all.length === 0 ? null : (all[n % all.length] as number);
    };
    fc.assert(
      fc.property(fc.array(write, { maxLength: 60 }), (writes) => {
        for (const w of writes) {
          switch (w.op) {
            case "newConversation":
              // Contacts are many enough that the one-open-per-contact rule rarely refuses; a
              // refused insert must not be counted either.
              try {
                run(
                  db,
                  "INSERT INTO conversations (contact_id, state) VALUES (?, ?)",
                  1 + (ids("conversations").length % 6),
                  w.state,
                );
              } catch {}
              break;
            case "setState": {
              const id = pickId("conversations", w.pick);
              try {
                if (id !== null)
                  run(db, "UPDATE conversations SET state = ? WHERE id = ?", w.state, id);
              } catch {}
              break;
            }
            case "deleteConversation": {
              const id = pickId("conversations", w.pick);
              if (id !== null) {
                run(db, "DELETE FROM messages WHERE conversation_id = ?", id);
                run(db, "DELETE FROM conversations WHERE id = ?", id);
              }
              break;
            }
            case "newMessage": {
              const conv = pickId("conversations", 0);
              if (conv !== null)
                run(
                  db,
                  `INSERT INTO messages (conversation_id, direction, kind, payload, status, error_code)
                   VALUES (?, ?, 'text', '{}', ?, ?)`,
                  conv,
                  w.direction,
                  w.status,
                  w.code,
                );
              break;
            }
            case "setStatus": {
              const id = pickId("messages", w.pick);
              if (id !== null)
                run(
                  db,
                  "UPDATE messages SET status = ?, error_code = ? WHERE id = ?",
                  w.status,
                  w.code,
                  id,
                );
              break;
            }
            case "deleteMessage": {
              const id = pickId("messages", w.pick);
              if (id !== null) run(db, "DELETE FROM messages WHERE id = ?", id);
              break;
            }
            case "rolledBack": {
              const id = pickId("messages", 0);
              try {
                inTransaction(db, () => {
                  if (id !== null)
                    run(db, "UPDATE messages SET status = ? WHERE id = ?", w.status, id);
                  run(db, "UPDATE conversations SET state = 'closed'");
                  throw new Error("rolled back");
                });
              } catch {}
              break;
            }
          }
        }
        expect(readRollups(db)).toEqual(recountRollups(db));
      }),
      { numRuns: 40, seed: 11 },
    );
    const kept = readRollups(db);
    rebuildRollups(db);
    expect(readRollups(db)).toEqual(kept);
  });

  it("are empty on an empty database and count a single write at once", () => {
    expect(recountRollups(t.db)).toEqual({ conversationsByState: {}, failedSendsByCode: {} });
    seed(t.db);
    expect(readRollups(t.db)).toEqual({
      conversationsByState: { bot: 1, closed: 2, escalated: 1 },
      failedSendsByCode: { "131047": 2, none: 1 },
    });
  });
});
