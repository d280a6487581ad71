import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId, MessageId } from "../core/ids.ts";
import { OPTED_OUT_REASON } from "../core/opt-out.ts";
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
    // Retries come well after a run's own database work (milliseconds on PostgreSQL), so that
    // drain() returns with a failed job waiting instead of running it again at once.
    backoff: { baseMs: 200, maxMs: 400 },
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

  it("sends nothing but the opt-out confirmation to an opted-out contact, and says why", async () => {
    const conv = conversation();
    t.db.$client.prepare("update contacts set opted_out_at = ?").run(Date.now());
    const reply = queue(conv);
    const template = queue(conv, {
      kind: "template",
      template: { name: "follow_up", language: "id" },
    });
    const confirmation = queue(conv, {
      kind: "text",
      body: "Baik Kak, Kakak tidak akan menerima pesan dari kami lagi.",
      purpose: "opt_out_confirmation",
    });
    await makeRunner().drain();
    expect(graph.sent.map((s) => (s.body.text as { body: string } | undefined)?.body)).toEqual([
      "Baik Kak, Kakak tidak akan menerima pesan dari kami lagi.",
    ]);
    expect(getMessage(t.db, confirmation)?.status).toBe("accepted");
    for (const id of [reply, template]) {
      expect(getMessage(t.db, id)).toMatchObject({
        status: "failed",
        errorCode: null,
        errorDetail: OPTED_OUT_REASON,
      });
    }
    expect(failed).toEqual([
      { id: reply, code: null, reason: OPTED_OUT_REASON },
      { id: template, code: null, reason: OPTED_OUT_REASON },
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

    it("counts the wait from this process's start: after a long outage, a late webhook still helps", async () => {
      graph.failNext({ route: "messages", dropConnection: true });
      const id = queue(conversation());
      const startedAt = Date.now();
      await makeRunner({ unknownOutcomeWaitMs: 1000, upSince: () => startedAt }).drain();
      expect(getMessage(t.db, id)?.status).toBe("sending");
      // The first attempt was long ago (a crash loop, an outage), but this process only just
      // came up: Meta's redelivery of the status webhook may still be on its way, so it waits.
      t.db.$client.exec("update messages set send_started_at = 1 where direction = 'out'");
      t.db.$client.exec("update jobs set run_at = 0");
      runner!.wake();
      await new Promise((r) => setTimeout(r, 100));
      await runner!.drain();
      expect(graph.sent).toHaveLength(0);
      expect(t.db.$client.prepare("select state, attempts, last_error e from jobs").all()).toEqual([
        {
          state: "pending",
          attempts: 1, // a reschedule counts no attempt; the reason shows the job ran and waited
          e: expect.stringContaining("waiting for a status webhook"),
        },
      ]);
      await new Promise((r) => setTimeout(r, 1100));
      t.db.$client.exec("update jobs set run_at = 0");
      runner!.wake();
      await new Promise((r) => setTimeout(r, 100));
      await runner!.drain();
      expect(graph.sent).toHaveLength(1);
    });

    it("waits before resending, then resends when no proof arrives", async () => {
      graph.failNext({ route: "messages", dropConnection: true });
      const id = queue(conversation());
      await makeRunner({ unknownOutcomeWaitMs: 1000 }).drain();
      expect(getMessage(t.db, id)?.status).toBe("sending");
      expect(jobState()).toEqual([{ state: "pending", attempts: 1 }]);
      // Due again after backoff, but the wait for a status webhook is not over yet.
      t.db.$client.exec("update jobs set run_at = 0");
      await runner!.drain();
      expect(graph.sent).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 1100));
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

describe("send outcome: not sent, rejected or unknown", () => {
  /** A port nothing listens on (yet). */
  async function closedPort(): Promise<number> {
    const { createServer } = await import("node:net");
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const { port } = probe.address() as { port: number };
    await new Promise((r) => probe.close(r));
    return port;
  }

  /** Forwards every connection on `port` to the Graph emulator: "the emulator is back". */
  async function forwardTo(port: number) {
    const { createConnection, createServer } = await import("node:net");
    const target = new URL(graph.url);
    const proxy = createServer((client) => {
      const upstream = createConnection(Number(target.port), target.hostname);
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(port, "127.0.0.1", () => r()));
    return proxy;
  }

  it("a refused connection is not an unknown outcome: retried at once, sent exactly once when Meta is back", async () => {
    const port = await closedPort();
    const client = createGraphClient({
      baseUrl: `http://127.0.0.1:${port}`,
      version: "v25.0",
      accessToken: "tok",
      phoneNumberId: "PN1",
      timeoutMs: 1000,
    });
    const attempts: string[] = [];
    const send = createSendJob({
      db: t.db,
      graph: client,
      logger,
      // Were a refused connection treated as unknown, the retry would wait a minute.
      unknownOutcomeWaitMs: 60_000,
    });
    runner = createJobRunner({
      db: t.db,
      logger,
      leaseMs: 10_000,
      pollMs: 10,
      concurrency: 1,
      backoff: { baseMs: 20, maxMs: 40 },
      handlers: {
        send: (async (job, ctx) => {
          try {
            return await send(job, ctx);
          } finally {
            attempts.push(getMessage(t.db, job.payload.messageId)!.status);
          }
        }) as typeof send,
      },
    });
    const id = queue(conversation());
    runner.start();
    await expect.poll(() => attempts.length, { timeout: 3000, interval: 5 }).toBeGreaterThan(1);
    // Nothing reached Meta: back to queued after each attempt, never left `sending`.
    expect(attempts.every((s) => s === "queued")).toBe(true);
    expect(getMessage(t.db, id)?.status).toBe("queued");
    const proxy = await forwardTo(port);
    try {
      await expect.poll(() => getMessage(t.db, id)?.status, { timeout: 3000 }).toBe("accepted");
      expect(graph.sent).toHaveLength(1);
      expect(graph.sent[0]!.callbackData).toBe(callbackDataFor(id));
    } finally {
      await runner.stop(1000);
      runner = null;
      proxy.close();
    }
  });

  it("Meta's own error answer is not an unknown outcome either", async () => {
    graph.failNext({ route: "messages", httpStatus: 503, code: 2 });
    const id = queue(conversation());
    await makeRunner({ unknownOutcomeWaitMs: 60_000 }).drain();
    expect(getMessage(t.db, id)?.status).toBe("queued");
    t.db.$client.exec("update jobs set run_at = 0");
    await runner!.drain();
    expect(getMessage(t.db, id)?.status).toBe("accepted");
    expect(graph.sent).toHaveLength(1);
  });

  it("a gateway's 5xx without Meta's error object may have been forwarded: unknown, waits", async () => {
    graph.failNext({ route: "messages", httpStatus: 504, rawBody: "<html>Gateway Timeout</html>" });
    const id = queue(conversation());
    await makeRunner({ unknownOutcomeWaitMs: 60_000 }).drain();
    expect(getMessage(t.db, id)?.status).toBe("sending");
    t.db.$client.exec("update jobs set run_at = 0");
    await runner!.drain();
    expect(getMessage(t.db, id)?.status).toBe("sending");
    expect(graph.sent).toHaveLength(0);
  });

  it("a timeout after Meta received the request waits the configured time; a status webhook meanwhile prevents the second send", async () => {
    graph.setLatency(250); // Meta accepts, but only after our 100 ms timeout
    const id = queue(conversation());
    const r = makeRunner({ unknownOutcomeWaitMs: 800 }, 100);
    r.start();
    await expect.poll(() => getMessage(t.db, id)?.status, { timeout: 2000 }).toBe("sending");
    const accepted = await graph.waitFor((g) => g.sent[0], 2000);
    graph.setLatency(0);
    // The job waits (rescheduled, not failed) instead of sending again right away.
    await new Promise((res) => setTimeout(res, 300));
    expect(graph.requests.filter((q) => q.path.endsWith("/messages"))).toHaveLength(1);
    await expect.poll(jobState).toEqual([{ state: "pending", attempts: 1 }]);
    // Meta's status webhook arrives within the wait.
    inTransaction(t.db, () =>
      applyStatus(
        t.db,
        {
          waMessageId: accepted.waMessageId as StatusUpdate["waMessageId"],
          status: "delivered",
          at: Date.now(),
          recipientId: "6281234",
          callbackData: accepted.callbackData,
          errors: [],
          pricingCategory: null,
          raw: {},
        },
        Date.now(),
      ),
    );
    await expect.poll(() => getMessage(t.db, id)?.status, { timeout: 3000 }).toBe("delivered");
    await r.drain();
    expect(graph.sent).toHaveLength(1);
    expect(graph.requests.filter((q) => q.path.endsWith("/messages"))).toHaveLength(1);
    expect(jobState()).toEqual([{ state: "done", attempts: 2 }]);
  });

  it("without a status webhook the message is sent again only once the configured wait is over", async () => {
    graph.setLatency(250);
    const id = queue(conversation());
    const r = makeRunner({ unknownOutcomeWaitMs: 600 }, 100);
    r.start();
    await expect.poll(() => getMessage(t.db, id)?.status, { timeout: 2000 }).toBe("sending");
    // The emulator took the request (and its latency) before answering faster again.
    await graph.waitFor((g) => g.requests.length === 1, 2000);
    graph.setLatency(0);
    await expect.poll(() => getMessage(t.db, id)?.status, { timeout: 3000 }).toBe("accepted");
    const posts = graph.requests.filter((q) => q.path.endsWith("/messages"));
    expect(posts).toHaveLength(2);
    // Counted from the first attempt's start (marked just before its request left); the customer
    // got it twice: the known limit.
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(500);
    expect(graph.sent).toHaveLength(2);
  });
});
