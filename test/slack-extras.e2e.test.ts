import { afterEach, describe, expect, it } from "vitest";
import type { RawDecision } from "../src/ai/decision.ts";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { imageMessage, textMessage } from "../src/emulators/meta-webhook.ts";
import type { SlackMessage } from "../src/emulators/slack.ts";
import {
  appHomeOpened,
  blockActionsPayload,
  messageEvent,
  slashCommand,
} from "../src/emulators/slack-requests.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

let h: Harness;
let f: ReturnType<typeof slackFlow>;
let anthropic: AnthropicEmulator | null = null;

async function start(env: Record<string, string> = {}) {
  h = await startHarness(env);
  f = slackFlow(h);
}

afterEach(async () => {
  await h.close();
  await anthropic?.close();
  anthropic = null;
});

/** A handoff with its bridge message sent and every job finished. */
async function openThread(): Promise<SlackMessage> {
  const root = await f.handoff();
  await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
  await f.settle();
  return root;
}

/** An agent's reply relayed to WhatsApp (sent and linked to its Slack message). */
async function relayedReply(root: SlackMessage, text: string) {
  const sentBefore = h.graph.sent.length;
  const event = f.agentReply(root, text);
  expect((await f.event(event)).status).toBe(200);
  await expect.poll(() => h.graph.sent.length, { timeout: 5000 }).toBe(sentBefore + 1);
  await f.settle();
  return event;
}

const noticeCount = (root: SlackMessage, words: string) =>
  f.replies(root).filter((r) => JSON.stringify(r).includes(words)).length;

describe("Slack media, edits, Home tab, slash commands and Return to AI", () => {
  it("uploads a customer's image into the thread with its caption", async () => {
    await start();
    const root = await openThread();
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xd9]);
    const mediaId = h.graph.addMedia(bytes, "image/jpeg");
    await h.meta.send(imageMessage({ mediaId, caption: "foto paket rusak", id: "wamid.PHOTO" }));

    await h.slack.waitFor((s) => s.files.length === 1, 8000);
    const file = h.slack.files[0]!;
    expect(new Uint8Array(file.data)).toEqual(bytes);
    expect(file.name).toMatch(/\.jpg$/);
    const post = f.replies(root).find((r) => r.files?.some((x) => x.id === file.id));
    expect(post?.text).toContain("foto paket rusak");
    expect(post?.thread_ts).toBe(root.ts);
    await f.settle();
    // Mirrored only: the AI said nothing more, and the media was fetched from the Graph API.
    expect(h.graph.sent).toHaveLength(1);
    expect(h.graph.requests.some((r) => r.method === "GET" && r.path.includes(mediaId))).toBe(true);
    // Marked read once, after the upload reached the thread.
    const reads = h.graph.reads.filter((r) => r.waMessageId === "wamid.PHOTO");
    expect(reads).toHaveLength(1);
    const upload = h.slack.calls.find((c) => c.method === "files.completeUploadExternal")!;
    expect(reads[0]!.at).toBeGreaterThanOrEqual(upload.at);
  });

  it("sends an agent's Slack files to WhatsApp as media", async () => {
    await start();
    const root = await openThread();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9, 9, 9]);
    const pdf = Buffer.from("%PDF-1.4 invoice\n%%EOF");
    const image = h.slack.addFile({
      name: "resi.png",
      content: png,
      mimetype: "image/png",
      user: AGENT,
    });
    const doc = h.slack.addFile({
      name: "invoice.pdf",
      content: pdf,
      mimetype: "application/pdf",
      user: AGENT,
    });
    const text = "Ini resi dan invoicenya, Kak";
    const posted = h.slack.addMessage(CHANNEL, {
      user: AGENT,
      text,
      thread_ts: root.ts,
      files: [image, doc],
    });
    const wire = (x: typeof image) => ({
      id: x.id,
      name: x.name,
      mimetype: x.mimetype,
      url_private: x.url_private,
      url_private_download: x.url_private_download,
    });
    const event = messageEvent({
      channel: CHANNEL,
      user: AGENT,
      text,
      threadTs: root.ts,
      ts: posted.ts,
      subtype: "file_share",
      files: [wire(image), wire(doc)],
    });
    expect((await f.event(event)).status).toBe(200);

    await expect.poll(() => h.graph.sent.length, { timeout: 8000 }).toBe(4);
    expect(h.graph.uploads).toHaveLength(2);
    const uploadOf = (bytes: Buffer) =>
      h.graph.uploads.find((u) => Buffer.from(u.bytes).equals(bytes));
    const up1 = uploadOf(png);
    const up2 = uploadOf(pdf);
    expect(up1?.mimeType).toBe("image/png");
    expect(up2?.mimeType).toBe("application/pdf");
    const [, first, second, third] = h.graph.sent;
    expect(first).toMatchObject({ type: "text", body: { text: { body: text } } });
    expect(second).toMatchObject({ type: "image", body: { image: { id: up1?.id } } });
    expect(third).toMatchObject({
      type: "document",
      body: { document: { id: up2?.id, filename: "invoice.pdf" } },
    });
    await f.settle();
    // Each send is an agent message originating from the one Slack message.
    expect(
      f.rows(
        "select kind, author, slack_ts from messages where direction = 'out' and author = 'agent' order by id",
      ),
    ).toEqual([
      { kind: "text", author: "agent", slack_ts: posted.ts },
      { kind: "media", author: "agent", slack_ts: posted.ts },
      { kind: "media", author: "agent", slack_ts: posted.ts },
    ]);
  });

  it("does not resend edits or deletions of a relayed reply, and says so in the thread", async () => {
    await start();
    const root = await openThread();
    const reply = await relayedReply(root, "Pesanan Kakak dikirim besok");
    const sent = h.graph.sent.length;
    const original = {
      type: "message",
      user: AGENT,
      text: "Pesanan Kakak dikirim besok",
      ts: reply.ts,
      thread_ts: root.ts,
    };

    const edited = { ...original, text: "Pesanan Kakak dikirim lusa" };
    const editEvent = messageEvent({
      channel: CHANNEL,
      user: AGENT,
      text: "",
      subtype: "message_changed",
    });
    delete editEvent.user;
    delete editEvent.text;
    Object.assign(editEvent, {
      hidden: true,
      message: { ...edited, edited: { user: AGENT, ts: `${editEvent.ts}` } },
      previous_message: original,
    });
    expect((await f.event(editEvent)).status).toBe(200);
    // Slack delivering the same edit again posts nothing more.
    expect((await f.event(editEvent)).status).toBe(200);
    await h.slack.waitFor(() => noticeCount(root, "Edits are not sent") === 1, 5000);

    const deleteEvent = messageEvent({
      channel: CHANNEL,
      user: AGENT,
      text: "",
      subtype: "message_deleted",
    });
    delete deleteEvent.user;
    delete deleteEvent.text;
    Object.assign(deleteEvent, {
      hidden: true,
      deleted_ts: reply.ts,
      previous_message: edited,
    });
    expect((await f.event(deleteEvent)).status).toBe(200);
    await h.slack.waitFor(() => noticeCount(root, "does not unsend") === 1, 5000);

    await f.settle();
    expect(h.graph.sent).toHaveLength(sent);
    expect(noticeCount(root, "Edits are not sent")).toBe(1);
    expect(noticeCount(root, "does not unsend")).toBe(1);
  });

  it("ignores a link preview added to a relayed reply (message_changed with the same text)", async () => {
    await start();
    const root = await openThread();
    const reply = await relayedReply(root, "Cek di https://example.com/status ya Kak");
    const original = {
      type: "message",
      user: AGENT,
      text: "Cek di https://example.com/status ya Kak",
      ts: reply.ts,
      thread_ts: root.ts,
    };
    const unfurl = messageEvent({
      channel: CHANNEL,
      user: AGENT,
      text: "",
      subtype: "message_changed",
    });
    delete unfurl.user;
    delete unfurl.text;
    Object.assign(unfurl, {
      hidden: true,
      message: {
        ...original,
        attachments: [{ title: "Status", from_url: "https://example.com/status" }],
      },
      previous_message: original,
    });
    expect((await f.event(unfurl)).status).toBe(200);
    await f.settle();
    expect(noticeCount(root, "Edits are not sent")).toBe(0);
  });

  it("ignores edits and deletions of messages that were never relayed (notes, mirrored customer messages)", async () => {
    await start();
    const root = await openThread();
    // A mirrored customer message: the app's own post, linked to the inbound message.
    await h.meta.send(textMessage("halo? masih di sana?"));
    await h.slack.waitFor(() => f.replies(root).some((r) => r.text?.includes("masih")), 5000);
    const mirrored = f.replies(root).find((r) => r.text?.includes("masih"))!;
    // A note, kept inside Slack.
    const note = f.agentReply(root, "note: cek dulu stoknya");
    await f.event(note);
    await h.slack.waitFor((s) => s.reactions(CHANNEL, String(note.ts)).includes("lock"), 5000);
    await f.settle();
    const before = f.replies(root).length;

    const changed = (inner: Record<string, unknown>) => {
      const e = messageEvent({
        channel: CHANNEL,
        user: AGENT,
        text: "",
        subtype: "message_changed",
      });
      delete e.user;
      delete e.text;
      return Object.assign(e, {
        hidden: true,
        message: { ...inner, edited: { user: AGENT, ts: e.ts } },
        previous_message: inner,
      });
    };
    const deleted = (inner: Record<string, unknown>) => {
      const e = messageEvent({
        channel: CHANNEL,
        user: AGENT,
        text: "",
        subtype: "message_deleted",
      });
      delete e.user;
      delete e.text;
      return Object.assign(e, { hidden: true, deleted_ts: inner.ts, previous_message: inner });
    };
    const noteInner = {
      type: "message",
      user: AGENT,
      text: "note: cek dulu stoknya ya",
      ts: note.ts,
      thread_ts: root.ts,
    };
    const mirroredInner = {
      type: "message",
      user: h.slack.botUserId,
      bot_id: h.slack.botId,
      text: mirrored.text,
      ts: mirrored.ts,
      thread_ts: root.ts,
    };
    for (const e of [
      changed(noteInner),
      deleted(noteInner),
      changed(mirroredInner),
      deleted(mirroredInner),
    ]) {
      expect((await f.event(e)).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 300));
    await f.settle();
    expect(f.replies(root)).toHaveLength(before);
    expect(h.graph.sent).toHaveLength(1);
  });

  it("publishes the Home tab with the figures and flips the AI switch from it", async () => {
    await start();
    await openThread();
    expect((await f.event(appHomeOpened(AGENT))).status).toBe(200);
    await h.slack.waitFor((s) => s.views.has(AGENT), 5000);
    const home = JSON.stringify(h.slack.views.get(AGENT)!.blocks);
    expect(home).toContain("Escalation rate");
    expect(home).toContain("100%");
    expect(home).toContain("Queue: 1 open");
    expect(home).toContain("*⏳ Waiting for a first reply* (1)");
    expect(home).toContain("AI replies are on");
    const publishes = () => h.slack.callsTo("views.publish").length;
    expect(publishes()).toBe(1);

    const toggle = await f.request(
      blockActionsPayload({
        actionId: "ai_toggle",
        value: "off",
        user: AGENT,
        view: { id: h.slack.views.get(AGENT)!.id, type: "home" },
      }),
    );
    expect(toggle.status).toBe(200);
    await h.slack.waitFor(() => publishes() === 2, 5000);
    expect(f.rows("select key, value from settings")).toEqual([{ key: "ai", value: "off" }]);
    const after = JSON.stringify(h.slack.views.get(AGENT)!.blocks);
    expect(after).toContain("AI replies are off");
    expect(after).toContain("Turn AI on");
  });

  it("answers /jembatan status and flips the switch with /jembatan ai off|on", async () => {
    await start();
    const command = async (text: string) => {
      const res = await f.request(
        slashCommand({ command: "/jembatan", text, userId: AGENT, channelId: CHANNEL }),
      );
      expect(res.status).toBe(200);
      return res.body as { text?: string; response_type?: string };
    };
    expect(await command("status")).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("AI is *on*"),
    });
    expect(await command("ai off")).toMatchObject({ text: expect.stringContaining("now *off*") });
    expect(f.rows("select value from settings where key = 'ai'")).toEqual([{ value: "off" }]);
    const status = await command("status");
    expect(status.text).toContain("AI is *off*");
    expect(status.text).toContain("Open conversations with humans: 0");
    expect((await command("what")).text).toContain("Usage");

    // With the AI off, a customer's message goes straight to a human.
    await f.handoff("berapa ongkir ke Bandung?");
    await f.settle();
    expect(f.rows("select state, handoff_reason from conversations")).toEqual([
      { state: "escalated", handoff_reason: "ai_off" },
    ]);
    expect(await command("ai on")).toMatchObject({ text: expect.stringContaining("now *on*") });
    expect(f.rows("select value from settings where key = 'ai'")).toEqual([{ value: "on" }]);
    expect((await command("")).text).toContain("Open conversations with humans: 1");
  });

  it("after Return to AI, the next customer message is answered by the AI (offline: knowledge base), not mirrored", async () => {
    await start();
    const root = await openThread();
    expect((await f.press(root, "conversation_return_to_ai")).status).toBe(200);
    await expect
      .poll(() => f.rows("select state from conversations"), { timeout: 3000 })
      .toEqual([{ state: "bot" }]);
    await h.slack.waitFor(() => noticeCount(root, "returned this conversation") === 1, 5000);
    await f.settle();
    const threadBefore = f.replies(root).length;
    const callsBefore = h.slack.calls.length;

    await h.meta.send(textMessage("Kak, alamat toko cabang Bandung di mana?"));
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(2);
    await f.settle();
    expect(f.sentTexts()[1]).toContain("Jl. Cihampelas No. 88");
    expect(f.rows("select state from conversations")).toEqual([{ state: "bot" }]);
    expect(
      f.rows("select ai_tier from messages where direction = 'out' and author = 'bot'"),
    ).toEqual([{ ai_tier: "kb" }]);
    expect(h.logs.some((l) => l.msg === "turn decided" && l.source === "kb")).toBe(true);
    // Not mirrored: Slack heard nothing about it.
    expect(f.replies(root)).toHaveLength(threadBefore);
    expect(h.slack.calls.slice(callsBefore)).toEqual([]);
    expect(
      f.rows("select count(*) n from messages where direction = 'in' and slack_ts is not null"),
    ).toEqual([{ n: 0 }]);
  });

  it("after Return to AI, a message the AI cannot answer hands off again into the same thread", async () => {
    await start();
    const root = await openThread();
    expect((await f.press(root, "conversation_claim")).status).toBe(200);
    await relayedReply(root, "Baik Kak, sudah saya bantu prosesnya");
    expect((await f.press(root, "conversation_return_to_ai")).status).toBe(200);
    await expect
      .poll(() => f.rows("select state from conversations"), { timeout: 3000 })
      .toEqual([{ state: "bot" }]);
    await f.settle();

    await h.meta.send(textMessage("zxqv blorf wibble?"));
    await h.slack.waitFor(() => noticeCount(root, "Handed off again") === 1, 8000);
    await f.settle();
    expect(f.roots()).toHaveLength(1);
    expect(f.rows("select state, handoff_reason from conversations")).toEqual([
      { state: "escalated", handoff_reason: "offline" },
    ]);
    expect(f.rows("select status, root_ts from slack_threads")).toEqual([
      { status: "waiting", root_ts: root.ts },
    ]);
    // A second bridge message: the customer is told again that a person will reply.
    expect(h.graph.sent.filter((s) => s.type === "text")).toHaveLength(3);
    expect(JSON.stringify(h.slack.message(CHANNEL, root.ts))).toContain("Waiting");
  });

  it("after Return to AI, the model answers with the human turns in its context", async () => {
    anthropic = await startAnthropicEmulator();
    await start({ ANTHROPIC_API_KEY: anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url });
    const root = await openThread();
    await relayedReply(root, "Refund Kakak sudah kami proses hari ini");
    expect((await f.press(root, "conversation_return_to_ai")).status).toBe(200);
    await expect
      .poll(() => f.rows("select state from conversations"), { timeout: 3000 })
      .toEqual([{ state: "bot" }]);
    await f.settle();
    const modelCallsBefore = anthropic.requests.length;
    anthropic.enqueue({
      json: {
        reply: "Dana refund biasanya masuk 3-5 hari kerja, Kak.",
        handoff: false,
        reason: "answered_from_context",
        confidence: 0.9,
        language: "id",
        needs_smart: false,
      } satisfies RawDecision,
    });

    await h.meta.send(textMessage("kapan refundnya masuk ke rekening saya?"));
    await expect
      .poll(() => f.sentTexts().some((t) => t.includes("3-5 hari")), { timeout: 8000 })
      .toBe(true);
    await f.settle();
    const request = JSON.stringify(anthropic.requests.at(-1)!.body);
    expect(anthropic.requests.length).toBeGreaterThan(modelCallsBefore);
    expect(request).toContain("Refund Kakak sudah kami proses hari ini");
    expect(request).toContain("kapan refundnya masuk");
    expect(f.rows("select state from conversations")).toEqual([{ state: "bot" }]);
    expect(f.replies(root).some((r) => r.text?.includes("kapan refundnya"))).toBe(false);
  });
});
