import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fullScans, recordStatements } from "../store/query-plans.ts";
import { openTestDatabase, type TestDatabase, testEngine } from "../store/testing.ts";
import { createMetrics } from "./metrics.ts";
import { createObserver } from "./observer.ts";

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

  // EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its own statistics.
  it.skipIf(testEngine() === "postgres")(
    "reads roll-ups and partial indexes only, never a whole table of the history",
    async () => {
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
    },
  );
});

describe("today is the business day (BUSINESS_UTC_OFFSET)", () => {
  const at = (iso: string) => Date.parse(iso);
  const call = (usd: number, createdAt: number) =>
    run(
      "INSERT INTO ai_calls (purpose, tier, model, outcome, cost_usd, created_at) VALUES ('answer', 'fast', 'm', 'ok', ?, ?)",
      usd,
      createdAt,
    );
  const cost = async (utcOffsetMinutes: number | undefined, now: number) => {
    const text = await createMetrics(t.db, {
      ...(utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes }),
      now: () => now,
    }).metrics();
    return text.split("\n").find((l) => l.startsWith("jembatan_ai_cost_usd_today "));
  };

  it("counts from the business's midnight, not UTC's, when the two days differ", async () => {
    // 20:00 UTC on 10 March is 03:00 on 11 March in Jakarta (+07:00): its business day began at
    // 17:00 UTC. The call at 16:30 UTC was "yesterday" there, though "today" in UTC.
    const now = at("2026-03-10T20:00:00Z");
    call(1, at("2026-03-10T16:30:00Z"));
    call(0.5, at("2026-03-10T17:30:00Z"));
    call(8, at("2026-03-09T23:00:00Z"));
    expect(await cost(420, now)).toBe("jembatan_ai_cost_usd_today 0.5");
    expect(await cost(0, now)).toBe("jembatan_ai_cost_usd_today 1.5");
    // Unset: UTC, as a tool building its own registry (bench:home) always had.
    expect(await cost(undefined, now)).toBe("jembatan_ai_cost_usd_today 1.5");
    // West of UTC (-05:00): at 03:00 UTC on 11 March it is still 10 March, 22:00, whose day
    // began at 05:00 UTC on the 10th: every call but the one of the 9th counts.
    expect(await cost(-300, at("2026-03-11T03:00:00Z"))).toBe("jembatan_ai_cost_usd_today 1.5");
  });

  it("says so in the help text", async () => {
    const text = await createMetrics(t.db).metrics();
    expect(text).toContain(
      "# HELP jembatan_ai_cost_usd_today Model cost since the start of the business day (BUSINESS_UTC_OFFSET), US$",
    );
  });
});

describe("latency histograms and escalation counters", () => {
  const series = (text: string, name: string) =>
    text.split("\n").filter((l) => l.startsWith(name) && !l.startsWith("#"));

  it("shows no labelled series before an event, and zero buckets for the unlabelled one", async () => {
    const registry = createMetrics(t.db);
    createObserver(registry);
    const text = await registry.metrics();
    expect(text).toContain("# TYPE jembatan_webhook_ack_seconds histogram");
    expect(text).toContain("# TYPE jembatan_ai_reply_seconds histogram");
    expect(text).toContain("# TYPE jembatan_first_human_reply_seconds histogram");
    expect(text).toContain("# TYPE jembatan_escalations_total counter");
    expect(series(text, "jembatan_webhook_ack_seconds")).toEqual([]);
    expect(series(text, "jembatan_ai_reply_seconds")).toEqual([]);
    expect(series(text, "jembatan_escalations_total")).toEqual([]);
    expect(series(text, "jembatan_first_human_reply_seconds_count")).toEqual([
      "jembatan_first_human_reply_seconds_count 0",
    ]);
  });

  it("puts each observation in its buckets, with sum and count, by label", async () => {
    const registry = createMetrics(t.db);
    const observer = createObserver(registry);
    observer.webhookAck("whatsapp", 0.003);
    observer.webhookAck("whatsapp", 0.2);
    observer.webhookAck("slack", 4);
    observer.aiReply("fast", 2.5);
    observer.aiReply("smart", 9);
    observer.firstHumanReply(420);
    // A clock step backwards must not give a negative duration.
    observer.firstHumanReply(-1);
    const text = await registry.metrics();

    const ack = series(text, "jembatan_webhook_ack_seconds");
    expect(ack).toContain('jembatan_webhook_ack_seconds_bucket{le="0.005",source="whatsapp"} 1');
    expect(ack).toContain('jembatan_webhook_ack_seconds_bucket{le="0.1",source="whatsapp"} 1');
    expect(ack).toContain('jembatan_webhook_ack_seconds_bucket{le="0.25",source="whatsapp"} 2');
    expect(ack).toContain('jembatan_webhook_ack_seconds_bucket{le="+Inf",source="whatsapp"} 2');
    expect(ack).toContain('jembatan_webhook_ack_seconds_count{source="whatsapp"} 2');
    expect(ack).toContain('jembatan_webhook_ack_seconds_sum{source="whatsapp"} 0.203');
    expect(ack).toContain('jembatan_webhook_ack_seconds_bucket{le="2.5",source="slack"} 0');
    expect(ack).toContain('jembatan_webhook_ack_seconds_bucket{le="5",source="slack"} 1');

    const ai = series(text, "jembatan_ai_reply_seconds");
    expect(ai).toContain('jembatan_ai_reply_seconds_bucket{le="2",tier="fast"} 0');
    expect(ai).toContain('jembatan_ai_reply_seconds_bucket{le="3",tier="fast"} 1');
    expect(ai).toContain('jembatan_ai_reply_seconds_count{tier="fast"} 1');
    expect(ai).toContain('jembatan_ai_reply_seconds_bucket{le="8",tier="smart"} 0');
    expect(ai).toContain('jembatan_ai_reply_seconds_bucket{le="13",tier="smart"} 1');

    const human = series(text, "jembatan_first_human_reply_seconds");
    expect(human).toContain('jembatan_first_human_reply_seconds_bucket{le="30"} 1');
    expect(human).toContain('jembatan_first_human_reply_seconds_bucket{le="300"} 1');
    expect(human).toContain('jembatan_first_human_reply_seconds_bucket{le="600"} 2');
    expect(human).toContain("jembatan_first_human_reply_seconds_sum 420");
    expect(human).toContain("jembatan_first_human_reply_seconds_count 2");
  });

  it("counts escalations by reason", async () => {
    const registry = createMetrics(t.db);
    const observer = createObserver(registry);
    observer.escalation("customer_request");
    observer.escalation("low_confidence");
    observer.escalation("customer_request");
    const text = await registry.metrics();
    expect(series(text, "jembatan_escalations_total")).toEqual([
      'jembatan_escalations_total{reason="customer_request"} 2',
      'jembatan_escalations_total{reason="low_confidence"} 1',
    ]);
  });

  it("keeps two services' figures apart (one registry each)", async () => {
    const a = createMetrics(t.db);
    const b = createMetrics(t.db);
    createObserver(a).escalation("ai_off");
    createObserver(b);
    expect(series(await a.metrics(), "jembatan_escalations_total")).toHaveLength(1);
    expect(series(await b.metrics(), "jembatan_escalations_total")).toEqual([]);
  });
});
