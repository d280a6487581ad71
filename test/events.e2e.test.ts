import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  imageMessage,
  inboundMessage,
  type MetaWebhookPayload,
  reactionMessage,
  textMessage,
  unsupportedMessage,
} from "../src/emulators/meta-webhook.ts";
import type { SlackMessage } from "../src/emulators/slack.ts";
import { slackSettings } from "../src/service.ts";
import { sweepThreads } from "../src/slack/sweeper.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { CHANNEL, slackFlow } from "./helpers/slack.ts";

// Events are not messages: a reaction, an edit, a deletion, a system notice, a call-permission
// answer or an unknown type never starts a turn, never refreshes the 24-hour window, never
// answers the customer and never makes the SLA sweeper page anyone. They are shown to the agent
// where useful, compactly. Real service, real Bolt app, Slack and Graph emulators.

let h: Harness;
let f: ReturnType<typeof slackFlow>;
beforeEach(async () => {
  h = await startHarness();
  f = slackFlow(h);
});
afterEach(async () => h.close());

const CUSTOMER = "16505551234";
const nowS = () => Math.floor(Date.now() / 1000);

/** A conversation an agent owns, with one mirrored customer message (wamid.C1) in the thread. */
async function agentOwnedThread(): Promise<{ root: SlackMessage; mirroredTs: string }> {
  const root = await f.handoff();
  await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
  expect((await f.event(f.agentReply(root, "Halo kak, saya bantu ya"))).status).toBe(200);
  await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(2);
  await h.meta.send(textMessage("pesanan INV-1 belum sampai", { id: "wamid.C1" }));
  await expect
    .poll(() => f.rows("select slack_ts from messages where wa_message_id = 'wamid.C1'"))
    .toEqual([{ slack_ts: expect.any(String) }]);
  // A person answers, so nobody is waiting any more.
  expect((await f.event(f.agentReply(root, "Kami cek dulu"))).status).toBe(200);
  await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(3);
  await f.settle();
  const mirroredTs = f.rows<{ slack_ts: string }>(
    "select slack_ts from messages where wa_message_id = 'wamid.C1'",
  )[0]!.slack_ts;
  return { root, mirroredTs };
}

/** What must not move when an event arrives. */
function invariants() {
  return {
    turns: f.rows("select count(*) n from jobs where kind = 'turn'"),
    window: f.rows("select window_ends_at, last_customer_message_at from conversations"),
    sent: h.graph.sent.length,
    waiting: f.rows("select customer_waiting_since, reminders_sent from slack_threads"),
    conversations: f.rows("select id, state from conversations"),
  };
}

/** Sends an event an hour "later" than the conversation's messages, and waits for its jobs. */
async function sendEvent(payload: MetaWebhookPayload) {
  expect((await h.meta.send(payload)).status).toBe(200);
  await f.settle();
}

/** The SLA sweeper, run as if hours had passed, queues no reminder. */
function noReminderLater() {
  const settings = slackSettings(h.config);
  sweepThreads(h.service.db, settings, Date.now() + 3 * 3600_000);
  expect(f.rows("select count(*) n from jobs where dedupe_key like 'sla:%'")).toEqual([{ n: 0 }]);
}

const later = () => nowS() + 3600;

const EVENTS: Record<string, () => MetaWebhookPayload> = {
  reaction: () => reactionMessage("wamid.C1", "👍", { timestamp: later() }),
  unreaction: () => reactionMessage("wamid.C1", null, { timestamp: later() }),
  edit: () =>
    inboundMessage({
      type: "edit",
      timestamp: later(),
      content: {
        original_message_id: "wamid.C1",
        message: { type: "text", text: { body: "pesanan INV-2 belum sampai" } },
      },
    }),
  revoke: () =>
    inboundMessage({
      type: "revoke",
      timestamp: later(),
      content: { original_message_id: "wamid.C1" },
    }),
  "unsupported edit": () =>
    unsupportedMessage({ unsupportedType: "edit", timestamp: later() } as never),
  "identity change": () =>
    inboundMessage({
      type: "system",
      timestamp: later(),
      content: { body: "User identity changed", type: "customer_identity_changed" },
      extra: { identity: { acknowledged: true, created_timestamp: String(later()), hash: "x" } },
    }),
  "number change": () =>
    inboundMessage({
      type: "system",
      timestamp: later(),
      content: {
        body: `User changed from ${CUSTOMER} to 6281234567890`,
        wa_id: "6281234567890",
        type: "user_changed_number",
      },
    }),
  "call permission reply": () =>
    inboundMessage({
      type: "interactive",
      timestamp: later(),
      content: {
        type: "call_permission_reply",
        call_permission_reply: { response: "accept", expiration_timestamp: later() + 86400 },
      },
    }),
  "unknown type": () =>
    inboundMessage({ type: "poll_creation", timestamp: later(), content: { name: "?" } }),
  "request welcome": () => inboundMessage({ type: "request_welcome", timestamp: later() }),
};

describe("events while an agent owns the conversation", () => {
  for (const [name, payload] of Object.entries(EVENTS)) {
    it(`${name}: no turn, no window refresh, nothing to the customer, no SLA reminder`, async () => {
      await agentOwnedThread();
      const before = invariants();
      await sendEvent(payload());
      expect(invariants()).toEqual(before);
      expect(f.rows("select direction, status from messages where direction = 'event'")).toEqual([
        { direction: "event", status: "event" },
      ]);
      noReminderLater();
    });
  }

  it("a reaction shows as the same emoji on the mirrored message, and goes when taken back", async () => {
    const { mirroredTs } = await agentOwnedThread();
    await sendEvent(reactionMessage("wamid.C1", "👍🏽"));
    expect(h.slack.reactions(CHANNEL, mirroredTs)).toEqual(["+1::skin-tone-4"]);
    await sendEvent(reactionMessage("wamid.C1", null));
    expect(h.slack.reactions(CHANNEL, mirroredTs)).toEqual([]);
  });

  it("a reaction to the agent's reply lands on the agent's Slack message", async () => {
    await agentOwnedThread();
    const reply = f.rows<{ wa_message_id: string; slack_ts: string }>(
      "select wa_message_id, slack_ts from messages where author = 'agent' order by id limit 1",
    )[0]!;
    await sendEvent(reactionMessage(reply.wa_message_id, "❤️"));
    expect(h.slack.reactions(CHANNEL, reply.slack_ts)).toContain("heart");
  });

  it("a reaction to a message Slack never showed (the AI's answer) is a note quoting it", async () => {
    const { root } = await agentOwnedThread();
    const bridge = f.rows<{ wa_message_id: string; text: string }>(
      "select wa_message_id, text from messages where direction = 'out' and slack_ts is null order by id limit 1",
    )[0]!;
    await sendEvent(reactionMessage(bridge.wa_message_id, "🙏"));
    const note = f.replies(root).at(-1)!;
    expect(note.text).toContain("🙏 The customer reacted to the AI's message “");
    expect(note.text).toContain(bridge.text.slice(0, 20));
  });

  it("an edit redraws the mirrored message with the new text beside the old", async () => {
    const { root, mirroredTs } = await agentOwnedThread();
    await sendEvent(EVENTS.edit!());
    const shown = f.replies(root).find((m) => m.ts === mirroredTs)!;
    const blocks = JSON.stringify(shown.blocks);
    expect(blocks).toContain("INV-1 belum sampai");
    expect(blocks).toContain("Edited to:* pesanan INV-2 belum sampai");
    // The model's view is untouched by the edit event: no turn ran.
    expect(f.rows("select text from messages where wa_message_id = 'wamid.C1'")).toEqual([
      { text: "pesanan INV-1 belum sampai" },
    ]);
  });

  it("a deletion marks the mirrored message as deleted by the customer", async () => {
    const { root, mirroredTs } = await agentOwnedThread();
    await sendEvent(EVENTS.revoke!());
    const shown = f.replies(root).find((m) => m.ts === mirroredTs)!;
    expect(shown.text).toContain("Customer (deleted)");
    expect(JSON.stringify(shown.blocks)).toContain("deleted by the customer");
  });

  it("a redelivered event shows nothing twice", async () => {
    const { root } = await agentOwnedThread();
    const payload = EVENTS["identity change"]!();
    await sendEvent(payload);
    await sendEvent(payload);
    expect(f.replies(root).filter((m) => m.text?.includes("security code changed"))).toHaveLength(
      1,
    );
  });
});

describe("events while the AI owns the conversation", () => {
  it("a reaction to the AI's answer is stored, and the AI says nothing", async () => {
    expect((await h.meta.send(textMessage("jam buka toko?", { id: "wamid.Q1" }))).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
    await f.settle();
    const answer = f.rows<{ wa_message_id: string }>(
      "select wa_message_id from messages where direction = 'out'",
    )[0]!;
    const before = invariants();
    await sendEvent(reactionMessage(answer.wa_message_id, "👍"));
    expect(invariants()).toEqual(before);
    expect(h.slack.calls.filter((c) => c.method !== "auth.test")).toEqual([]);
  });
});

describe("identities", () => {
  it("a sender known only by user_id (from empty, contacts[].user_id) is stored and answered", async () => {
    const payload = inboundMessage({
      type: "text",
      from: null,
      userId: "US.13491208655302741918",
      username: "@sheena",
      content: { body: "jam buka toko?" },
    });
    // Meta's shape: the message names no sender; the change's only contact has the user id.
    const value = payload.entry[0]!.changes[0]!.value as Record<string, unknown>;
    const msg = (value.messages as Record<string, unknown>[])[0]!;
    delete msg.from_user_id;
    msg.from = "";
    (value.contacts as Record<string, unknown>[])[0]!.wa_id = "";
    expect((await h.meta.send(payload)).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
    expect(f.rows("select wa_id, user_id from contacts")).toEqual([
      { wa_id: null, user_id: "US.13491208655302741918" },
    ]);
    expect(h.graph.sent[0]!.body.recipient).toBe("US.13491208655302741918");
  });

  it("a number change keeps one contact, one conversation and one thread", async () => {
    const { root } = await agentOwnedThread();
    await sendEvent(
      inboundMessage({
        type: "system",
        content: {
          body: `User changed from ${CUSTOMER} to 6281234567890`,
          wa_id: "6281234567890",
          type: "user_changed_number",
        },
      }),
    );
    expect(f.rows("select wa_id from contacts")).toEqual([{ wa_id: "6281234567890" }]);
    expect(f.replies(root).at(-1)!.text).toContain("changed their WhatsApp number");
    await h.meta.send(textMessage("ini nomor baru saya", { from: "6281234567890" }));
    await h.slack.waitFor(
      () => f.replies(root).some((m) => m.text?.includes("nomor baru saya")),
      5000,
    );
    expect(f.rows("select count(*) n from contacts")).toEqual([{ n: 1 }]);
    expect(f.rows("select count(*) n from conversations")).toEqual([{ n: 1 }]);
    expect(f.roots()).toHaveLength(1);
    // The agent's next reply goes to the new number.
    expect((await f.event(f.agentReply(root, "Siap kak"))).status).toBe(200);
    await expect
      .poll(() => h.graph.sent.filter((s) => s.type === "text").at(-1)?.body.to, { timeout: 5000 })
      .toBe("6281234567890");
  });

  it("a group message is stored, not answered and not escalated", async () => {
    const payload = textMessage("kak ada promo?", { id: "wamid.G1" });
    const value = payload.entry[0]!.changes[0]!.value as Record<string, unknown>;
    (value.messages as Record<string, unknown>[])[0]!.group_id = "HBgLMTY1MDM4Nzk0MzkVAgASGBQ";
    expect((await h.meta.send(payload)).status).toBe(200);
    await f.settle();
    expect(f.rows("select status from messages")).toEqual([{ status: "group" }]);
    expect(f.rows("select count(*) n from jobs where kind = 'turn'")).toEqual([{ n: 0 }]);
    expect(h.graph.sent).toEqual([]);
    expect(f.rows("select window_ends_at from conversations")).toEqual([{ window_ends_at: null }]);
  });
});

describe("what the agent sees of customer messages", () => {
  it("a photo WhatsApp no longer has still shows its caption in the thread", async () => {
    const { root } = await agentOwnedThread();
    // An unknown media id: the Graph API answers code 100 (expired or never existed).
    await h.meta.send(imageMessage({ mediaId: "999000111", caption: "ini *struk* saya" }));
    await h.slack.waitFor(() => f.replies(root).some((m) => m.text?.includes("Caption")), 5000);
    const notice = f.replies(root).find((m) => m.text?.includes("Caption"))!;
    expect(notice.text).toContain("could not be downloaded");
    expect(notice.text).toContain("💬 *Caption:* ini *struk* saya");
  });

  it("an ad referral is on the thread root and in the model's input", async () => {
    const payload = textMessage("Can I get more info about this?", {
      referral: {
        source_url: "https://fb.me/3cr4Wqqkv",
        source_id: "120226305854810726",
        source_type: "ad",
        headline: "Chat with us",
        body: "Summer Succulents are here!",
        media_type: "image",
        ctwa_clid: "Aff-x",
      },
    });
    expect((await h.meta.send(payload)).status).toBe(200);
    const root = await f.handoff();
    expect(JSON.stringify(root.blocks)).toContain(
      "📣 Came from an ad: *Chat with us*: Summer Succulents are here! (<https://fb.me/3cr4Wqqkv|open>)",
    );
  });

  it("an order and a Flow reply are readable in the thread", async () => {
    const { root } = await agentOwnedThread();
    await h.meta.send(
      inboundMessage({
        type: "order",
        content: {
          catalog_id: "194836987003835",
          text: "",
          product_items: [
            { product_retailer_id: "di9ozbzfi4", quantity: 2, item_price: 30, currency: "USD" },
          ],
        },
      }),
    );
    await h.meta.send(
      inboundMessage({
        type: "interactive",
        content: {
          type: "nfm_reply",
          nfm_reply: {
            name: "flow",
            body: "Sent",
            response_json: '{"flow_token":"T","alamat":"Jl. Merdeka 1","jam":"pagi"}',
          },
        },
      }),
    );
    await h.slack.waitFor(() => f.replies(root).some((m) => m.text?.includes("form reply")), 5000);
    const texts = f.replies(root).map((m) => m.text ?? "");
    expect(texts).toContainEqual(
      expect.stringContaining(
        "Customer sent an order: 🛒 Order (catalog 194836987003835): 2 × di9ozbzfi4 at 30 USD. Total 60 USD.",
      ),
    );
    expect(texts).toContainEqual(
      expect.stringContaining(
        "Customer sent a form reply: 📋 Form reply: alamat: Jl. Merdeka 1; jam: pagi",
      ),
    );
    // Messages, not events: the customer is waiting for a person again.
    expect(f.rows("select customer_waiting_since is not null w from slack_threads")).toEqual([
      { w: 1 },
    ]);
  });
});
