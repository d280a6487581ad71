import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId, MessageId } from "../core/ids.ts";
import { type GraphEmulator, startGraphEmulator } from "../emulators/graph.ts";
import { claimDueJobs } from "../jobs/repository.ts";
import { createJobRunner, type JobRunner } from "../jobs/runner.ts";
import { createLogger } from "../logger.ts";
import { upsertContact } from "../store/repositories/contacts.ts";
import {
  findOrOpenConversation,
  touchCustomerActivity,
} from "../store/repositories/conversations.ts";
import { applyStatus, getMessage } from "../store/repositories/messages.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import { createGraphClient } from "../whatsapp/graph/client.ts";
import type { StatusUpdate } from "../whatsapp/webhook/types.ts";
import { callbackDataFor, queueOutbound } from "./queue.ts";
import { createSendJob, type SendJobDeps, sendJobDeadHandler } from "./send-job.ts";
import type { OutboundContent } from "./types.ts";

let t: TestDatabase;
let graph: GraphEmulator;
let failed: { id: MessageId; code: number | null; reason: string }[];
let runner: JobRunner | null;

const logger = createLogger(
  "silent",
  new Writable({
    write: (_c, _e, cb) => cb(),
  }),
);

beforeEach(async () => {
  t = openTestDatabase();
  graph = await startGraphEmulator({ accessToken: "tok", phoneNumberId: "PN1" });
  failed = [];
  runner = null;
});
afterEach(async () => {
  await runner?.stop(1000);
  await graph.close();
  t.cleanup();
});

function makeRunner(extra: Partial<SendJobDeps> = {}, timeoutMs = 1000) {
  const client = createGraphClient({
    baseUrl: graph.url,
    version: "v25.0",
    accessToken: "tok",
    phoneNumberId: "PN1",
    timeoutMs,
  });
  runner = createJobRunner({
    db: t.db,
    logger,
    leaseMs: 10_000,
    pollMs: 10,
    concurrency: 2,
    backoff: { baseMs: 5, maxMs: 20 },
    onDead: {
      send: sendJobDeadHandler({
        db: t.db,
        onFailed: (id, code, reason) => failed.push({ id, code, reason }),
      }) as never,
    },
    handlers: {
      send: createSendJob({
        db: t.db,
        graph: client,
        logger,
        onFailed: (id, code, reason) => failed.push({ id, code, reason }),
        ...extra,
      }) as never,
    },
  });
  return runner;
}

/** A conversation whose customer last wrote `minutesAgo` minutes ago. */
function conversation(minutesAgo = 5): ConversationId {
  return inTransaction(t.db, () => {
    const now = Date.now();
    const contact = upsertContact(
      t.db,
      { waId: "6281234" as never, userId: null, profileName: "Rina" },
      now,
    )!;
    const conv = findOrOpenConversation(t.db, contact.id, now);
    const last = now - minutesAgo * 60_000;
    touchCustomerActivity(t.db, conv.id, last + 24 * 3600_000, last, now);
    return conv.id;
  });
}

function queue(
  conversationId: ConversationId,
  content: OutboundContent = { kind: "text", body: "Halo Kak Rina!" },
) {
  return inTransaction(t.db, () => queueOutbound(t.db, { conversationId, author: "bot", content }));
}

const jobState = () => t.db.$client.prepare("select state, attempts from jobs").all();

describe("send job", () => {
  it("sends once, with our id as callback data, and records the wamid", async () => {
    const id = queue(conversation());
    await makeRunner().drain();
    expect(graph.sent).toHaveLength(1);
    expect(graph.sent[0]).toMatchObject({
      to: "6281234",
      type: "text",
      callbackData: callbackDataFor(id),
    });
    expect(getMessage(t.db, id)).toMatchObject({
      status: "accepted",
      waMessageId: graph.sent[0]!.waMessageId,
    });
    expect(jobState()).toEqual([{ state: "done", attempts: 1 }]);
  });

  it("sends the messages of a conversation in order", async () => {
    const conv = conversation();
    for (const body of ["satu", "dua", "tiga"]) queue(conv, { kind: "text", body });
    await makeRunner().drain();
    expect(graph.sent.map((s) => (s.body.text as { body: string }).body)).toEqual([
      "satu",
      "dua",
      "tiga",
    ]);
  });

  it("does not send free text after the 24-hour window and says why", async () => {
    const id = queue(conversation(25 * 60));
    await makeRunner().drain();
    expect(graph.sent).toHaveLength(0);
    expect(getMessage(t.db, id)).toMatchObject({ status: "failed", errorCode: 131047 });
    expect(failed).toEqual([
      { id, code: 131047, reason: expect.stringContaining("window closed") },
    ]);
  });

  it("still sends a template after the window", async () => {
    const id = queue(conversation(25 * 60), {
      kind: "template",
      template: { name: "follow_up", language: "id" },
    });
    await makeRunner().drain();
    expect(graph.sent).toHaveLength(1);
    expect(getMessage(t.db, id)?.status).toBe("accepted");
  });

  it("retries a transient Graph failure and sends exactly once", async () => {
    graph.failNext({ route: "messages", httpStatus: 500, code: 131000 }, 2);
    const id = queue(conversation());
    const r = makeRunner();
    r.start();
    await expect.poll(() => getMessage(t.db, id)?.status, { timeout: 3000 }).toBe("accepted");
    expect(graph.sent).toHaveLength(1);
    expect(jobState()).toEqual([{ state: "done", attempts: 3 }]);
  });

  it("marks an undeliverable number failed without retrying", async () => {
    graph.failNext({ route: "messages", code: 131026, message: "Message undeliverable" });
    const id = queue(conversation());
    await makeRunner().drain();
    expect(getMessage(t.db, id)).toMatchObject({ status: "failed", errorCode: 131026 });
    expect(jobState()).toEqual([{ state: "done", attempts: 1 }]);
  });

  it("treats 131047 from the API as window closed", async () => {
    graph.failNext({ route: "messages", code: 131047 });
    const id = queue(conversation());
    await makeRunner().drain();
    expect(getMessage(t.db, id)).toMatchObject({ status: "failed", errorCode: 131047 });
  });

  it("keeps the message for later when the token is expired", async () => {
    graph.failNext({ route: "messages", code: 190, httpStatus: 401 });
    const id = queue(conversation());
    await makeRunner({ operatorRetryMs: 60_000 }).drain();
    expect(getMessage(t.db, id)?.status).toBe("queued");
    expect(jobState()).toEqual([{ state: "pending", attempts: 0 }]);
  });

  describe("when the outcome of a send is unknown (timeout or crash mid-call)", () => {
    it("does not send again once a status webhook proves the first attempt was accepted", async () => {
      graph.setLatency(300);
      const id = queue(conversation());
      // The call times out on our side but Meta accepts it.
      await makeRunner({ unknownOutcomeWaitMs: 60_000 }, 100).drain();
      expect(getMessage(t.db, id)?.status).toBe("sending");
      await graph.waitFor((g) => g.sent.length === 1, 2000);
      const accepted = graph.sent[0]!;
      const sentStatus: StatusUpdate = {
        waMessageId: accepted.waMessageId as StatusUpdate["waMessageId"],
        status: "sent",
        at: Date.now(),
        recipientId: "6281234",
        callbackData: accepted.callbackData,
        errors: [],
        pricingCategory: null,
        raw: {},
      };
      inTransaction(t.db, () => applyStatus(t.db, sentStatus, Date.now()));
      graph.setLatency(0);
      t.db.$client.exec("update jobs set run_at = 0");
      await runner!.drain();
      expect(graph.sent).toHaveLength(1);
      expect(getMessage(t.db, id)).toMatchObject({
        status: "sent",
        waMessageId: accepted.waMessageId,
      });
    });

    it("waits before resending, then resends when no proof arrives", async () => {
      graph.failNext({ route: "messages", dropConnection: true });
      const id = queue(conversation());
      await makeRunner({ unknownOutcomeWaitMs: 150 }).drain();
      expect(getMessage(t.db, id)?.status).toBe("sending");
      expect(jobState()).toEqual([{ state: "pending", attempts: 1 }]);
      // Due again after backoff, but the wait for a status webhook is not over yet.
      t.db.$client.exec("update jobs set run_at = 0");
      await runner!.drain();
      expect(graph.sent).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 200));
      t.db.$client.exec("update jobs set run_at = 0");
      await runner!.drain();
      expect(graph.sent).toHaveLength(1);
      expect(getMessage(t.db, id)?.status).toBe("accepted");
    });
  });

  it("a run that lost its lease before sending stops instead of sending a second time", async () => {
    const id = queue(conversation());
    const client = createGraphClient({
      baseUrl: graph.url,
      version: "v25.0",
      accessToken: "tok",
      phoneNumberId: "PN1",
      timeoutMs: 1000,
    });
    const send = createSendJob({ db: t.db, graph: client, logger });
    let release!: () => void;
    const stalled = new Promise<void>((r) => {
      release = r;
    });
    // This run stalls right after its claim, as a paused process would.
    runner = createJobRunner({
      db: t.db,
      logger,
      leaseMs: 60_000,
      pollMs: 10,
      concurrency: 1,
      handlers: { send: (async (job, ctx) => stalled.then(() => send(job, ctx))) as typeof send },
    });
    const drained = runner.drain();
    await new Promise((r) => setTimeout(r, 20));
    // Meanwhile its lease expires and another worker takes the job (it may be sending now).
    t.db.$client.exec("update jobs set lease_until = 0");
    expect(
      inTransaction(t.db, () => claimDueJobs(t.db, "other", 1, 60_000, Date.now())),
    ).toHaveLength(1);
    release();
    await drained;
    expect(graph.sent).toHaveLength(0);
    expect(getMessage(t.db, id)?.status).toBe("queued");
    expect(t.db.$client.prepare("select state, locked_by from jobs").all()).toEqual([
      { state: "running", locked_by: "other" },
    ]);
  });

  it("marks the message failed and tells the agent when the job gives up", async () => {
    graph.failNext({ route: "messages", httpStatus: 503 }, 10);
    const id = inTransaction(t.db, () =>
      queueOutbound(t.db, {
        conversationId: conversation(),
        author: "agent",
        content: { kind: "text", body: "Halo" },
        maxAttempts: 2,
      }),
    );
    const r = makeRunner();
    r.start();
    await expect.poll(() => getMessage(t.db, id)?.status, { timeout: 3000 }).toBe("failed");
    expect(jobState()).toEqual([{ state: "dead", attempts: 2 }]);
    expect(failed).toEqual([
      { id, code: null, reason: expect.stringContaining("gave up after 2 attempt(s)") },
    ]);
    expect(graph.sent).toHaveLength(0);
  });
});
