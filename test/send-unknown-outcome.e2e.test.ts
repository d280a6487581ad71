import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId } from "../src/core/ids.ts";
import { statusUpdate, textMessage } from "../src/emulators/meta-webhook.ts";
import { callbackDataFor, queueOutbound } from "../src/outbound/queue.ts";
import { getMessage } from "../src/store/repositories/messages.ts";
import { inTransaction } from "../src/store/tx.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";

let h: Harness;

/** Sends to the customer (mark-as-read calls go to the same route). */
const sendRequests = () =>
  h.graph.requests.filter(
    (r) =>
      r.path.endsWith("/messages") && (r.body as { status?: string } | null)?.status !== "read",
  );

const rows = <T>(sql: string) => h.service.db.$client.prepare(sql).all() as T[];

/** A new harness with that unknown-outcome wait, one customer's conversation, every job done. */
async function restartWithOneConversation(waitMs: string): Promise<ConversationId> {
  await h.close();
  h = await startHarness({ WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: waitMs });
  expect((await h.meta.send(textMessage("halo"))).status).toBe(200);
  await expect
    .poll(
      () =>
        rows<{ n: number }>("select count(*) n from jobs where state in ('pending','running')")[0]!
          .n,
      { timeout: 8000, interval: 20 },
    )
    .toBe(0);
  return rows<{ id: number }>("select id from conversations")[0]!.id as ConversationId;
}

/** Until the pending send job says it waits out the unknown-outcome wait. */
async function sendJobWaitsForStatusWebhook() {
  await expect
    .poll(
      () =>
        rows<{ e: string | null }>(
          `select last_error e from jobs where kind = 'send' and state = 'pending'`,
        )[0]?.e,
      { timeout: 5000, interval: 20 },
    )
    .toContain("waiting for a status webhook");
}

/** A job runner's row, as another instance of the service writes it. */
function addWorker(id: string, startedAt: number, heartbeatAt: number) {
  h.service.db.$client
    .prepare("insert into workers (id, pid, started_at, heartbeat_at) values (?, 1, ?, ?)")
    .run(id, startedAt, heartbeatAt);
}

/** An agent reply whose send began at `startedAt` and was cut off: its outcome is unknown. */
function queueSendingSince(conversationId: ConversationId, startedAt: number) {
  const id = inTransaction(h.service.db, () =>
    queueOutbound(h.service.db, {
      conversationId,
      author: "agent",
      content: { kind: "text", body: "Pesanan sudah dikirim" },
    }),
  );
  h.service.db.$client
    .prepare("update messages set status = 'sending', send_started_at = ? where id = ?")
    .run(startedAt, id);
  return id;
}

describe("WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS", () => {
  beforeEach(async () => {
    h = await startHarness({ WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: "900", WHATSAPP_TIMEOUT_MS: "150" });
  });
  afterEach(async () => h.close());

  it("is the wait of the send job after a send whose outcome is unknown", async () => {
    expect(h.config.whatsapp.unknownOutcomeWaitMs).toBe(900);
    expect((await h.meta.send(textMessage("halo"))).status).toBe(200);
    await expect
      .poll(
        () =>
          rows<{ n: number }>(
            "select count(*) n from jobs where state in ('pending','running')",
          )[0]!.n,
        {
          timeout: 8000,
          interval: 20,
        },
      )
      .toBe(0);
    const conversationId = rows<{ id: number }>("select id from conversations")[0]!.id;
    const before = sendRequests().length;

    // Meta takes the message but answers after our timeout: the outcome is unknown.
    h.graph.setLatency(400);
    const id = inTransaction(h.service.db, () =>
      queueOutbound(h.service.db, {
        conversationId: conversationId as ConversationId,
        author: "agent",
        content: { kind: "text", body: "Pesanan sudah dikirim" },
      }),
    );
    h.service.runner.wake();
    await expect
      .poll(() => getMessage(h.service.db, id)?.status, { timeout: 3000 })
      .toBe("sending");
    await expect.poll(() => sendRequests().length, { timeout: 3000 }).toBe(before + 1);
    h.graph.setLatency(0);

    // No status webhook comes: the message goes out again after the configured wait, not the
    // two-minute default (the customer sees it twice: the documented limit).
    await expect
      .poll(() => getMessage(h.service.db, id)?.status, { timeout: 5000, interval: 20 })
      .toBe("accepted");
    const [first, second] = sendRequests().slice(before);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(800);
    expect(second!.at - first!.at).toBeLessThan(5000);
    expect(h.graph.sent.filter((s) => s.callbackData === callbackDataFor(id))).toHaveLength(2);
  });

  it("a status webhook for the lost send ends the wait at once: sent once, later jobs not held", async () => {
    // A long wait, so that only the status webhook can end it within the test.
    await h.close();
    h = await startHarness({
      WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: "20000",
      WHATSAPP_TIMEOUT_MS: "150",
    });
    expect((await h.meta.send(textMessage("halo"))).status).toBe(200);
    await expect
      .poll(
        () =>
          rows<{ n: number }>(
            "select count(*) n from jobs where state in ('pending','running')",
          )[0]!.n,
        { timeout: 8000, interval: 20 },
      )
      .toBe(0);
    const conversationId = rows<{ id: number }>("select id from conversations")[0]!.id;
    h.graph.setLatency(400);
    const id = inTransaction(h.service.db, () =>
      queueOutbound(h.service.db, {
        conversationId: conversationId as ConversationId,
        author: "agent",
        content: { kind: "text", body: "Pesanan sudah dikirim" },
      }),
    );
    h.service.runner.wake();
    const sent = await h.graph.waitFor(
      (g) => g.sent.find((s) => s.callbackData === callbackDataFor(id)),
      3000,
    );
    await expect
      .poll(() => getMessage(h.service.db, id)?.status, { timeout: 3000 })
      .toBe("sending");
    h.graph.setLatency(0);
    // The retry found no proof and now waits out the unknown-outcome wait.
    await sendJobWaitsForStatusWebhook();
    // Meta's status webhook for the send whose answer we lost.
    const t0 = Date.now();
    const status = statusUpdate({
      id: sent.waMessageId,
      status: "sent",
      callbackData: callbackDataFor(id),
    });
    expect((await h.meta.send(status)).status).toBe(200);
    await expect
      .poll(() => getMessage(h.service.db, id)?.status, { timeout: 3000, interval: 20 })
      .toMatch(/accepted|sent/);
    // Long before the configured 20 s wait would end.
    expect(Date.now() - t0).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 1200));
    expect(h.graph.sent.filter((s) => s.callbackData === callbackDataFor(id))).toHaveLength(1);
  });

  it("counts the wait from the service's start, not this instance's, when other instances were up", async () => {
    // A wait longer than this instance has been up, shorter than the service has.
    const conversationId = await restartWithOneConversation("8000");
    const now = Date.now();
    // Another instance, up for a minute and alive, shared the database all along; a third one,
    // killed 30 s ago while sending, left a message whose outcome is unknown.
    addWorker("other-instance", now - 60_000, now);
    const id = queueSendingSince(conversationId, now - 30_000);
    const t0 = Date.now();
    h.service.runner.wake();
    // The service has been up for the whole 30 s (the other instance) and no status webhook came
    // in 8 s: it is sent again at once, not 8 s after this instance started.
    await expect
      .poll(() => getMessage(h.service.db, id)?.status, { timeout: 6000, interval: 20 })
      .toBe("accepted");
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(h.graph.sent.filter((s) => s.callbackData === callbackDataFor(id))).toHaveLength(1);
  });

  it("waits from this instance's start when no other instance was up before it", async () => {
    const conversationId = await restartWithOneConversation("8000");
    const now = Date.now();
    // The instance before this one died a minute ago, before this one started (a crash loop).
    addWorker("dead-instance", now - 120_000, now - 60_000);
    const id = queueSendingSince(conversationId, now - 90_000);
    h.service.runner.wake();
    await sendJobWaitsForStatusWebhook();
    expect(h.graph.sent.filter((s) => s.callbackData === callbackDataFor(id))).toHaveLength(0);
  });
});
