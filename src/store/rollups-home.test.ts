import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Db, engineOf, MIGRATIONS_FOLDER } from "./db.ts";
import {
  readHomeDaily,
  readHomeHourly,
  rebuildHomeHourly,
  recountHomeHourly,
} from "./rollups-home.ts";
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
const H = 3_600_000;
const T0 = Date.UTC(2026, 5, 1);

/** Rows at two decimals (costs are sums of floats), zeros dropped. */
const rounded = (rows: ReturnType<typeof readHomeHourly>) =>
  rows.map((r) => ({ ...r, total: Math.round(r.total * 100) / 100 }));

function seed(db: Db): void {
  run(db, "INSERT INTO contacts (id, wa_id) VALUES (1, '621'), (2, '622')");
  run(
    db,
    `INSERT INTO conversations (id, contact_id, state, handoff_at, handoff_reason, created_at)
     VALUES (1, 1, 'closed', ?, 'complaint', ?), (2, 2, 'bot', NULL, NULL, ?)`,
    T0 + 2 * H,
    T0 + H,
    T0 + 3 * H,
  );
  const msg = (direction: string, status: string, code: number | null, tier: string | null) =>
    run(
      db,
      `INSERT INTO messages (conversation_id, direction, kind, payload, status, error_code, ai_tier, created_at)
       VALUES (1, ?, 'text', '{}', ?, ?, ?, ?)`,
      direction,
      status,
      code,
      tier,
      T0 + H,
    );
  msg("in", "handled", null, null);
  msg("out", "read", null, "cache");
  msg("out", "failed", 131047, "fast");
  const call = (turn: number | null, tier: string, latency: number) =>
    run(
      db,
      `INSERT INTO ai_calls (turn_message_id, purpose, tier, model, outcome, cost_usd, latency_ms, created_at)
       VALUES (?, 'answer', ?, 'm', 'ok', 0.5, ?, ?)`,
      turn,
      tier,
      latency,
      T0 + H,
    );
  call(1, "fast", 900);
  call(1, "smart", 4100);
  call(null, "fast", 120);
}

describe("migration 0011 (home workspace)", () => {
  it("applies on a fresh database: an empty roll-up, its indexes and triggers", () => {
    const names = (type: "index" | "trigger") => catalogue(t.db, type);
    expect(names("index")).toEqual(
      expect.arrayContaining(["slack_threads_created_agent_idx", "ai_calls_turn_idx"]),
    );
    expect(names("index")).not.toContain("slack_threads_created_idx");
    expect(names("trigger").filter((n) => n.startsWith("home_hourly"))).toHaveLength(10);
    expect(names("trigger").filter((n) => n.startsWith("home_daily"))).toHaveLength(3);
    expect(readHomeHourly(t.db)).toEqual([]);
  });

  it("fills the roll-up from the rows of a database migrated before it", () => {
    const dir = mkdtempSync(join(tmpdir(), "jembatan-mig-"));
    try {
      const before = join(dir, "migrations");
      cpSync(MIGRATIONS_FOLDER, before, { recursive: true });
      const journalPath = join(before, "meta", "_journal.json");
      const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
        entries: { idx: number; tag: string }[];
      };
      const mine = journal.entries.find((e) => e.tag.endsWith("_home_workspace"))!.idx;
      journal.entries = journal.entries.filter((e) => e.idx < mine);
      writeFileSync(journalPath, JSON.stringify(journal));
      const sqlite = new Database(join(dir, "old.sqlite"));
      const db = drizzle(sqlite, { schema }) as Db;
      migrate(db, { migrationsFolder: before });
      seed(db);
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      const h = (T0 + H) / H;
      expect(rounded(readHomeHourly(db))).toEqual([
        { metric: "ai_calls", hour: h, key: "fast", n: 2, total: 1 },
        { metric: "ai_calls", hour: h, key: "smart", n: 1, total: 0.5 },
        { metric: "ai_latency", hour: h, key: "1000", n: 1, total: 900 },
        { metric: "ai_latency", hour: h, key: "150", n: 1, total: 120 },
        { metric: "ai_latency", hour: h, key: "5000", n: 1, total: 4100 },
        { metric: "ai_turns", hour: h, key: "", n: 1, total: 0 },
        { metric: "conversations", hour: h, key: "", n: 1, total: 0 },
        { metric: "conversations", hour: h + 2, key: "", n: 1, total: 0 },
        { metric: "escalated", hour: h, key: "", n: 1, total: 0 },
        { metric: "failed", hour: h, key: "131047", n: 1, total: 0 },
        { metric: "handoffs", hour: h + 1, key: "complaint", n: 1, total: 0 },
        { metric: "messages", hour: h, key: "in", n: 1, total: 0 },
        { metric: "messages", hour: h, key: "out", n: 2, total: 0 },
        { metric: "replies", hour: h, key: "cache", n: 1, total: 0 },
        { metric: "replies", hour: h, key: "fast", n: 1, total: 0 },
      ]);
      expect(rounded(readHomeHourly(db))).toEqual(rounded(recountHomeHourly(db)));
      const daily = readHomeDaily(db);
      expect(daily.kept.length).toBeGreaterThan(0);
      expect(rounded(daily.kept)).toEqual(rounded(daily.expected));
      sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("home_hourly kept by triggers", () => {
  it("matches a full recount after a random mix of inserts, updates, deletes and rollbacks", () => {
    const db = t.db;
    for (let k = 1; k <= 8; k++)
      run(db, "INSERT INTO contacts (id, wa_id) VALUES (?, ?)", k, `62${k}`);
    const hour = fc.integer({ min: 0, max: 60 }).map((h) => T0 + h * H + 17);
    const reasons = [null, "complaint", "low_confidence", "asked_for_human"];
    const tiers = [null, "fast", "smart", "kb", "cache"];
    const statuses = ["queued", "sent", "delivered", "read", "failed", "handled"];
    const codes = [null, 131047, 470];
    const write = fc.oneof(
      fc.record({
        op: fc.constant("newConversation" as const),
        at: hour,
        handoff: fc.option(hour),
        reason: fc.constantFrom(...reasons),
      }),
      fc.record({
        op: fc.constant("handoff" as const),
        pick: fc.nat(),
        at: fc.option(hour),
        reason: fc.constantFrom(...reasons),
      }),
      fc.record({ op: fc.constant("moveConversation" as const), pick: fc.nat(), at: hour }),
      fc.record({ op: fc.constant("deleteConversation" as const), pick: fc.nat() }),
      fc.record({
        op: fc.constant("newMessage" as const),
        direction: fc.constantFrom("in", "out", "event"),
        status: fc.constantFrom(...statuses),
        code: fc.constantFrom(...codes),
        tier: fc.constantFrom(...tiers),
        at: hour,
      }),
      fc.record({
        op: fc.constant("updateMessage" as const),
        pick: fc.nat(),
        status: fc.constantFrom(...statuses),
        code: fc.constantFrom(...codes),
        tier: fc.constantFrom(...tiers),
        at: hour,
      }),
      fc.record({ op: fc.constant("deleteMessage" as const), pick: fc.nat() }),
      fc.record({
        op: fc.constant("newCall" as const),
        turn: fc.option(fc.integer({ min: 1, max: 4 })),
        purpose: fc.constantFrom("answer", "summary"),
        tier: fc.constantFrom("fast", "smart"),
        cost: fc.integer({ min: 0, max: 8 }).map((q) => q / 4),
        latency: fc.integer({ min: 0, max: 70_000 }),
        at: hour,
      }),
      fc.record({
        op: fc.constant("updateCall" as const),
        pick: fc.nat(),
        tier: fc.constantFrom("fast", "smart"),
        cost: fc.integer({ min: 0, max: 8 }).map((q) => q / 4),
        latency: fc.integer({ min: 0, max: 70_000 }),
        at: hour,
      }),
      fc.record({ op: fc.constant("deleteCall" as const), pick: fc.nat() }),
      fc.record({ op: fc.constant("rolledBack" as const), at: hour }),
    );
    const ids = (table: string) =>
      (db.$client.prepare(`SELECT id FROM ${table} ORDER BY id`).all() as { id: number }[]).map(
        (r) => r.id,
      );
    const pickId = (table: string, n: number) => {
      const all = ids(table);
      return all.length === 0 ? null : (all[n % all.length] as number);
    };
    let contact = 0;
    fc.assert(
      fc.property(fc.array(write, { maxLength: 60 }), (writes) => {
        for (const w of writes) {
          switch (w.op) {
            case "newConversation":
              contact++;
              // Closed, so the one-open-per-contact rule never refuses.
              run(
                db,
                `INSERT INTO conversations (contact_id, state, created_at, handoff_at, handoff_reason)
                 VALUES (?, 'closed', ?, ?, ?)`,
                1 + (contact % 8),
                w.at,
                w.handoff,
                w.reason,
              );
              break;
            case "handoff": {
              const id = pickId("conversations", w.pick);
              if (id !== null)
                run(
                  db,
                  "UPDATE conversations SET handoff_at = ?, handoff_reason = ? WHERE id = ?",
                  w.at,
                  w.reason,
                  id,
                );
              break;
            }
            case "moveConversation": {
              const id = pickId("conversations", w.pick);
              if (id !== null)
                run(db, "UPDATE conversations SET created_at = ? WHERE id = ?", w.at, id);
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
                  `INSERT INTO messages (conversation_id, direction, kind, payload, status, error_code, ai_tier, created_at)
                   VALUES (?, ?, 'text', '{}', ?, ?, ?, ?)`,
                  conv,
                  w.direction,
                  w.status,
                  w.code,
                  w.tier,
                  w.at,
                );
              break;
            }
            case "updateMessage": {
              const id = pickId("messages", w.pick);
              if (id !== null)
                run(
                  db,
                  "UPDATE messages SET status = ?, error_code = ?, ai_tier = ?, created_at = ? WHERE id = ?",
                  w.status,
                  w.code,
                  w.tier,
                  w.at,
                  id,
                );
              break;
            }
            case "deleteMessage": {
              const id = pickId("messages", w.pick);
              if (id !== null) run(db, "DELETE FROM messages WHERE id = ?", id);
              break;
            }
            case "newCall":
              run(
                db,
                `INSERT INTO ai_calls (turn_message_id, purpose, tier, model, outcome, cost_usd, latency_ms, created_at)
                 VALUES (?, ?, ?, 'm', 'ok', ?, ?, ?)`,
                w.turn,
                w.purpose,
                w.tier,
                w.cost,
                w.latency,
                w.at,
              );
              break;
            case "updateCall": {
              const id = pickId("ai_calls", w.pick);
              if (id !== null)
                run(
                  db,
                  "UPDATE ai_calls SET tier = ?, cost_usd = ?, latency_ms = ?, created_at = ? WHERE id = ?",
                  w.tier,
                  w.cost,
                  w.latency,
                  w.at,
                  id,
                );
              break;
            }
            case "deleteCall": {
              const id = pickId("ai_calls", w.pick);
              if (id !== null) run(db, "DELETE FROM ai_calls WHERE id = ?", id);
              break;
            }
            case "rolledBack":
              try {
                inTransaction(db, () => {
                  run(db, "UPDATE messages SET status = 'failed', created_at = ?", w.at);
                  run(db, "DELETE FROM ai_calls");
                  run(db, "UPDATE conversations SET handoff_at = ?", w.at);
                  throw new Error("rolled back");
                });
              } catch {}
              break;
          }
        }
        expect(rounded(readHomeHourly(db))).toEqual(rounded(recountHomeHourly(db)));
        const daily = readHomeDaily(db);
        expect(rounded(daily.kept)).toEqual(rounded(daily.expected));
      }),
      { numRuns: 40 },
    );
    const kept = rounded(readHomeHourly(db));
    const keptDaily = rounded(readHomeDaily(db).kept);
    rebuildHomeHourly(db);
    expect(rounded(readHomeHourly(db))).toEqual(kept);
    expect(rounded(readHomeDaily(db).kept)).toEqual(keptDaily);
  });

  it("refuses to move a model call to another turn, changing nothing", () => {
    run(
      t.db,
      `INSERT INTO ai_calls (turn_message_id, purpose, tier, model, outcome, created_at)
       VALUES (1, 'answer', 'fast', 'm', 'ok', ?)`,
      T0,
    );
    const before = readHomeHourly(t.db);
    expect(() => run(t.db, "UPDATE ai_calls SET turn_message_id = 2")).toThrow(
      /turn_message_id cannot change/,
    );
    expect(readHomeHourly(t.db)).toEqual(before);
    expect(before).toContainEqual({ metric: "ai_turns", hour: T0 / H, key: "", n: 1, total: 0 });
  });
});
