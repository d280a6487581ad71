import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fullScans, recordStatements } from "../store/query-plans.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { createMetrics } from "./metrics.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const run = (sql: string, ...params: unknown[]) =>
  Number(t.db.$client.prepare(sql).run(...params).lastInsertRowid);

/** The lines of the text exposition for the gauges this file reads from the database. */
async function figures(): Promise<string[]> {
  const text = await createMetrics(t.db).metrics();
  return text
    .split("\n")
    .filter((l) => /^jembatan_(jobs|conversations|messages_failed|ai_cost_usd_today)\b/.test(l));
}

function seed() {
  const contact = (n: number) => run("INSERT INTO contacts (wa_id) VALUES (?)", `62${n}`);
  const conv = (state: string) =>
    run(
      "INSERT INTO conversations (contact_id, state) VALUES (?, ?)",
      contact(Math.random()),
      state,
    );
  const a = conv("bot");
  conv("closed");
  conv("closed");
  const moved = conv("escalated");
  conv("agent");
  run("UPDATE conversations SET state = 'closed' WHERE id = ?", moved);
  const out = (status: string, code: number | null) =>
    run(
      `INSERT INTO messages (conversation_id, direction, kind, payload, status, error_code)
       VALUES (?, 'out', 'text', '{}', ?, ?)`,
      a,
      status,
      code,
    );
  out("failed", 131047);
  out("failed", 131026);
  out("failed", 131047);
  out("failed", null);
  out("read", null);
  const retried = out("failed", 470);
  run("UPDATE messages SET status = 'queued', error_code = NULL WHERE id = ?", retried);
  const job = (kind: string, state: string) =>
    run(
      "INSERT INTO jobs (kind, state, max_attempts, run_at, finished_at) VALUES (?, ?, 10, 0, ?)",
      kind,
      state,
      state === "done" ? 1 : null,
    );
  job("turn", "pending");
  job("turn", "pending");
  job("send", "dead");
  job("send", "done");
  job("turn", "done");
  run(
    "INSERT INTO ai_calls (purpose, tier, model, outcome, cost_usd, created_at) VALUES ('answer', 'fast', 'm', 'ok', 0.25, ?)",
    Date.now(),
  );
  run(
    "INSERT INTO ai_calls (purpose, tier, model, outcome, cost_usd, created_at) VALUES ('answer', 'fast', 'm', 'ok', 4, ?)",
    Date.now() - 2 * 86_400_000,
  );
}

describe("/metrics figures", () => {
  it("shows no labelled series and zero cost on an empty database", async () => {
    expect(await figures()).toEqual(["jembatan_ai_cost_usd_today 0"]);
  });

  it("counts jobs, conversations, failed sends and today's cost on seeded data", async () => {
    seed();
    expect(await figures()).toEqual([
      'jembatan_jobs{kind="send",state="dead"} 1',
      'jembatan_jobs{kind="turn",state="pending"} 2',
      'jembatan_conversations{state="agent"} 1',
      'jembatan_conversations{state="bot"} 1',
      'jembatan_conversations{state="closed"} 3',
      'jembatan_messages_failed{code="none"} 1',
      'jembatan_messages_failed{code="131026"} 1',
      'jembatan_messages_failed{code="131047"} 2',
      "jembatan_ai_cost_usd_today 0.25",
    ]);
  });

  it("reads roll-ups and partial indexes only, never a whole table of the history", async () => {
    const recorder = recordStatements(t.db);
    try {
      await createMetrics(t.db).metrics();
    } finally {
      recorder.detach();
    }
    expect(recorder.statements.length).toBeGreaterThanOrEqual(4);
    const allowed = [
      /^SCAN jobs USING COVERING INDEX jobs_open_kind_state_idx$/,
      /^SCAN (conversation_state_counts|failed_send_counts)\b/,
    ];
    for (const sql of recorder.statements) {
      expect(fullScans(t.db, sql, allowed), sql).toEqual([]);
    }
  });
});
