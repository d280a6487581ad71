import { afterEach, describe, expect, it } from "vitest";
import type { RawDecision } from "../src/ai/decision.ts";
import { OPTED_OUT_REASON } from "../src/core/opt-out.ts";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { templateStatusUpdate, textMessage } from "../src/emulators/meta-webhook.ts";
import type { SlackMessage } from "../src/emulators/slack.ts";
import { blockActionsPayload, viewSubmissionPayload } from "../src/emulators/slack-requests.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;

afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
});

const CONFIRMATION = "tidak akan menerima pesan";
const OPTED_OUT_NOTICE = "The customer asked not to be messaged any more (STOP)";

const decision = (d: Partial<RawDecision> = {}) => ({
  json: {
    reply: "Toko kami buka Senin-Sabtu 09.00-21.00 WIB, Kak.",
    handoff: false,
    reason: "answered_from_knowledge",
    confidence: 0.92,
    language: "id",
    needs_smart: false,
    ...d,
  } satisfies RawDecision,
});

describe("opt-out (STOP) in every state and on every outbound path", () => {
  it("while an agent owns the chat: confirmed once, announced, replies and templates blocked, lifted when the customer writes again", async () => {
    h = await startHarness();
    const s = slackFlow(h);
    const texts = (root: SlackMessage) => s.replies(root).map((r) => r.text ?? "");
    const optedOutAt = () =>
      s.rows<{ o: number | null }>("select opted_out_at o from contacts")[0]!.o;
    await h.meta.send(
      templateStatusUpdate({ name: "follow_up", event: "APPROVED", language: "id" }),
    );
    const root = await s.handoff();
    await expect.poll(s.sentTexts, { timeout: 5000 }).toHaveLength(1); // the bridge message
    await s.event(s.agentReply(root, "Halo Kak, ada yang bisa dibantu?"));
    await expect.poll(s.sentTexts, { timeout: 5000 }).toHaveLength(2);
    expect(s.rows("select state from conversations")).toEqual([{ state: "agent" }]);

    // The customer says STOP while the agent owns the conversation.
    await h.meta.send(textMessage("STOP"));
    await h.slack.waitFor(() => texts(root).some((t) => t.includes(OPTED_OUT_NOTICE)), 5000);
    await s.settle();
    expect(optedOutAt()).not.toBeNull();
    expect(s.sentTexts()).toHaveLength(3);
    expect(s.sentTexts()[2]).toContain(CONFIRMATION);
    // The STOP itself is mirrored, and the notice comes after it.
    const stopAt = texts(root).findIndex((t) => t.includes("Customer: STOP"));
    const noticeAt = texts(root).findIndex((t) => t.includes(OPTED_OUT_NOTICE));
    expect(stopAt).toBeGreaterThanOrEqual(0);
    expect(noticeAt).toBeGreaterThan(stopAt);
    expect(texts(root)[noticeAt]).toBe(
      "🚫 The customer asked not to be messaged any more (STOP). Replies and templates are blocked until they write again asking for help.",
    );

    // A repeated STOP: mirrored, but neither confirmed nor announced again.
    await h.meta.send(textMessage("stop"));
    await h.slack.waitFor(() => texts(root).some((t) => t.includes("Customer: stop")), 5000);
    await s.settle();
    expect(s.sentTexts().filter((t) => t.includes(CONFIRMATION))).toHaveLength(1);
    expect(texts(root).filter((t) => t.includes(OPTED_OUT_NOTICE))).toHaveLength(1);

    // An agent reply is not sent, and the thread says why.
    await s.event(s.agentReply(root, "Kak, jadi pesan yang kemarin?"));
    await h.slack.waitFor(
      () => texts(root).some((t) => t.includes("*Not sent*: this reply")),
      5000,
    );
    await s.settle();
    expect(s.sentTexts()).toHaveLength(3);
    expect(s.rows("select count(*) n from messages where author = 'agent'")).toEqual([{ n: 1 }]);

    // Send template: the modal warns, and a submission is refused in the modal.
    const id = String(s.conversationId());
    await s.request(
      blockActionsPayload({
        actionId: "conversation_send_template",
        value: id,
        user: AGENT,
        channel: CHANNEL,
        messageTs: root.ts,
      }),
    );
    await h.slack.waitFor((e) => e.modals.length === 1, 5000);
    const modal = h.slack.modals[0]!;
    expect(JSON.stringify(modal.view)).toContain(OPTED_OUT_NOTICE);
    const submit = await s.request(
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
    expect(submit.body).toMatchObject({
      response_action: "errors",
      errors: { template: expect.stringContaining("asked not to be messaged any more (STOP)") },
    });
    await s.settle();
    expect(h.graph.sent.filter((m) => m.type === "template")).toHaveLength(0);
    expect(s.rows("select count(*) n from messages where kind = 'template'")).toEqual([{ n: 0 }]);

    // The customer writes again: the opt-out is lifted, said in the thread, and replies flow.
    await h.meta.send(textMessage("Kak, saya mau tanya lagi soal pesanan saya"));
    await h.slack.waitFor(() => texts(root).some((t) => t.includes("wrote again")), 5000);
    await s.settle();
    expect(optedOutAt()).toBeNull();
    await s.event(s.agentReply(root, "Siap Kak, pesanan sedang dikirim."));
    await expect.poll(s.sentTexts, { timeout: 5000 }).toHaveLength(4);
    expect(s.sentTexts()[3]).toBe("Siap Kak, pesanan sedang dikirim.");
  });

  it("the send job holds back an AI answer that was being written when the customer said STOP", async () => {
    emu = await startAnthropicEmulator();
    h = await startHarness({
      ANTHROPIC_API_KEY: emu.apiKey,
      ANTHROPIC_BASE_URL: emu.url,
      AI_TIMEOUT_MS: "5000",
    });
    const s = slackFlow(h);
    emu.enqueue({ ...decision(), delayMs: 1000 });
    await h.meta.send(textMessage("Kak, toko buka sampai jam berapa ya?"));
    await expect.poll(() => emu!.requests.length, { timeout: 5000 }).toBe(1);
    // The model is still thinking: the STOP's turn is queued behind this one, and runs before
    // the answer's send.
    await h.meta.send(textMessage("STOP"));
    await s.settle(10_000);
    expect(s.sentTexts()).toEqual([expect.stringContaining(CONFIRMATION)]);
    expect(
      s.rows("select status, error_detail e from messages where author = 'bot' order by id"),
    ).toEqual([{ status: "failed", e: OPTED_OUT_REASON }]);

    // Writing again lifts it: the AI answers as usual.
    emu.enqueue(decision());
    await h.meta.send(textMessage("Halo kak, jam buka hari ini?"));
    await s.settle(10_000);
    expect(s.sentTexts()).toHaveLength(2);
    expect(s.sentTexts()[1]).toContain("Senin-Sabtu");
    expect(s.rows("select opted_out_at o from contacts")).toEqual([{ o: null }]);
  });
});
