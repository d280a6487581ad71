// `npm run db:migrate-to-pg` on a real PostgreSQL (JEMBATAN_TEST_PG_URL; skipped without it): a
// SQLite database filled through the service's own write paths (a WhatsApp delivery ingested,
// replies queued and sent, statuses, AI calls, a handoff with its Slack thread, a closed
// conversation's CSAT, contact fields, settings, audit, alerts, the answer cache, agent actions,
// job runs, a deleted contact) is moved, then compared table by table and value by value, roll-ups
// included; new rows on PostgreSQL get ids past the copied ones; the service's read functions
// answer the same on both engines. Then the refusals and failures, each leaving PostgreSQL as it
// was: a target with data, a URL that is not PostgreSQL, a row PostgreSQL rejects halfway through
// the copy, a copy that does not read back the same, a running service, a held write lock,
// broken foreign keys. And the per-table trigger path (no superuser).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAgentAction } from "../agent/record.ts";
import { lookupAnswer, storeAnswer } from "../ai/answer-cache.ts";
import { callTotals, failedCall, recordCall, textCall } from "../ai/call-log.ts";
import { requestHandoff } from "../ai/handoff.ts";
import { setAiSwitch } from "../ai/kill-switch.ts";
import { testPostgresUrl } from "../config.ts";
import { csatButtonId } from "../core/csat.ts";
import type { ContactId, ConversationId, MessageId } from "../core/ids.ts";
import {
  buttonReplyMessage,
  envelope,
  imageMessage,
  reactionMessage,
  statusUpdate,
  templateStatusUpdate,
  textMessage,
} from "../emulators/meta-webhook.ts";
import { createMetrics } from "../http/metrics.ts";
import {
  claimDueJobs,
  completeJob,
  enqueueJob,
  killJob,
  registerWorker,
  stopWorker,
} from "../jobs/repository.ts";
import { queueOutbound } from "../outbound/queue.ts";
import { failOutbound } from "../outbound/send-job.ts";
import { raiseAlert } from "../slack/alerts.ts";
import { recordControlChange } from "../slack/audit.ts";
import { askCsatOnClose, takeCsatTap } from "../slack/csat.ts";
import { homeInput } from "../slack/stats.ts";
import {
  createThread,
  linkSlackMessage,
  rememberUserName,
  threadForConversation,
  updateThread,
} from "../slack/store.ts";
import { type Db, openDatabase } from "../store/db.ts";
import { SyncPgClient } from "../store/pg/sync-client.ts";
import { updateRow } from "../store/prepared.ts";
import { getContactFields, setContactField } from "../store/repositories/contact-fields.ts";
import { getConversation, transitionConversation } from "../store/repositories/conversations.ts";
import { csatFigures } from "../store/repositories/csat.ts";
import { deleteContact, exportContact, findContacts } from "../store/retention.ts";
import { storedSettings, writeSetting } from "../store/runtime-settings.ts";
import { messages } from "../store/schema.ts";
import {
  createTestPgDatabase,
  openTestDatabase,
  type TestDatabase,
  type TestPgDatabase,
} from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import { ingestDelivery } from "../whatsapp/ingest.ts";
import { parseDelivery } from "../whatsapp/webhook/normalize.ts";
import type { NormalizedDelivery } from "../whatsapp/webhook/types.ts";
import {
  copyPlan,
  MigrationFailed,
  MigrationRefused,
  migrateToPostgres,
  runMigrateCommand,
} from "./migrate-to-pg.ts";

const PG = testPostgresUrl();
const TSX = import.meta.resolve("tsx");
const CLI = join(import.meta.dirname, "migrate-to-pg.ts");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.now();
const TZ = 7 * 60;
/** Larger than 2^53: an integer a JavaScript number cannot hold exactly. */
const BIG = "9007199254740993";

type Row = Record<string, unknown>;

const PLAN = copyPlan();
const TABLES = PLAN.map((t) => t.name);
const ROLLUPS = ["home_hourly", "home_daily", "conversation_state_counts", "failed_send_counts"];

/** One webhook body through the real parser. */
function parsed(body: unknown): NormalizedDelivery {
  const r = parseDelivery(body);
  if (!r.ok) throw new Error(r.error);
  return r.delivery;
}

const ingestOpts = {
  burstMs: 0,
  maxAttempts: 8,
  intercept: (db: Db, msg: Parameters<typeof takeCsatTap>[1], now: number) =>
    takeCsatTap(db, msg, now),
};

const secs = (ms: number) => Math.floor(ms / 1000);
const one = <T>(db: Db, sql: string, ...params: unknown[]) =>
  db.$client.prepare(sql).get(...params) as T;

/**
 * What a few days of the service leave behind, written through its own functions. Returns the
 * contact ids and the AUTOINCREMENT high-water marks the copy must keep.
 */
function fill(db: Db): { budi: ContactId; siti: ContactId } {
  const t0 = NOW - 30 * HOUR;
  // Two customers write in; one sends a picture, one a text full of quotes, emoji and a backslash.
  ingestDelivery(
    db,
    parsed(
      envelope(
        textMessage(`Halo, harga paket "Premium" 'VIP' berapa? 🙏 C:\\promo — ½ harga?`, {
          from: "6281111111",
          name: "Budi Santoso",
          id: "wamid.budi.1",
          timestamp: secs(t0),
        }),
        imageMessage({
          from: "6282222222",
          name: "Siti Ñúñez",
          id: "wamid.siti.1",
          timestamp: secs(t0 + MINUTE),
        }),
      ),
    ),
    ingestOpts,
    t0 + MINUTE,
  );
  const budiConv = one<{ id: ConversationId; contact_id: ContactId }>(
    db,
    "SELECT c.id, c.contact_id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.wa_id = ?",
    "6281111111",
  );
  const sitiConv = one<{ id: ConversationId; contact_id: ContactId }>(
    db,
    "SELECT c.id, c.contact_id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.wa_id = ?",
    "6282222222",
  );
  const budiIn = one<{ id: MessageId }>(
    db,
    "SELECT id FROM messages WHERE wa_message_id = ?",
    "wamid.budi.1",
  ).id;
  const sitiIn = one<{ id: MessageId }>(
    db,
    "SELECT id FROM messages WHERE wa_message_id = ?",
    "wamid.siti.1",
  ).id;

  // Their turns: model calls (one failed), a reply for Budi, a handoff for Siti.
  const usage = {
    inputTokens: 1234,
    outputTokens: 321,
    cacheWriteTokens: 0,
    cacheReadTokens: 4096,
  };
  const t1 = t0 + 2 * MINUTE;
  recordCall(
    db,
    budiConv.id,
    budiIn,
    textCall("answer", "fast", "claude-haiku-5-5", { ok: true, usage, latencyMs: 870 }),
    t1,
  );
  recordCall(
    db,
    budiConv.id,
    budiIn,
    textCall("answer", "smart", "claude-sonnet-5-5", { ok: true, usage, latencyMs: 2310 }),
    t1 + 1000,
  );
  recordCall(
    db,
    sitiConv.id,
    sitiIn,
    failedCall("answer", "fast", "claude-haiku-5-5", {
      latencyMs: 20_000,
      message: "timeout after 20 s",
    }),
    t1,
  );
  recordCall(
    db,
    budiConv.id,
    null,
    textCall("summary", "fast", "claude-haiku-5-5", { ok: true, usage, latencyMs: 400 }),
    t1 + 2000,
  );
  let reply = 0 as MessageId;
  inTransaction(db, () => {
    reply = queueOutbound(
      db,
      {
        conversationId: budiConv.id,
        author: "bot",
        content: { kind: "text", body: "Paket Premium Rp 150.000/bulan 😊" },
        replyTo: "wamid.budi.1",
      },
      t1 + 3000,
    );
    db.$client
      .prepare(
        "UPDATE messages SET ai_tier = 'smart', ai_confidence = 0.83, cost_usd = 0.0123 WHERE id = ?",
      )
      .run(reply);
    db.$client.prepare("UPDATE messages SET status = 'handled' WHERE id = ?").run(budiIn);
    requestHandoff(db, {
      conversationId: sitiConv.id,
      reason: "low_confidence",
      detail: "picture without a question",
      confidence: 0.31,
      summary: null,
      lastCustomerText: "",
      language: "id",
      customerNotified: false,
      at: t1 + 4000,
    });
  });
  // The reply is sent (its wamid recorded) and WhatsApp reports on it; the customer reacts.
  updateRow(db, messages, reply, {
    waMessageId: "wamid.out.budi.1",
    status: "accepted",
    statusAt: t1 + 5000,
    updatedAt: t1 + 5000,
  });
  ingestDelivery(
    db,
    parsed(
      envelope(
        statusUpdate({
          id: "wamid.out.budi.1",
          status: "delivered",
          recipientId: "6281111111",
          timestamp: secs(t1) + 6,
        }),
        statusUpdate({
          id: "wamid.out.budi.1",
          status: "read",
          recipientId: "6281111111",
          timestamp: secs(t1) + 60,
        }),
        reactionMessage("wamid.out.budi.1", "❤️", {
          from: "6281111111",
          name: "Budi Santoso",
          id: "wamid.budi.2",
          timestamp: secs(t1) + 61,
        }),
      ),
    ),
    ingestOpts,
    t1 + 61_000,
  );
  // A template's review.
  ingestDelivery(
    db,
    parsed(templateStatusUpdate({ name: "order_update", event: "APPROVED", language: "id" })),
    ingestOpts,
    t1 + 62_000,
  );

  // Slack: the handoff's thread, claimed by an agent who replies; one reply fails to send.
  const t2 = t0 + 10 * MINUTE;
  const thread = createThread(
    db,
    {
      conversationId: sitiConv.id,
      channel: "C0ESCALATE",
      reason: "low_confidence",
      confidence: 0.31,
      language: "id",
    },
    t2,
  );
  rememberUserName(db, "U0AGENT", "Ayu Lestari", t2);
  updateThread(
    db,
    thread.id,
    {
      rootTs: "1767225600.000100",
      status: "in_progress",
      agentUserId: "U0AGENT",
      agentName: "Ayu Lestari",
      firstHumanReplyAt: t2 + 4 * MINUTE,
      handoffSummary: "Siti sent a picture; wants to know the price.",
    },
    t2 + 4 * MINUTE,
  );
  transitionConversation(db, sitiConv.id, "escalated", "agent", t2 + 4 * MINUTE);
  linkSlackMessage(db, sitiIn, "C0ESCALATE", "1767225601.000200");
  let agentReply = 0 as MessageId;
  let lost = 0 as MessageId;
  inTransaction(db, () => {
    agentReply = queueOutbound(
      db,
      {
        conversationId: sitiConv.id,
        author: "agent",
        content: { kind: "text", body: "Halo Kak Siti, ini harganya ya" },
      },
      t2 + 4 * MINUTE,
    );
    lost = queueOutbound(
      db,
      {
        conversationId: sitiConv.id,
        author: "agent",
        content: { kind: "text", body: "(dikirim ulang)" },
      },
      t2 + 5 * MINUTE,
    );
  });
  linkSlackMessage(db, agentReply, "C0ESCALATE", "1767225602.000300");
  failOutbound(db, lost, 131047, "Re-engagement message", t2 + 6 * MINUTE);

  // The agent closes Siti's conversation: the CSAT question goes out and Siti taps "good".
  const t3 = t0 + 20 * MINUTE;
  inTransaction(db, () => {
    const before = threadForConversation(db, sitiConv.id)!;
    transitionConversation(db, sitiConv.id, "agent", "closed", t3);
    updateThread(db, before.id, { status: "closed" }, t3);
    askCsatOnClose(db, getConversation(db, sitiConv.id)!, before, true, t3);
  });
  ingestDelivery(
    db,
    parsed(
      buttonReplyMessage(csatButtonId(sitiConv.id, 3), "Puas", {
        from: "6282222222",
        name: "Siti Ñúñez",
        id: "wamid.siti.2",
        timestamp: secs(t3) + 30,
      }),
    ),
    ingestOpts,
    t3 + 30_000,
  );

  // The agent's actions and the contact fields they filled.
  recordAgentAction(
    db,
    {
      conversationId: budiConv.id,
      causeMessageId: budiIn,
      source: "model",
      action: "update_contact_field",
      args: { field: "email", value: "budi@example.com" },
      outcome: "applied",
      detail: "email set",
      idempotencyKey: `turn:${budiIn}:0`,
    },
    t1 + 3000,
  );
  recordAgentAction(
    db,
    {
      conversationId: budiConv.id,
      causeMessageId: budiIn,
      source: "model",
      action: "assign_team",
      args: { team: "nope" },
      outcome: "refused",
      detail: "no such team",
      idempotencyKey: `turn:${budiIn}:1`,
    },
    t1 + 3000,
  );
  setContactField(db, budiConv.contact_id, "email", "budi@example.com", t1 + 3000);
  setContactField(db, budiConv.contact_id, "company", "PT Maju Jaya", t1 + 3000);

  // Managers' controls, an alert, the answer cache.
  const t4 = t0 + 2 * HOUR;
  recordControlChange(
    db,
    { actor: "U0AGENT", action: "ai", from: "on", to: "off", at: t4 },
    "C0ALERTS",
    () => setAiSwitch(db, "off", t4),
  );
  writeSetting(db, "sla.minutes", "20", t4);
  writeSetting(db, "ai.threshold", "0.65", t4);
  raiseAlert(
    db,
    { channel: "C0ALERTS", cooldownMs: 30 * MINUTE },
    "whatsapp.account",
    "token expired (190)",
    t4,
  );
  storeAnswer(
    db,
    {
      key: "faq:jam-buka",
      question: "Jam buka toko?",
      answer: "Setiap hari 08.00–17.00",
      language: "id",
    },
    6 * HOUR,
    t4,
  );
  lookupAnswer(db, "faq:jam-buka", t4 + MINUTE);
  lookupAnswer(db, "faq:nothing", t4 + MINUTE);

  // The job runner: one run of every due job (done, one given up), then a clean stop.
  const t5 = t0 + 3 * HOUR;
  registerWorker(db, "worker-a", t5);
  const claimed = inTransaction(db, () => claimDueJobs(db, "worker-a", 100, 60_000, t5, t5 - 6000));
  expect(claimed.length).toBeGreaterThan(3);
  for (const [i, job] of claimed.entries()) {
    if (i === 0) killJob(db, job, "worker-a", "gave up: 400 Bad Request", t5 + 1000);
    else if (i % 3 !== 1) completeJob(db, job, "worker-a", t5 + 1000);
  }
  enqueueJob(
    db,
    { kind: "slack.announce", payload: { channel: "C0ALERTS", text: "later" }, runAt: NOW + HOUR },
    t5,
  );
  stopWorker(db, "worker-a", t5 + 2000);

  // A third customer asks to be forgotten: the newest ids are deleted, and must never come back.
  ingestDelivery(
    db,
    parsed(
      textMessage("hapus data saya", {
        from: "6283333333",
        name: "Rudi",
        id: "wamid.rudi.1",
        timestamp: secs(t5),
      }),
    ),
    ingestOpts,
    t5,
  );
  const rudi = one<{ id: number }>(db, "SELECT id FROM contacts WHERE wa_id = ?", "6283333333").id;
  deleteContact(db, rudi, false);

  // A counter past 2^53, which only an exact copy keeps.
  db.$client
    .prepare(`INSERT INTO counters (name, value, updated_at) VALUES ('edge.big', ${BIG}, ?)`)
    .run(t5);
  return { budi: budiConv.contact_id, siti: sitiConv.contact_id };
}

/** Every row of a table, as the service's own connection reads it, in key order. */
function dump(db: Db, table: string): Row[] {
  const key = PLAN.find((t) => t.name === table)!.key;
  const rows = db.$client.prepare(`SELECT * FROM ${table}`).all() as Row[];
  const k = (r: Row) => JSON.stringify(key.map((c) => r[c]));
  return rows.sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

function dumpAll(db: Db): Record<string, Row[]> {
  return Object.fromEntries(TABLES.map((t) => [t, dump(db, t)]));
}

/** Rows in every table of the target, through a raw connection (no migrations run). */
function pgCounts(url: string): Record<string, number> {
  const c = new SyncPgClient(url, "jembatan-test");
  try {
    const rows = c.query(
      TABLES.map((t) => `SELECT '${t}' AS t, count(*) AS n FROM "${t}"`).join(" UNION ALL "),
    ).rows as { t: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
  } finally {
    c.close();
  }
}

const zeroCounts = Object.fromEntries(TABLES.map((t) => [t, 0]));

/**
 * Fractions to 12 significant digits: the engines add up floating-point sums (costs) in their own
 * ways, which may differ in the last bit for the same rows.
 */
function rounded(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? v : Number(v.toPrecision(12));
  if (Array.isArray(v)) return v.map(rounded);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rounded(x)]));
  }
  return v;
}

/** The service's own figures: the Home tab (three ranges), /metrics, CSAT, costs, settings, a contact. */
async function serviceView(db: Db, contactId: number) {
  const metrics = await createMetrics(db, {
    utcOffsetMinutes: TZ,
    now: () => NOW,
  }).getMetricsAsJSON();
  return rounded({
    home: (["today", "7d", "30d"] as const).map((range) =>
      homeInput(db, NOW, {
        utcOffsetMinutes: TZ,
        slaMinutes: 20,
        state: { range, filter: "all", page: 0 },
        viewerUserId: "U0AGENT",
      }),
    ),
    // Each gauge's values sorted: GROUP BY hands them out in each engine's own order.
    metrics: metrics
      .filter((m) => !m.name.startsWith("jembatan_process_"))
      .map((m) => ({
        ...m,
        values: [...m.values].sort((a, b) =>
          JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1,
        ),
      })),
    csat: csatFigures(db, NOW - 7 * 24 * HOUR),
    calls: callTotals(db, NOW - 7 * 24 * HOUR),
    settings: storedSettings(db),
    found: findContacts(db, "+62 8111 1111"),
    fields: getContactFields(db, contactId as ContactId),
    exported: exportContact(db, contactId),
  }) as ServiceView;
}

interface ServiceView {
  home: ReturnType<typeof homeInput>[];
  csat: ReturnType<typeof csatFigures>;
  found: ReturnType<typeof findContacts>;
  fields: Record<string, string>;
}

describe.skipIf(!PG)("npm run db:migrate-to-pg", () => {
  let dir: string;
  let source: TestDatabase;
  let ids: { budi: ContactId; siti: ContactId };
  let sourceRows: Record<string, Row[]>;
  const targets: TestPgDatabase[] = [];
  const target = () => {
    const t = createTestPgDatabase();
    targets.push(t);
    return t;
  };
  /** A copy of the source file (VACUUM INTO: consistent, with the WAL folded in), changed by `edit`. */
  const variant = (name: string, edit: (raw: Database.Database) => void = () => {}) => {
    const path = join(dir, `${name}.sqlite`);
    source.db.$client.prepare("VACUUM INTO ?").run(path);
    chmodSync(path, 0o600);
    const raw = new Database(path);
    try {
      edit(raw);
    } finally {
      raw.close();
    }
    return path;
  };
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "jembatan-migrate-"));
    source = openTestDatabase("sqlite");
    ids = fill(source.db);
    sourceRows = dumpAll(source.db);
  });
  afterAll(() => {
    source?.cleanup();
    for (const t of targets) t.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("starts from a SQLite database with rows in every table", () => {
    const empty = TABLES.filter((t) => sourceRows[t]!.length === 0);
    expect(empty).toEqual([]);
    // Every table of schema.ts is in the plan, parents first.
    expect(TABLES.indexOf("contacts")).toBeLessThan(TABLES.indexOf("conversations"));
    expect(TABLES.indexOf("conversations")).toBeLessThan(TABLES.indexOf("messages"));
    expect(TABLES.indexOf("contacts")).toBeLessThan(TABLES.indexOf("contact_fields"));
    const seq = one<{ seq: number }>(
      source.db,
      "SELECT seq FROM sqlite_sequence WHERE name = 'contacts'",
    ).seq;
    expect(seq).toBeGreaterThan(Math.max(...sourceRows.contacts!.map((r) => Number(r.id))));
  });

  describe("the real command, with DATABASE_PATH and DATABASE_URL from the environment", () => {
    let pg: TestPgDatabase;
    let copy: Db;
    let run: { code: number | null; out: string; err: string };
    beforeAll(() => {
      pg = target();
      const r = spawnSync(process.execPath, ["--import", TSX, CLI], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", DATABASE_PATH: source.path, DATABASE_URL: pg.url },
        encoding: "utf8",
        timeout: 120_000,
      });
      run = { code: r.status, out: r.stdout, err: r.stderr };
      copy = openDatabase(pg.url);
    }, 150_000);
    afterAll(() => {
      if (copy?.$client.open) copy.$client.close();
    });

    it("succeeds, prints the counts and what to set, and leaves the SQLite file as it was", () => {
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      const lines = run.out.trim().split("\n");
      expect(lines.at(-1)).toMatch(
        /^Done\. Set DATABASE_URL=postgres:\/\/.* the SQLite file .*test\.sqlite was left untouched/,
      );
      expect(run.out).toMatch(/copied messages: \d+ rows/);
      for (const t of TABLES) {
        const n = sourceRows[t]!.length;
        expect(run.out).toMatch(new RegExp(`\\n${t}\\s+${n}\\s+${n}\\s+ok`));
      }
      expect(dumpAll(source.db)).toEqual(sourceRows);
    });

    it("copies every row of every table, values included", () => {
      expect(dumpAll(copy)).toEqual(sourceRows);
      for (const t of ROLLUPS) expect(dump(copy, t).length).toBeGreaterThan(0);
      // Exact beyond 2^53 (a JavaScript number would have rounded it).
      const big = "SELECT CAST(value AS TEXT) AS v FROM counters WHERE name = 'edge.big'";
      expect(one<{ v: string }>(copy, big).v).toBe(BIG);
      expect(one<{ v: string }>(source.db, big).v).toBe(BIG);
    });

    it("keeps the roll-ups equal to what the triggers keep from here on", () => {
      // The copy brought the roll-ups as they were; a new conversation moves them on PostgreSQL
      // exactly as on SQLite.
      const before = dump(copy, "conversation_state_counts");
      for (const db of [source.db, copy]) {
        ingestDelivery(
          db,
          parsed(
            textMessage("apakah masih buka?", {
              from: "6284444444",
              name: "Dewi",
              id: "wamid.dewi.1",
              timestamp: secs(NOW - MINUTE),
            }),
          ),
          ingestOpts,
          NOW - MINUTE,
        );
      }
      expect(dump(copy, "conversation_state_counts")).not.toEqual(before);
      for (const t of ROLLUPS) expect(dump(copy, t)).toEqual(dump(source.db, t));
    });

    it("answers the service's own questions the same on both engines", async () => {
      const onSqlite = await serviceView(source.db, ids.budi);
      const onPg = await serviceView(copy, ids.budi);
      expect(onPg).toEqual(onSqlite);
      // Not vacuous: the figures saw the history.
      expect(onSqlite.found.map((f) => f.id)).toEqual([ids.budi]);
      expect(onSqlite.home[2]!.figures.conversations).toBeGreaterThan(1);
      expect(onSqlite.home[2]!.figures.ai.calls).toBeGreaterThan(0);
      expect(onSqlite.csat.rated).toBeGreaterThan(0);
      expect(onSqlite.home[0]!.aiEnabled).toBe(false);
      expect(onSqlite.fields).toEqual({ company: "PT Maju Jaya", email: "budi@example.com" });
    });

    it("gives new rows ids past the copied ones, deleted ids included", () => {
      // Dewi, above, got the same id on both engines: past the deleted customer's, never reusing it.
      const dewi = "SELECT id FROM contacts WHERE wa_id = '6284444444'";
      expect(one<{ id: number }>(copy, dewi).id).toBe(one<{ id: number }>(source.db, dewi).id);
      const deleted = one<{ seq: number }>(
        source.db,
        "SELECT seq FROM sqlite_sequence WHERE name = 'contacts'",
      );
      expect(one<{ id: number }>(copy, dewi).id).toBe(deleted.seq);
      expect(deleted.seq - 1).toBeGreaterThan(
        Math.max(...sourceRows.contacts!.map((r) => Number(r.id))),
      );
      for (const db of [source.db, copy]) {
        enqueueJob(db, { kind: "test.after-move", payload: null }, NOW);
        db.$client
          .prepare("INSERT INTO audit_log (actor, action, at) VALUES ('cli', 'test', ?)")
          .run(NOW);
      }
      for (const t of ["jobs", "audit_log", "messages", "conversations"]) {
        const newest = `SELECT max(id) AS id FROM ${t}`;
        expect(one<{ id: number }>(copy, newest).id).toBe(
          one<{ id: number }>(source.db, newest).id,
        );
        expect(one<{ id: number }>(copy, newest).id).toBeGreaterThan(
          Math.max(...sourceRows[t]!.map((r) => Number(r.id))),
        );
      }
      expect(dumpAll(copy)).toEqual(dumpAll(source.db));
    });

    it("refuses a target that holds data, naming the tables, and changes nothing", () => {
      const before = dumpAll(copy);
      const o = io();
      expect(
        runMigrateCommand(
          ["--from", source.path, "--to", pg.url],
          { databasePath: "unused", databaseUrl: null },
          o.io,
        ),
      ).toBe(1);
      expect(o.err.join("\n")).toMatch(
        /already holds data: .*contacts \(\d+ rows\).*nothing was copied/s,
      );
      expect(dumpAll(copy)).toEqual(before);
    }, 60_000);
  });

  it("rolls everything back when PostgreSQL rejects a row halfway through", () => {
    // SQLite text may hold U+0000; PostgreSQL's may not. slack_users comes late in the copy, after
    // contacts, conversations, messages and jobs went in.
    const path = variant("nul", (raw) =>
      raw.prepare("UPDATE slack_users SET display_name = 'Ayu' || char(0) || 'Lestari'").run(),
    );
    expect(TABLES.indexOf("slack_users")).toBeGreaterThan(TABLES.indexOf("messages"));
    const pg = target();
    const o = io();
    expect(
      runMigrateCommand(
        ["--from", path, "--to", pg.url],
        { databasePath: "x", databaseUrl: null },
        o.io,
      ),
    ).toBe(1);
    expect(o.out.join("\n")).toMatch(/copied messages: \d+ rows/);
    expect(o.err.join("\n")).toMatch(/Copying slack_users failed .*NUL character.*rolled back/s);
    expect(pgCounts(pg.url)).toEqual(zeroCounts);
    // The sequences were not moved either.
    const c = new SyncPgClient(pg.url, "jembatan-test");
    try {
      expect(c.query("SELECT last_value, is_called FROM contacts_id_seq").rows).toEqual([
        { last_value: 1, is_called: 0 },
      ]);
    } finally {
      c.close();
    }
  }, 60_000);

  it("rolls back when what PostgreSQL holds does not read back as the SQLite rows", () => {
    // A trigger that fires even with replication triggers off changes what is stored: the
    // read-back checksum must catch it.
    const pg = target();
    openDatabase(pg.url).$client.close();
    const c = new SyncPgClient(pg.url, "jembatan-test");
    try {
      c.query(`CREATE FUNCTION test_mangle() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.profile_name := upper(NEW.profile_name); RETURN NEW; END $$`);
      c.query(
        "CREATE TRIGGER test_mangle BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION test_mangle()",
      );
      c.query("ALTER TABLE contacts ENABLE ALWAYS TRIGGER test_mangle");
    } finally {
      c.close();
    }
    const o = io();
    expect(
      runMigrateCommand(
        ["--from", source.path, "--to", pg.url],
        { databasePath: "x", databaseUrl: null },
        o.io,
      ),
    ).toBe(1);
    expect(o.err.join("\n")).toMatch(
      /does not match the SQLite file in contacts \(\d+ rows in SQLite, \d+ in PostgreSQL, checksum differs\).*rolled back/,
    );
    expect(o.out.join("\n")).toMatch(/\ncontacts\s+\d+\s+\d+\s+differs/);
    expect(pgCounts(pg.url)).toEqual(zeroCounts);
  }, 60_000);

  it("refuses while the service runs on the file: a fresh heartbeat, or its write lock", () => {
    const live = variant("live", (raw) =>
      raw
        .prepare(
          "INSERT INTO workers (id, pid, started_at, heartbeat_at) VALUES ('w-live', 4242, ?, ?)",
        )
        .run(Date.now() - HOUR, Date.now() - 3000),
    );
    const pg = target();
    expect(() => migrateToPostgres({ from: live, to: pg.url })).toThrow(
      /job runner w-live \(pid 4242\) beat \d+ s ago/,
    );
    expect(pgCounts(pg.url)).toEqual(zeroCounts);

    // In WAL mode, as the service keeps it: readers go on, the one writer holds the lock.
    const locked = variant("locked", (raw) => raw.pragma("journal_mode = WAL"));
    const other = new Database(locked);
    other.exec("BEGIN IMMEDIATE");
    try {
      expect(() => migrateToPostgres({ from: locked, to: pg.url, lockWaitMs: 200 })).toThrow(
        MigrationRefused,
      );
      expect(() => migrateToPostgres({ from: locked, to: pg.url, lockWaitMs: 200 })).toThrow(
        /Another process is writing to/,
      );
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(pgCounts(pg.url)).toEqual(zeroCounts);
  }, 60_000);

  it("refuses a file whose foreign keys do not hold", () => {
    const broken = variant("orphan", (raw) => {
      raw.pragma("foreign_keys = OFF");
      raw
        .prepare(
          "INSERT INTO messages (conversation_id, direction, kind, payload, status) VALUES (999999, 'in', 'text', '{}', 'received')",
        )
        .run();
    });
    const pg = target();
    expect(() => migrateToPostgres({ from: broken, to: pg.url })).toThrow(
      /messages → conversations: 1/,
    );
    expect(pgCounts(pg.url)).toEqual(zeroCounts);
  }, 60_000);

  it("copies the same with ALTER TABLE ... DISABLE TRIGGER (no superuser), and turns them back on", () => {
    const path = variant("alter");
    const pg = target();
    const report = migrateToPostgres({
      from: path,
      to: pg.url,
      triggers: "alter_table",
      batchRows: 7,
    });
    expect(report.triggers).toBe("alter_table");
    expect(report.tables.every((t) => t.checksum === "ok" && t.sqliteRows === t.postgresRows)).toBe(
      true,
    );
    const copy = openDatabase(pg.url);
    const file = openDatabase(path);
    try {
      expect(dumpAll(copy)).toEqual(dumpAll(file));
      const off = one<{ n: number }>(
        copy,
        "SELECT count(*) AS n FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'",
      );
      expect(Number(off.n)).toBe(0);
    } finally {
      copy.$client.close();
      file.$client.close();
    }
  }, 60_000);
});

describe("npm run db:migrate-to-pg: what it refuses before connecting", () => {
  let dir: string;
  let source: TestDatabase;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "jembatan-migrate-args-"));
    source = openTestDatabase("sqlite");
    ingestDelivery(
      source.db,
      parsed(textMessage("halo", { from: "6281111111", id: "wamid.a.1" })),
      ingestOpts,
    );
  });
  afterAll(() => {
    source?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const run = (args: string[], databaseUrl: string | null = null) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runMigrateCommand(
      args,
      { databasePath: join(dir, "default.sqlite"), databaseUrl },
      {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      },
    );
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it("a URL that is not PostgreSQL, without echoing its password", () => {
    const r = run(["--from", source.path, "--to", "mysql://root:s3cret@db/jembatan"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^The target is not a PostgreSQL URL \(it starts with "mysql:"\)/);
    expect(r.err).not.toMatch(/s3cret/);
    // DATABASE_URL is checked the same way.
    expect(run(["--from", source.path], "sqlite:db/x.sqlite").code).toBe(1);
    expect(run(["--from", source.path, "--to", "postgresql://"]).err).toMatch(/cannot be read/);
  });

  it("no target at all, an unknown option, a SQLite file that is not there", () => {
    const none = run(["--from", source.path]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/No PostgreSQL database given: pass --to .* or set DATABASE_URL/);
    const unknown = run(["--form", source.path]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/usage: npm run db:migrate-to-pg/);
    // DATABASE_PATH's default file does not exist here: refused, and not created.
    const missing = run([], "postgres://u@127.0.0.1:1/x");
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /There is no SQLite file at .*default\.sqlite.*no file was created/,
    );
    expect(existsSync(join(dir, "default.sqlite"))).toBe(false);
  });

  it("a PostgreSQL that cannot be reached, before the SQLite file is opened", () => {
    const before = dumpAll(source.db);
    const r = run(["--from", source.path, "--to", "postgres://jembatan:pw@127.0.0.1:1/jembatan"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^Could not connect to PostgreSQL at postgres:\/\/jembatan:\*\*\*@127\.0\.0\.1:1\/jembatan/,
    );
    expect(r.err).not.toMatch(/:pw@/);
    expect(() =>
      migrateToPostgres({ from: source.path, to: "postgres://u@127.0.0.1:1/x" }),
    ).toThrow(MigrationRefused);
    expect(dumpAll(source.db)).toEqual(before);
    expect(new MigrationFailed("x")).toBeInstanceOf(Error);
  });
});
