import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { statusUpdate, templateStatusUpdate, textMessage } from "../src/emulators/meta-webhook.ts";
import type { SlackMessage } from "../src/emulators/slack.ts";
import {
  blockActionsPayload,
  eventCallback,
  messageEvent,
  sendSlackRequest,
  viewSubmissionPayload,
} from "../src/emulators/slack-requests.ts";
import { type Harness, SLACK_SIGNING_SECRET, startHarness } from "./helpers/harness.ts";
import { isThreadRoot } from "./helpers/slack.ts";

const CHANNEL = "C0ESCALATE";
const AGENT = "U0AGENT";
let h: Harness;

function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
  return h.service.db.$client.prepare(sql).all(...params) as T[];
}

/** A customer asks for a person: the responder hands off and the thread opens. */
async function handoff(
  text = "saya mau bicara dengan orang beneran",
  from?: string,
): Promise<SlackMessage> {
  const before = h.slack.messages(CHANNEL).filter(isThreadRoot).length;
  expect((await h.meta.send(textMessage(text, from ? { from } : {}))).status).toBe(200);
  await h.slack.waitFor((s) => s.messages(CHANNEL).filter(isThreadRoot).length > before, 8000);
  return h.slack.messages(CHANNEL).filter(isThreadRoot).at(-1)!;
}

function slackEvent(
  event: Record<string, unknown>,
  opts: { retryNum?: number; eventId?: string; timestamp?: number } = {},
) {
  return sendSlackRequest(
    h.slackEventsUrl,
    SLACK_SIGNING_SECRET,
    eventCallback(event, opts.eventId ? { eventId: opts.eventId } : {}),
    {
      ...(opts.retryNum ? { retryNum: opts.retryNum, retryReason: "http_timeout" } : {}),
      ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
    },
  );
}

/** A person's reply in the thread: it exists in Slack (the emulator) and arrives as an event. */
function agentReply(
  root: SlackMessage,
  text: string,
  extra: Partial<Parameters<typeof messageEvent>[0]> = {},
) {
  const user = extra.user ?? AGENT;
  const posted = h.slack.addMessage(CHANNEL, { user, text, thread_ts: root.ts });
  return messageEvent({ channel: CHANNEL, user, text, threadTs: root.ts, ts: posted.ts, ...extra });
}

const sentTexts = () =>
  h.graph.sent.filter((s) => s.type === "text").map((s) => (s.body.text as { body: string }).body);
const replies = (root: SlackMessage) => h.slack.threadReplies(CHANNEL, root.ts);

describe("Slack human-in-the-loop (real Bolt app over signed HTTP, Slack and Graph emulators)", () => {
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it("opens one thread with the customer's details and sends the bridge message", async () => {
    const root = await handoff();
    expect(root.text).toContain("needs a human");
    const blocksText = JSON.stringify(root.blocks);
    expect(blocksText).toContain("conversation_claim");
    expect(blocksText).toContain("orang beneran");
    expect(blocksText).toContain("+1 650-••••-1234");
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    expect(rows("select state from conversations")).toEqual([{ state: "escalated" }]);
  });

  it("mirrors the customer's next messages into the thread and keeps the AI silent", async () => {
    const root = await handoff();
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    await h.meta.send(textMessage("halo? masih di sana?"));
    await h.slack.waitFor(() => replies(root).some((r) => r.text?.includes("masih di sana")), 5000);
    expect(sentTexts()).toHaveLength(1);
  });

  it("marks a mirrored message read once it is in the thread; a failed receipt repeats nothing", async () => {
    const root = await handoff();
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    const lastJobs = () =>
      rows(
        "select kind, state, attempts from jobs where kind in ('turn', 'slack.post') order by id desc limit 2",
      );

    // Slack rate-limits the mirror post for a second: the turn is done, but no person can see
    // the message yet, so no blue ticks either.
    h.slack.failNext("chat.postMessage", { status: 429, retryAfter: 1 }, 1);
    await h.meta.send(textMessage("halo? masih di sana?", { id: "wamid.MIRROR1" }));
    await expect
      .poll(() => h.slack.callsTo("chat.postMessage").filter((c) => c.response?.status === 429))
      .toHaveLength(1);
    await expect
      .poll(() => rows("select state from jobs where kind = 'turn' order by id desc limit 1"))
      .toEqual([{ state: "done" }]);
    expect(h.graph.reads.map((r) => r.waMessageId)).not.toContain("wamid.MIRROR1");
    await expect
      .poll(() => h.graph.reads.map((r) => r.waMessageId), { timeout: 5000 })
      .toContain("wamid.MIRROR1");
    const mirrored = replies(root).find((r) => r.text?.includes("masih di sana"));
    expect(mirrored).toBeDefined();
    // The blue ticks follow the post into Slack, not the other way round.
    const read = h.graph.reads.find((r) => r.waMessageId === "wamid.MIRROR1")!;
    const post = h.slack.calls.find(
      (c) => c.method === "chat.postMessage" && String(c.args.text).includes("masih di sana"),
    )!;
    expect(read.at).toBeGreaterThanOrEqual(post.at);

    // The next Graph call is this message's read receipt: it fails, the mirror still happens once.
    h.graph.failNext({ route: "messages", httpStatus: 503 }, 1);
    await h.meta.send(textMessage("tolong dibalas", { id: "wamid.MIRROR2" }));
    await h.slack.waitFor(
      () => replies(root).some((r) => r.text?.includes("tolong dibalas")),
      5000,
    );
    await expect.poll(lastJobs, { timeout: 5000 }).toEqual([
      { kind: "slack.post", state: "done", attempts: 1 },
      { kind: "turn", state: "done", attempts: 1 },
    ]);
    expect(replies(root).filter((r) => r.text?.includes("tolong dibalas"))).toHaveLength(1);
    expect(h.graph.reads.map((r) => r.waMessageId)).not.toContain("wamid.MIRROR2");
    expect(sentTexts()).toHaveLength(1);
  });

  it("relays an agent's thread reply to WhatsApp once, even when Slack retries", async () => {
    const root = await handoff();
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    const event = agentReply(root, "Halo Kak, saya Smith dari tim CS. Ada yang bisa dibantu?");
    expect((await slackEvent(event, { eventId: "Ev1" })).status).toBe(200);
    expect((await slackEvent(event, { eventId: "Ev1", retryNum: 1 })).status).toBe(200);
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTexts()).toHaveLength(2);
    expect(sentTexts()[1]).toContain("saya Smith");
    expect(rows("select state from conversations")).toEqual([{ state: "agent" }]);
  });

  it("ignores the app's own posts, bots, and threads it did not open", async () => {
    const root = await handoff();
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    await slackEvent(agentReply(root, "echo", { user: h.slack.botUserId, botId: h.slack.botId }));
    await slackEvent(agentReply(root, "other bot", { user: "U0OTHER", botId: "B0OTHER" }));
    await slackEvent(
      messageEvent({
        channel: CHANNEL,
        user: AGENT,
        text: "unrelated",
        threadTs: "1600000000.000100",
      }),
    );
    await slackEvent(messageEvent({ channel: CHANNEL, user: AGENT, text: "top level" }));
    await new Promise((r) => setTimeout(r, 400));
    expect(sentTexts()).toHaveLength(1);
  });

  it("refuses forged and stale Slack requests", async () => {
    const root = await handoff();
    const event = eventCallback(agentReply(root, "should not be sent"));
    const forged = await sendSlackRequest(h.slackEventsUrl, "wrong-secret", event);
    expect(forged.status).toBe(401);
    const stale = await sendSlackRequest(h.slackEventsUrl, SLACK_SIGNING_SECRET, event, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(stale.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTexts().filter((t) => t.includes("should not"))).toHaveLength(0);
  });

  it("keeps replies with the note prefix inside Slack and marks them", async () => {
    const root = await handoff();
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    const note = agentReply(root, "note: pelanggan VIP, cek order lama");
    await slackEvent(note);
    await h.slack.waitFor((s) => s.reactions(CHANNEL, note.ts as string).length > 0, 5000);
    expect(h.slack.reactions(CHANNEL, note.ts as string)).toContain("lock");
    expect(sentTexts()).toHaveLength(1);
  });

  it("shows delivery statuses as reactions and explains a failure in the thread", async () => {
    const root = await handoff();
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    const reply = agentReply(root, "Pesanan Kakak sedang kami cek");
    await slackEvent(reply);
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(2);
    const wamid = h.graph.sent.at(-1)!.waMessageId;
    await expect
      .poll(() => rows("select status from messages where wa_message_id = ?", wamid), {
        timeout: 3000,
      })
      .toEqual([{ status: "accepted" }]);
    await h.meta.send(statusUpdate({ id: wamid, status: "delivered" }));
    await h.slack.waitFor(
      (s) => s.reactions(CHANNEL, reply.ts as string).includes("white_check_mark"),
      5000,
    );
    await h.meta.send(
      statusUpdate({
        id: wamid,
        status: "failed",
        errors: [{ code: 131026, title: "Message undeliverable" }],
      }),
    );
    await h.slack.waitFor(
      () => replies(root).some((r) => JSON.stringify(r).includes("131026")),
      5000,
    );
  });

  it("does not send free text after the window closes: tells the agent and sends a template through the modal", async () => {
    await h.meta.send(
      templateStatusUpdate({ name: "follow_up", event: "APPROVED", language: "id" }),
    );
    const root = await handoff();
    await expect.poll(sentTexts, { timeout: 5000 }).toHaveLength(1);
    h.service.db.$client.exec("update conversations set window_ends_at = 1000");
    await slackEvent(agentReply(root, "Kak, masih butuh bantuan?"));
    await h.slack.waitFor(
      () =>
        replies(root).some(
          (r) =>
            JSON.stringify(r).includes("conversation_send_template") &&
            JSON.stringify(r).includes("24"),
        ),
      5000,
    );
    expect(sentTexts()).toHaveLength(1);

    const conversationId = String(rows<{ id: number }>("select id from conversations")[0]!.id);
    const open = await sendSlackRequest(
      h.slackEventsUrl,
      SLACK_SIGNING_SECRET,
      blockActionsPayload({
        actionId: "conversation_send_template",
        value: conversationId,
        user: AGENT,
        channel: CHANNEL,
        messageTs: root.ts,
      }),
    );
    expect(open.status).toBe(200);
    await h.slack.waitFor((s) => s.modals.length === 1, 5000);
    const modal = h.slack.modals[0]!;
    expect(JSON.stringify(modal.view)).toContain("follow_up");
    const submit = await sendSlackRequest(
      h.slackEventsUrl,
      SLACK_SIGNING_SECRET,
      viewSubmissionPayload({
        callbackId: "send_template",
        user: AGENT,
        privateMetadata: modal.private_metadata ?? "",
        values: {
          template: {
            template_select: { type: "static_select", selected_option: { value: "follow_up|id" } },
          },
        },
      }),
    );
    expect(submit.status).toBe(200);
    await h.graph.waitFor((g) => g.sent.some((s) => s.type === "template"), 5000);
    expect(h.graph.sent.find((s) => s.type === "template")!.body.template).toMatchObject({
      name: "follow_up",
      language: { code: "id" },
    });
  });

  it("Claim, Return to AI and Close change the state and the status line", async () => {
    const root = await handoff();
    const id = String(rows<{ id: number }>("select id from conversations")[0]!.id);
    const press = (actionId: string) =>
      sendSlackRequest(
        h.slackEventsUrl,
        SLACK_SIGNING_SECRET,
        blockActionsPayload({
          actionId,
          value: id,
          user: AGENT,
          channel: CHANNEL,
          messageTs: root.ts,
        }),
      );
    const rootText = () => JSON.stringify(h.slack.message(CHANNEL, root.ts));

    expect((await press("conversation_claim")).status).toBe(200);
    await expect
      .poll(() => rows("select state from conversations"), { timeout: 3000 })
      .toEqual([{ state: "agent" }]);
    await h.slack.waitFor(() => rootText().includes("Smith"), 5000);

    expect((await press("conversation_return_to_ai")).status).toBe(200);
    await expect
      .poll(() => rows("select state from conversations"), { timeout: 3000 })
      .toEqual([{ state: "bot" }]);

    expect((await press("conversation_close")).status).toBe(200);
    await expect
      .poll(() => rows("select state from conversations"), { timeout: 3000 })
      .toEqual([{ state: "closed" }]);
    await h.slack.waitFor(
      () => replies(root).some((r) => (r.text ?? "").toLowerCase().includes("closed")),
      5000,
    );

    // The customer writing again starts a fresh conversation; escalating again opens a new thread.
    const second = await handoff("tolong sambungkan ke CS lagi");
    expect(second.ts).not.toBe(root.ts);
    expect(rows("select state from conversations order by id")).toEqual([
      { state: "closed" },
      { state: "escalated" },
    ]);
    expect(JSON.stringify(second.blocks)).toContain("app_redirect");
  });

  it("opens one root when two first messages arrive at the same time", async () => {
    await Promise.all([
      h.meta.send(textMessage("mau ngobrol sama manusia")),
      h.meta.send(textMessage("tolong sambungkan ke admin")),
    ]);
    await h.slack.waitFor((s) => s.messages(CHANNEL).some((m) => !m.thread_ts), 8000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(h.slack.messages(CHANNEL).filter(isThreadRoot)).toHaveLength(1);
  });
});
