import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ContactId } from "../core/ids.ts";
import { DAY_MS, isInUse, REDACTED_PAYLOAD, RETENTION_BATCH } from "../core/retention.ts";
import { upsertContact } from "./repositories/contacts.ts";
import {
  applyRetention,
  deleteContact,
  exportContact,
  findContacts,
  IN_USE_SQL,
  planRetention,
  retentionSteps,
  startRetentionTimer,
} from "./retention.ts";
import { openTestDatabase, type TestDatabase } from "./testing.ts";

const NOW = Date.UTC(2026, 5, 1);
const OLD = NOW - 100 * DAY_MS; // past the 90-day message cutoff
const ANCIENT = NOW - 400 * DAY_MS; // past the 365-day contact cutoff
const RECENT = NOW - DAY_MS;
const SETTINGS = { messageDays: 90, contactDays: 365 };

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const run = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params);
const get = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) =>
  t.db.$client.prepare(sql).get(...params) as T;
const all = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) =>
  t.db.$client.prepare(sql).all(...params) as T[];

function contact(waId: string | null, at: number, userId: string | null = null): number {
  return Number(
    run(
      "INSERT INTO contacts (wa_id, user_id, profile_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
      waId,
      userId,
      `Name of ${waId ?? userId}`,
      at,
      at,
    ).lastInsertRowid,
  );
}

function conversation(contactId: number, at: number, summary: string | null = null): number {
  return Number(
    run(
      `INSERT INTO conversations (contact_id, state, summary, last_customer_message_at, created_at, updated_at)
       VALUES (?, 'closed', ?, ?, ?, ?)`,
      contactId,
      summary,
      at,
      at,
      at,
    ).lastInsertRowid,
  );
}

let wamid = 0;
function message(
  conversationId: number,
  at: number,
  over: { direction?: string; status?: string; text?: string; cost?: number } = {},
): { id: number; wamid: string } {
  const w = `wamid.${++wamid}`;
  const id = Number(
    run(
      `INSERT INTO messages (conversation_id, direction, wa_message_id, kind, text, payload, status,
         cost_usd, created_at, updated_at)
       VALUES (?, ?, ?, 'text', ?, ?, ?, ?, ?, ?)`,
      conversationId,
      over.direction ?? "in",
      w,
      over.text ?? "nomor saya +62 812 0000 1111",
      JSON.stringify({
        content: { kind: "text", body: over.text },
        raw: { from: "6281200001111" },
      }),
      over.status ?? "handled",
      over.cost ?? null,
      at,
      at,
    ).lastInsertRowid,
  );
  return { id, wamid: w };
}

function statusEvent(w: string, at: number) {
  run(
    `INSERT INTO status_events (wa_message_id, status, at, payload, created_at)
     VALUES (?, 'delivered', ?, ?, ?)`,
    w,
    at,
    JSON.stringify({ recipient_id: "6281200001111" }),
    at,
  );
}

function job(orderKey: string, state: string, at: number) {
  run(
    `INSERT INTO jobs (kind, order_key, payload, state, max_attempts, run_at, created_at, updated_at)
     VALUES ('slack.relay', ?, ?, ?, 8, ?, ?, ?)`,
    orderKey,
    JSON.stringify({ text: "balasan agen" }),
    state,
    at,
    at,
    at,
  );
}

describe("message retention", () => {
  it("redacts old texts, raw JSON, finished job payloads and quiet summaries; keeps the figures", () => {
    const k = contact("6281200001111", RECENT);
    const quiet = conversation(k, OLD, "Customer asked about a refund");
    const old = message(quiet, OLD, { direction: "out", status: "read", cost: 0.01 });
    const unsent = message(quiet, OLD, { direction: "out", status: "queued" });
    const young = message(quiet, RECENT);
    statusEvent(old.wamid, OLD);
    statusEvent(young.wamid, RECENT);
    job(`slack:conversation:${quiet}`, "done", OLD);
    job(`conversation:${quiet}`, "pending", OLD);
    job(`conversation:${quiet}`, "done", RECENT);

    const plan = planRetention(t.db, SETTINGS, NOW);
    expect(plan.counts).toEqual({
      messages: 1,
      statusEvents: 1,
      jobPayloads: 1,
      summaries: 1,
      contacts: 0,
      inUse: 2,
    });
    // A dry run changes nothing.
    expect(get("SELECT text FROM messages WHERE id = ?", old.id)).toMatchObject({
      text: expect.stringContaining("812"),
    });

    const report = applyRetention(t.db, SETTINGS, NOW);
    expect(report.dryRun).toBe(false);
    expect(report.counts).toEqual({ ...plan.counts });

    const redacted = get<Record<string, unknown>>("SELECT * FROM messages WHERE id = ?", old.id);
    expect(redacted).toMatchObject({
      text: "",
      payload: REDACTED_PAYLOAD,
      kind: "text",
      direction: "out",
      status: "read",
      cost_usd: 0.01,
      created_at: OLD,
      wa_message_id: old.wamid,
    });
    expect(get("SELECT text FROM messages WHERE id = ?", young.id)).toMatchObject({
      text: expect.stringContaining("812"),
    });
    expect(get("SELECT text FROM messages WHERE id = ?", unsent.id)).toMatchObject({
      text: expect.stringContaining("812"),
    });
    expect(all("SELECT payload FROM status_events ORDER BY id").map((r) => r.payload)).toEqual([
      REDACTED_PAYLOAD,
      expect.stringContaining("recipient_id"),
    ]);
    expect(all("SELECT state, payload FROM jobs ORDER BY id")).toEqual([
      { state: "done", payload: null },
      { state: "pending", payload: expect.stringContaining("balasan") },
      { state: "done", payload: expect.stringContaining("balasan") },
    ]);
    expect(get("SELECT summary FROM conversations WHERE id = ?", quiet)).toEqual({ summary: null });

    // Nothing left to do, except what is still in use.
    expect(applyRetention(t.db, SETTINGS, NOW).counts).toMatchObject({ messages: 0, inUse: 2 });
    // Once sent, the held-back message is redacted by the next run (the cursor waited for it).
    run("UPDATE messages SET status = 'sent' WHERE id = ?", unsent.id);
    expect(applyRetention(t.db, SETTINGS, NOW).counts.messages).toBe(1);
    expect(get("SELECT text FROM messages WHERE id = ?", unsent.id)).toEqual({ text: "" });
  });

  it("keeps everything with 0 days", () => {
    const k = contact("6281200001111", ANCIENT);
    message(conversation(k, ANCIENT, "s"), ANCIENT);
    const report = applyRetention(t.db, { messageDays: 0, contactDays: 0 }, NOW);
    expect(Object.values(report.counts).every((n) => n === 0)).toBe(true);
    expect(get("SELECT wa_id, text FROM contacts, messages")).toEqual({
      wa_id: "6281200001111",
      text: expect.stringContaining("812"),
    });
  });

  it("works in batches, one transaction each, yielding between them", () => {
    const conv = conversation(contact("6281200001111", RECENT), RECENT);
    const n = RETENTION_BATCH * 2 + 10;
    t.db.$client.transaction(() => {
      for (let i = 0; i < n; i++) message(conv, OLD);
    })();
    message(conv, RECENT);
    const steps = retentionSteps(t.db, SETTINGS, NOW);
    let yields = 0;
    let step = steps.next();
    while (!step.done) {
      expect(t.db.$client.inTransaction).toBe(false);
      yields++;
      step = steps.next();
    }
    expect(yields).toBeGreaterThanOrEqual(2);
    expect(step.value.counts.messages).toBe(n);
    expect(get("SELECT count(*) AS n FROM messages WHERE text <> ''")).toEqual({ n: 1 });
  });

  it("IN_USE_SQL says what isInUse says", () => {
    const conv = conversation(contact("1", RECENT), RECENT);
    const cases: [string, string][] = [];
    for (const direction of ["in", "out", "event"])
      for (const status of ["received", "handled", "group", "queued", "sending", "sent", "event"])
        cases.push([direction, status]);
    for (const [direction, status] of cases) message(conv, RECENT, { direction, status });
    const rows = all<{ direction: string; status: string; inUse: number }>(
      `SELECT direction, status, ${IN_USE_SQL} AS inUse FROM messages ORDER BY id`,
    );
    for (const r of rows) expect(Boolean(r.inUse), `${r.direction}/${r.status}`).toBe(isInUse(r));
  });
});

describe("contact retention", () => {
  it("anonymises contacts inactive for a year; a returning customer starts fresh", () => {
    const gone = contact("6281200001111", ANCIENT);
    const goneConv = conversation(gone, ANCIENT, "Budi wants a refund");
    const m = message(goneConv, ANCIENT);
    statusEvent(m.wamid, ANCIENT);
    run(
      "INSERT INTO contact_fields (contact_id, field, value) VALUES (?, 'email', 'budi@example.com')",
      gone,
    );
    run(
      `INSERT INTO agent_actions (conversation_id, source, action, args, outcome, detail, idempotency_key)
       VALUES (?, 'model', 'update_contact_field', '{"field":"email","value":"budi@example.com"}', 'applied', 'email set', 'a1')`,
      goneConv,
    );
    const byUserId = contact(null, ANCIENT, "US.999");
    // Old contact, but it wrote recently: kept.
    const active = contact("6281299998888", ANCIENT);
    message(conversation(active, ANCIENT), RECENT - 10 * DAY_MS);

    expect(planRetention(t.db, { messageDays: 0, contactDays: 365 }, NOW).counts.contacts).toBe(2);
    const report = applyRetention(t.db, { messageDays: 0, contactDays: 365 }, NOW);
    expect(report.counts).toMatchObject({
      contacts: 2,
      messages: 1,
      statusEvents: 1,
      summaries: 1,
    });

    for (const id of [gone, byUserId])
      expect(get("SELECT wa_id, user_id, profile_name FROM contacts WHERE id = ?", id)).toEqual({
        wa_id: null,
        user_id: null,
        profile_name: null,
      });
    expect(get("SELECT wa_id FROM contacts WHERE id = ?", active)).toEqual({
      wa_id: "6281299998888",
    });
    expect(get("SELECT text, payload FROM messages WHERE id = ?", m.id)).toEqual({
      text: "",
      payload: REDACTED_PAYLOAD,
    });
    expect(get("SELECT summary FROM conversations WHERE id = ?", goneConv)).toEqual({
      summary: null,
    });
    // What the agent learnt about them goes too; that an action happened stays.
    expect(get("SELECT count(*) AS n FROM contact_fields")).toEqual({ n: 0 });
    expect(get("SELECT action, args, detail FROM agent_actions")).toEqual({
      action: "update_contact_field",
      args: "{}",
      detail: null,
    });
    // Statistics still count the conversation and its message.
    expect(get("SELECT count(*) AS n FROM messages WHERE conversation_id = ?", goneConv)).toEqual({
      n: 1,
    });
    // The same number writing again is a new contact.
    const back = upsertContact(
      t.db,
      { waId: "6281200001111", userId: null, profileName: "Budi" } as Parameters<
        typeof upsertContact
      >[1],
      NOW,
    );
    expect(back?.id).not.toBe(gone as ContactId);
    expect(applyRetention(t.db, { messageDays: 0, contactDays: 365 }, NOW).counts.contacts).toBe(0);
  });
});

describe("retention timer", () => {
  it("runs on demand and on its timer, logs counts only, and stops cleanly", async () => {
    const conv = conversation(contact("6281200001111", RECENT), RECENT);
    message(conv, Date.now() - 100 * DAY_MS, { text: "rahasia saya" });
    const logs: { fields: Record<string, unknown>; msg: string }[] = [];
    const log = (fields: Record<string, unknown>, msg: string) => logs.push({ fields, msg });
    const timer = startRetentionTimer({
      db: t.db,
      settings: SETTINGS,
      logger: { info: log, debug: log, error: log },
      firstRunMs: 5,
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(get("SELECT text FROM messages")).toEqual({ text: "" });
    expect(logs[0]?.msg).toBe("retention applied");
    expect(logs[0]?.fields.counts).toMatchObject({ messages: 1 });
    expect(JSON.stringify(logs)).not.toContain("rahasia");
    expect((await timer.runNow())?.counts.messages).toBe(0);
    await timer.stop();
    expect(await timer.runNow()).toBeNull();
  });
});

describe("export and delete", () => {
  it("finds a contact by phone in any formatting, contact id or user id", () => {
    const k = contact("6281200001111", RECENT, "US.42");
    for (const q of ["+62 812-0000-1111", "6281200001111", String(k), `id:${k}`, "US.42"])
      expect(
        findContacts(t.db, q).map((c) => c.id),
        q,
      ).toEqual([k]);
    expect(findContacts(t.db, "+1 555 000")).toEqual([]);
  });

  it("exports everything about a contact and deletes it all, leaving others alone", () => {
    const k = contact("6281200001111", RECENT);
    const conv = conversation(k, RECENT, "summary");
    const m = message(conv, RECENT, { text: "halo" });
    statusEvent(m.wamid, RECENT);
    job(`slack:conversation:${conv}`, "done", RECENT);
    run(
      "INSERT INTO slack_threads (conversation_id, channel, root_ts, status, reason) VALUES (?, 'C1', '1.2', 'waiting', 'customer_request')",
      conv,
    );
    run(
      "INSERT INTO ai_calls (conversation_id, purpose, tier, model, outcome) VALUES (?, 'answer', 'fast', 'm', 'ok')",
      conv,
    );
    run(
      "INSERT INTO csat_surveys (conversation_id, agent_user_id, asked_at, rating, rated_at) VALUES (?, 'U1', ?, 3, ?)",
      conv,
      RECENT,
      RECENT,
    );
    run(
      "INSERT INTO contact_fields (contact_id, field, value) VALUES (?, 'email', 'rina@example.com')",
      k,
    );
    run(
      `INSERT INTO agent_actions (conversation_id, source, action, args, outcome, idempotency_key)
       VALUES (?, 'model', 'update_contact_field', '{"field":"email","value":"rina@example.com"}', 'applied', 'k1')`,
      conv,
    );
    const other = contact("6281299998888", RECENT);
    const otherConv = conversation(other, RECENT);
    message(otherConv, RECENT);

    const doc = exportContact(t.db, k) as Record<string, unknown[]> & {
      contact: Record<string, unknown>;
    };
    expect(doc.contact).toMatchObject({ id: k, wa_id: "6281200001111" });
    expect(doc.conversations).toHaveLength(1);
    expect(doc.messages).toEqual([
      expect.objectContaining({
        text: "halo",
        payload: expect.objectContaining({ raw: expect.anything() }),
      }),
    ]);
    expect(doc.statusEvents).toHaveLength(1);
    expect(doc.slackThreads).toHaveLength(1);
    expect(doc.aiCalls).toHaveLength(1);
    expect(doc.csatSurveys).toEqual([expect.objectContaining({ rating: 3 })]);
    expect(doc.contactFields).toEqual([expect.objectContaining({ value: "rina@example.com" })]);
    expect(doc.agentActions).toEqual([
      expect.objectContaining({ args: { field: "email", value: "rina@example.com" } }),
    ]);
    expect(doc.jobs).toHaveLength(1);

    const expected = {
      contacts: 1,
      conversations: 1,
      messages: 1,
      statusEvents: 1,
      slackThreads: 1,
      aiCalls: 1,
      csatSurveys: 1,
      contactFields: 1,
      agentActions: 1,
      jobs: 1,
    };
    expect(deleteContact(t.db, k, true)).toEqual(expected);
    expect(get("SELECT count(*) AS n FROM contacts")).toEqual({ n: 2 });
    expect(deleteContact(t.db, k, false)).toEqual(expected);
    expect(all("SELECT id FROM contacts")).toEqual([{ id: other }]);
    expect(all("SELECT conversation_id FROM messages")).toEqual([{ conversation_id: otherConv }]);
    for (const table of [
      "status_events",
      "slack_threads",
      "ai_calls",
      "csat_surveys",
      "contact_fields",
      "agent_actions",
      "jobs",
    ])
      expect(get(`SELECT count(*) AS n FROM ${table}`), table).toEqual({ n: 0 });
  });
});

describe("a run with nothing due", () => {
  it("writes nothing at all", () => {
    const conv = conversation(contact("6281200001111", RECENT), RECENT, "s");
    message(conv, RECENT);
    job(`conversation:${conv}`, "done", RECENT);
    const before = snapshot();
    expect(Object.values(applyRetention(t.db, SETTINGS, NOW).counts).every((n) => n === 0)).toBe(
      true,
    );
    expect(get("SELECT count(*) AS n FROM settings WHERE key LIKE 'retention.%'")).toEqual({
      n: 0,
    });
    expect(snapshot()).toEqual(before);
  });
});

/**
 * Everything stored: SQLite's database image, or on PostgreSQL every row of every table with
 * the transaction that last wrote it (`xmin`), so that even an update to the same values shows.
 */
function snapshot(): unknown {
  if (t.engine === "sqlite") return t.db.$client.serialize();
  const tables = all<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  return tables.map(({ name }) => [
    name,
    all(`SELECT CAST(xmin AS TEXT) AS written_by, * FROM "${name}" ORDER BY ctid`),
  ]);
}

describe("handoff summaries", () => {
  it("are cleared with the rolling summaries once the conversation is quiet, and counted first", () => {
    const quiet = conversation(contact("6281200001111", OLD), OLD);
    const live = conversation(contact("6281200002222", RECENT), RECENT);
    for (const conv of [quiet, live])
      run(
        "INSERT INTO slack_threads (conversation_id, channel, root_ts, status, reason, handoff_summary) VALUES (?, 'C1', ?, 'closed', 'r', 'Wants: a refund for order 123')",
        conv,
        `1.${conv}`,
      );
    expect(planRetention(t.db, SETTINGS, NOW).counts.summaries).toBe(1);
    expect(applyRetention(t.db, SETTINGS, NOW).counts.summaries).toBe(1);
    expect(all("SELECT conversation_id, handoff_summary FROM slack_threads ORDER BY id")).toEqual([
      { conversation_id: quiet, handoff_summary: null },
      { conversation_id: live, handoff_summary: "Wants: a refund for order 123" },
    ]);
  });
});
