import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { requestHandoff } from "../ai/handoff.ts";
import {
  AGENT_ACTION_JOB,
  type AgentActionJobPayload,
  type FollowUp,
} from "../core/agent-config.ts";
import type { ContactId, ConversationId } from "../core/ids.ts";
import type { InboundMessage } from "../core/inbound.ts";
import { type GraphEmulator, startGraphEmulator } from "../emulators/graph.ts";
import { claimDueJobs, enqueueJob } from "../jobs/repository.ts";
import { createJobRunner, type JobRunner } from "../jobs/runner.ts";
import type { JobHandler } from "../jobs/types.ts";
import { createLogger } from "../logger.ts";
import { queueOutbound } from "../outbound/queue.ts";
import { createSendJob } from "../outbound/send-job.ts";
import { failInserts } from "../store/fault-testing.ts";
import { setContactField } from "../store/repositories/contact-fields.ts";
import { transitionConversation } from "../store/repositories/conversations.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import { createGraphClient } from "../whatsapp/graph/client.ts";
import { ingestDelivery } from "../whatsapp/ingest.ts";
import type { NormalizedDelivery } from "../whatsapp/webhook/types.ts";
import {
  createFollowUpJob,
  FOLLOW_UP_JOB,
  type FollowUpJobPayload,
  scheduleFollowUps,
} from "./follow-ups.ts";

/**
 * Follow-ups on a controlled clock: the real job runner, repository, send job (against the Graph
 * emulator) and ingest, on a real SQLite file, with `now` moved by the test. The final action's
 * `agent.action` job is applied by a minimal stand-in here (the real one belongs to the actions
 * work): it closes the conversation or records the stage, so the chain sees its effect.
 */

/** A follow-up with a final action (shorthand: biome refuses a literal `then:` key). */
function step(after: string, message: string, then: NonNullable<FollowUp["then"]>): FollowUp {
  return { after, message, then };
}

const M = 60_000;
const H = 60 * M;
const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);

const logger = createLogger(
  "silent",
  new Writable({
    write: (_c, _e, cb) => cb(),
  }),
);

let t: TestDatabase;
let graph: GraphEmulator;
let clock: number;
let actions: AgentActionJobPayload[];
let n = 0;

beforeEach(async () => {
  t = openTestDatabase();
  graph = await startGraphEmulator({ accessToken: "tok", phoneNumberId: "PN1" });
  clock = T0;
  actions = [];
});
afterEach(async () => {
  await graph.close();
  t.cleanup();
});

/** Plain SQL on the test database (`t` is fresh in every test). */
const sql = {
  all: <R = Record<string, unknown>>(q: string, ...p: unknown[]) =>
    t.db.$client.prepare(q).all(...p) as R[],
  run: (q: string, ...p: unknown[]) => t.db.$client.prepare(q).run(...p),
};

/** The stand-in for the actions helper's `agent.action` handler. */
const actionStandIn: JobHandler<AgentActionJobPayload> = async (job, ctx) => {
  ctx.commit(() => {
    actions.push(job.payload);
    const { conversationId, request } = job.payload;
    if (request.action === "close_conversation")
      transitionConversation(t.db, conversationId as ConversationId, "bot", "closed", clock);
    if (request.action === "set_lifecycle_stage")
      sql.run(
        "UPDATE contacts SET lifecycle_stage = ? WHERE id = (SELECT contact_id FROM conversations WHERE id = ?)",
        request.stage,
        conversationId,
      );
  });
};

function runner(followUps: readonly FollowUp[], workerId = "w1", customFields: string[] = []) {
  const now = () => clock;
  return createJobRunner({
    db: t.db,
    logger,
    leaseMs: 30_000,
    pollMs: 10,
    concurrency: 2,
    backoff: { baseMs: 5, maxMs: 20 },
    workerId,
    now,
    handlers: {
      // The AI's turn is played by the test (`botReplies`); the Slack side is not under test.
      turn: async () => {},
      handoff: async () => {},
      send: createSendJob({
        db: t.db,
        logger,
        now,
        graph: createGraphClient({
          baseUrl: graph.url,
          version: "v25.0",
          accessToken: "tok",
          phoneNumberId: "PN1",
          timeoutMs: 2000,
        }),
      }) as never,
      [FOLLOW_UP_JOB]: createFollowUpJob({
        db: t.db,
        followUps,
        customFields,
        logger,
        now,
      }) as never,
      [AGENT_ACTION_JOB]: actionStandIn as never,
    },
  });
}

/** A customer message at the current clock, through the real ingest (window refreshed). */
function customerWrites(body: string, sentAt = clock) {
  n++;
  const msg: InboundMessage = {
    waMessageId: `wamid.f${n}` as InboundMessage["waMessageId"],
    sentAt,
    sender: { waId: "6281234" as never, userId: null, profileName: "Rina Wati" },
    phoneNumberId: "PN1",
    context: null,
    referral: null,
    groupId: null,
    content: { kind: "text", body },
    text: body,
    raw: {},
  };
  const delivery: NormalizedDelivery = {
    messages: [msg],
    events: [],
    statuses: [],
    templates: [],
    errors: [],
    ignoredFields: [],
  };
  ingestDelivery(t.db, delivery, { burstMs: 0, maxAttempts: 8 }, clock);
}

const conversationId = () =>
  sql.all<{ id: ConversationId }>("SELECT id FROM conversations ORDER BY id DESC LIMIT 1")[0]!.id;

/** What the responder's turn commit does: the AI's reply and the first follow-up, together. */
function botReplies(followUps: readonly FollowUp[], body = "Bisa, Kak.") {
  const id = conversationId();
  inTransaction(t.db, () => {
    queueOutbound(
      t.db,
      { conversationId: id, author: "bot", content: { kind: "text", body } },
      clock,
    );
    scheduleFollowUps(t.db, followUps, { conversationId: id, at: clock });
  });
}

const sentTexts = () => graph.sent.map((s) => (s.body.text as { body: string }).body);
const pendingFollowUps = () =>
  sql.all<{ payload: string; run_at: number }>(
    "SELECT payload, run_at FROM jobs WHERE kind = ? AND state = 'pending' ORDER BY id",
    FOLLOW_UP_JOB,
  );
async function at(ms: number, r: JobRunner) {
  clock = ms;
  await r.drain();
}

const twoSteps: FollowUp[] = [
  { after: "6h", message: "Halo $contact.first_name, masih ada yang bisa dibantu?" },
  step("12h", "Kami tutup dulu ya, Kak.", { action: "set_lifecycle_stage", stage: "Cold Lead" }),
];

describe("follow-ups on a controlled clock", () => {
  it("sends each follow-up on time and not before, the second after the first", async () => {
    const r = runner(twoSteps);
    customerWrites("Bisa kirim ke Bandung?");
    botReplies(twoSteps);
    await r.drain();
    expect(sentTexts()).toEqual(["Bisa, Kak."]);
    expect(pendingFollowUps()).toHaveLength(1);
    expect(pendingFollowUps()[0]!.run_at).toBe(T0 + 6 * H);

    await at(T0 + 6 * H - 1, r);
    expect(sentTexts()).toHaveLength(1);
    await at(T0 + 6 * H, r);
    // $contact.first_name filled from the contact, authored by the bot.
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Halo Rina, masih ada yang bisa dibantu?"]);
    expect(sql.all("SELECT author, status FROM messages WHERE direction = 'out'")).toEqual([
      { author: "bot", status: "accepted" },
      { author: "bot", status: "accepted" },
    ]);
    expect(actions).toEqual([]);

    // The second counts from the first: 12 hours after it, not after the reply.
    await at(T0 + 18 * H - 1, r);
    expect(sentTexts()).toHaveLength(2);
    await at(T0 + 18 * H, r);
    expect(sentTexts().at(-1)).toBe("Kami tutup dulu ya, Kak.");
    // Its final action runs after it, as an agent.action job from the follow-up.
    expect(actions).toEqual([
      {
        conversationId: conversationId(),
        causeMessageId: null,
        source: "follow_up",
        request: { action: "set_lifecycle_stage", stage: "Cold Lead" },
      },
    ]);
    expect(sql.all("SELECT lifecycle_stage FROM contacts")).toEqual([
      { lifecycle_stage: "Cold Lead" },
    ]);
    // The chain is over: nothing more is scheduled.
    expect(pendingFollowUps()).toEqual([]);
    await at(T0 + 48 * H, r);
    expect(sentTexts()).toHaveLength(3);
  });

  it("waits when a newer message moved the previous message", async () => {
    const r = runner(twoSteps);
    customerWrites("Halo");
    botReplies(twoSteps);
    await r.drain();
    // Something else was sent two hours later (a second AI message, a notice...).
    clock = T0 + 2 * H;
    inTransaction(t.db, () =>
      queueOutbound(
        t.db,
        {
          conversationId: conversationId(),
          author: "system",
          content: { kind: "text", body: "Info" },
        },
        clock,
      ),
    );
    await at(T0 + 6 * H, r);
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Info"]);
    expect(pendingFollowUps()[0]!.run_at).toBe(T0 + 8 * H);
    await at(T0 + 8 * H, r);
    expect(sentTexts().at(-1)).toBe("Halo Rina, masih ada yang bisa dibantu?");
  });

  it("is cancelled by a customer reply; the new answer starts a new chain", async () => {
    const r = runner(twoSteps);
    customerWrites("Halo");
    botReplies(twoSteps);
    await r.drain();
    clock = T0 + H;
    customerWrites("Oh iya, satu lagi");
    await at(T0 + 6 * H, r);
    // The customer wrote: the first chain's follow-up is not sent, and it schedules nothing.
    expect(sentTexts()).toEqual(["Bisa, Kak."]);
    expect(pendingFollowUps()).toEqual([]);

    clock = T0 + 6 * H + M;
    botReplies(twoSteps, "Siap.");
    await at(T0 + 12 * H + M, r);
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Siap.", "Halo Rina, masih ada yang bisa dibantu?"]);
  });

  it("a reply after the second chain started cancels the old chain's pending job at run time", async () => {
    const r = runner(twoSteps);
    customerWrites("Halo");
    botReplies(twoSteps);
    clock = T0 + H;
    customerWrites("Lagi");
    botReplies(twoSteps, "Siap.");
    await r.drain();
    expect(pendingFollowUps()).toHaveLength(2);
    await at(T0 + 7 * H, r);
    // Only the newer chain's follow-up, once.
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Siap.", "Halo Rina, masih ada yang bisa dibantu?"]);
  });

  const cancellations: [string, () => void][] = [
    [
      "a handoff",
      () =>
        requestHandoff(t.db, {
          conversationId: conversationId(),
          reason: "customer_request",
          detail: null,
          confidence: null,
          summary: null,
          lastCustomerText: "",
          language: "id",
          customerNotified: false,
          at: clock,
        }),
    ],
    [
      "a handoff handed back to the AI",
      () => {
        sql.run("UPDATE conversations SET state = 'escalated', handoff_at = ?", clock);
        transitionConversation(t.db, conversationId(), "escalated", "bot", clock);
      },
    ],
    ["a close", () => transitionConversation(t.db, conversationId(), "bot", "closed", clock)],
    [
      "an agent writing in the conversation",
      () =>
        inTransaction(t.db, () =>
          queueOutbound(
            t.db,
            {
              conversationId: conversationId(),
              author: "agent",
              content: { kind: "text", body: "Halo dari tim" },
            },
            clock,
          ),
        ),
    ],
    ["an opt-out", () => sql.run("UPDATE contacts SET opted_out_at = ?", clock)],
  ];
  for (const [what, act] of cancellations)
    it(`is cancelled by ${what}`, async () => {
      const r = runner(twoSteps);
      customerWrites("Halo");
      botReplies(twoSteps);
      await r.drain();
      const before = sentTexts().length;
      clock = T0 + H;
      act();
      await at(T0 + 24 * H, r);
      await at(T0 + 48 * H, r);
      expect(sentTexts().filter((s) => s.includes("Rina") || s.includes("tutup"))).toEqual([]);
      expect(sentTexts().length).toBeLessThanOrEqual(before + 1);
      expect(actions).toEqual([]);
      expect(pendingFollowUps()).toEqual([]);
      expect(
        sql.all("SELECT count(*) AS n FROM jobs WHERE kind = ? AND state = 'done'", FOLLOW_UP_JOB),
      ).toEqual([{ n: 1 }]);
    });

  it("after the window: skips the text but still runs the final action (close)", async () => {
    const closing: FollowUp[] = [
      { after: "20h", message: "Masih di sana, Kak?" },
      step("6h", "Kami tutup ya.", { action: "close_conversation" }),
    ];
    const r = runner(closing);
    customerWrites("Halo");
    botReplies(closing);
    await at(T0 + 20 * H, r);
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Masih di sana, Kak?"]);
    // The window closes at T0 + 24h; the second one is due at T0 + 26h.
    await at(T0 + 26 * H, r);
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Masih di sana, Kak?"]);
    expect(sql.all("SELECT count(*) AS n FROM messages WHERE direction = 'out'")).toEqual([
      { n: 2 },
    ]);
    expect(actions).toEqual([
      {
        conversationId: conversationId(),
        causeMessageId: null,
        source: "follow_up",
        request: {
          action: "close_conversation",
          summary: "Closed automatically: no answer from the customer after follow-up 2 of 2.",
        },
      },
    ]);
    expect(sql.all("SELECT state FROM conversations")).toEqual([{ state: "closed" }]);
    expect(pendingFollowUps()).toEqual([]);
  });

  it("a skipped follow-up keeps the chain going: later final actions still run", async () => {
    const late: FollowUp[] = [
      { after: "1d", message: "Halo?" },
      step("1h", "Tutup.", { action: "close_conversation" }),
    ];
    const r = runner(late);
    customerWrites("Halo");
    clock = T0 + H;
    botReplies(late);
    await r.drain();
    await at(T0 + 25 * H, r);
    await at(T0 + 26 * H, r);
    expect(sentTexts()).toEqual(["Bisa, Kak."]);
    expect(actions.map((a) => a.request.action)).toEqual(["close_conversation"]);
  });

  it("sends at most five, even if handed more", async () => {
    const six: FollowUp[] = Array.from({ length: 6 }, (_, i) => ({
      after: "1h",
      message: `#${i + 1}`,
    }));
    const r = runner(six);
    customerWrites("Halo");
    botReplies(six);
    for (let h = 1; h <= 8; h++) await at(T0 + h * H, r);
    expect(sentTexts()).toEqual(["Bisa, Kak.", "#1", "#2", "#3", "#4", "#5"]);
    expect(pendingFollowUps()).toEqual([]);
  });

  it("fills $contact variables from the contact's stored fields, leaving unknown ones out", async () => {
    const personal: FollowUp[] = [
      {
        after: "1h",
        message: "Kak $contact.firstname ($contact.email), paket $contact.plan? [$contact.company]",
      },
    ];
    const r = runner(personal, "w1", ["plan"]);
    customerWrites("Halo");
    botReplies(personal);
    const contactId = sql.all<{ id: ContactId }>("SELECT id FROM contacts")[0]!.id;
    setContactField(t.db, contactId, "email", "rina@example.com", clock);
    setContactField(t.db, contactId, "plan", "Premium", clock);
    await at(T0 + H, r);
    expect(sentTexts().at(-1)).toBe("Kak Rina (rina@example.com), paket Premium? []");
  });

  it("schedules nothing without follow-ups, and once for a retried reply commit", async () => {
    customerWrites("Halo");
    const id = conversationId();
    expect(scheduleFollowUps(t.db, [], { conversationId: id, at: clock })).toBeNull();
    expect(scheduleFollowUps(t.db, twoSteps, { conversationId: id, at: clock })).not.toBeNull();
    expect(scheduleFollowUps(t.db, twoSteps, { conversationId: id, at: clock + 5 })).toBeNull();
    const jobs = pendingFollowUps();
    expect(jobs).toHaveLength(1);
    const payload = JSON.parse(jobs[0]!.payload) as FollowUpJobPayload;
    const anchor = sql.all<{ id: number }>("SELECT id FROM messages WHERE direction = 'in'")[0]!.id;
    expect(payload).toEqual({
      conversationId: id,
      index: 0,
      anchorMessageId: anchor,
      startedAt: T0,
    });
    expect(sql.all("SELECT dedupe_key, order_key FROM jobs WHERE kind = ?", FOLLOW_UP_JOB)).toEqual(
      [{ dedupe_key: `follow-up:${id}:${anchor}:0`, order_key: null }],
    );
  });

  it("a worker that dies mid-run: the next one sends it once", async () => {
    const r = runner(twoSteps);
    customerWrites("Halo");
    botReplies(twoSteps);
    await r.drain();
    clock = T0 + 6 * H;
    // A worker claims the due follow-up and dies before committing anything.
    const claimed = inTransaction(t.db, () => claimDueJobs(t.db, "ghost", 10, 30_000, clock));
    expect(claimed.map((j) => j.kind)).toEqual([FOLLOW_UP_JOB]);
    await at(T0 + 6 * H + 1_000, r);
    expect(sentTexts()).toHaveLength(1);
    // Its lease runs out; another worker takes it over.
    await at(T0 + 6 * H + 31_000, runner(twoSteps, "w2"));
    await at(T0 + 6 * H + 60_000, r);
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Halo Rina, masih ada yang bisa dibantu?"]);
    expect(pendingFollowUps()).toHaveLength(1);
  });

  it("a run that fails mid-commit leaves nothing behind; the retry sends once", async () => {
    const oneWithAction: FollowUp[] = [
      step("1h", "Ping", { action: "set_lifecycle_stage", stage: "Cold Lead" }),
      { after: "1h", message: "Pong" },
    ];
    const r = runner(oneWithAction);
    customerWrites("Halo");
    botReplies(oneWithAction);
    await r.drain();
    // The action's insert fails after the message was queued in the same commit.
    const repaired = failInserts(
      t.db,
      "boom",
      "jobs",
      `NEW.kind = '${AGENT_ACTION_JOB}'`,
      "disk full",
    );
    await at(T0 + H, r);
    expect(sentTexts()).toEqual(["Bisa, Kak."]);
    expect(sql.all("SELECT count(*) AS n FROM messages WHERE direction = 'out'")).toEqual([
      { n: 1 },
    ]);
    expect(
      sql.all("SELECT state, last_error FROM jobs WHERE kind = ?", FOLLOW_UP_JOB),
    ).toMatchObject([{ state: "pending", last_error: expect.stringContaining("disk full") }]);
    repaired();
    await at(T0 + H + 1_000, r);
    await at(T0 + H + 2_000, r);
    expect(sentTexts()).toEqual(["Bisa, Kak.", "Ping"]);
    expect(actions).toHaveLength(1);
    expect(pendingFollowUps()).toHaveLength(1);
  });

  it("a job whose conversation is gone does nothing", async () => {
    const r = runner(twoSteps);
    enqueueJob(
      t.db,
      {
        kind: FOLLOW_UP_JOB,
        payload: { conversationId: 999, index: 0, anchorMessageId: null, startedAt: T0 },
      },
      T0,
    );
    await r.drain();
    expect(sql.all("SELECT state FROM jobs")).toEqual([{ state: "done" }]);
    expect(sentTexts()).toEqual([]);
  });
});
