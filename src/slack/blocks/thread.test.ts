import type { ActionsBlock, Button, KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import {
  customerMessageInThread,
  DELIVERY_REACTIONS,
  deliveryFailureReason,
  deliveryReaction,
  type ThreadNotice,
  threadNotice,
} from "./thread.ts";
import { blockLimitProblems } from "./validate.ts";

const NOW = 1_700_000_000_000;

function s(blocks: KnownBlock[] | undefined): string {
  return JSON.stringify(blocks ?? []);
}

function buttonsOf(blocks: KnownBlock[] | undefined): Button[] {
  return (blocks ?? [])
    .filter((b): b is ActionsBlock => b.type === "actions")
    .flatMap((b) => b.elements as Button[]);
}

describe("customerMessageInThread", () => {
  it("mirrors a text message with its time", () => {
    const { text, blocks } = customerMessageInThread({ text: "Halo kak", kind: "text", at: NOW });
    expect(text).toBe("💬 Customer: Halo kak");
    expect(blocks[0]).toMatchObject({
      type: "section",
      text: { type: "mrkdwn", text: "💬 *Customer:* Halo kak", verbatim: true },
    });
    expect(s(blocks)).toContain("<!date^1700000000^");
  });

  it("names media kinds", () => {
    const img = customerMessageInThread({ text: "foto struk", kind: "image", at: NOW });
    expect(img.text).toBe("💬 Customer sent an image: foto struk");
    expect(s(img.blocks)).toContain("💬 *Customer* sent an image: foto struk");
    const sticker = customerMessageInThread({ text: "", kind: "sticker", at: NOW });
    expect(s(sticker.blocks)).toContain("sent a sticker: _(no text)_");
    const odd = customerMessageInThread({ text: "x", kind: "<weird>", at: NOW });
    expect(s(odd.blocks)).not.toContain("<weird>");
  });

  it("keeps a customer's <!channel> harmless", () => {
    const { text, blocks } = customerMessageInThread({
      text: "<!channel> <@U1> @here & <https://evil|x>",
      kind: "text",
      at: NOW,
    });
    expect(s(blocks)).not.toMatch(/<!channel>|<@U1>|<https:\/\/evil\|/);
    // The URL becomes a plain link to the address as typed: its `|` cannot make a label.
    expect(s(blocks)).toContain(
      "&lt;!channel&gt; &lt;@U1&gt; @here &amp; &lt;<https://evil%7Cx>&gt;",
    );
    expect(text).not.toContain("<");
  });

  it("spreads a long message over several sections without losing it", () => {
    const long = `${"kata ".repeat(1500)}<end>`;
    const { blocks } = customerMessageInThread({ text: long, kind: "text", at: NOW });
    expect(blocks.length).toBeGreaterThan(2);
    expect(blockLimitProblems(blocks, 50)).toEqual([]);
    expect(s(blocks)).toContain("&lt;end&gt;");
  });

  it("caps an absurd message at 50 blocks", () => {
    const { blocks } = customerMessageInThread({
      text: "&".repeat(200_000),
      kind: "text",
      at: NOW,
    });
    expect(blocks).toHaveLength(50);
    expect(blockLimitProblems(blocks, 50)).toEqual([]);
    expect(blocks.at(-1)?.type).toBe("context");
  });
});

describe("threadNotice", () => {
  const all: ThreadNotice[] = [
    { kind: "note_kept_internal" },
    { kind: "edit_not_resent" },
    { kind: "delete_not_resent" },
    { kind: "delivery_failed", code: 131026, reason: "Message undeliverable" },
    { kind: "window_closing", windowEndsAt: NOW + 3_600_000, now: NOW },
    { kind: "window_closed", windowEndsAt: NOW - 60_000, conversationId: 7 },
    { kind: "sla_reminder", waitingMinutes: 15, mention: "<!here>" },
    { kind: "claimed", agentName: "Sari" },
    { kind: "returned_to_ai", by: "Sari" },
    { kind: "closed", by: "Sari", summary: "Refund approved." },
    { kind: "template_sent", templateName: "order_update", by: "Sari" },
    { kind: "slack_error", error: "not_in_channel" },
    { kind: "opted_out" },
    { kind: "opt_out_lifted" },
    { kind: "not_sent_opted_out", what: "reply" },
    { kind: "not_sent_opted_out", what: "template", templateName: "follow_up" },
    { kind: "not_sent_opted_out", what: "message" },
    { kind: "csat_rated", score: 3 },
    { kind: "csat_rated", score: 1 },
  ];

  it("renders every notice within the limits", () => {
    for (const n of all) {
      const { text, blocks } = threadNotice(n);
      expect(text.length).toBeGreaterThan(0);
      expect(blockLimitProblems(blocks ?? [], 50)).toEqual([]);
    }
  });

  it("says the customer opted out, what was not sent for it, and when it is lifted", () => {
    expect(threadNotice({ kind: "opted_out" }).text).toBe(
      "🚫 The customer asked not to be messaged any more (STOP). Replies and templates are blocked until they write again asking for help.",
    );
    expect(threadNotice({ kind: "opt_out_lifted" }).text).toContain("wrote again");
    expect(threadNotice({ kind: "not_sent_opted_out", what: "reply" }).text).toContain(
      "*Not sent*: this reply",
    );
    expect(
      threadNotice({ kind: "not_sent_opted_out", what: "template", templateName: "follow_up" })
        .text,
    ).toContain("the template *follow_up*");
  });

  it("tells the agent what happened to notes, edits and deletions", () => {
    expect(threadNotice({ kind: "note_kept_internal" }).text).toContain("not sent to the customer");
    expect(threadNotice({ kind: "edit_not_resent" }).text).toContain("not sent to WhatsApp");
    expect(threadNotice({ kind: "delete_not_resent" }).text).toContain("does not unsend");
  });

  it("explains delivery failures in plain words and always shows the code", () => {
    const t = (code: number | null, reason = "raw reason") =>
      threadNotice({ kind: "delivery_failed", code, reason }).text;
    expect(t(131026)).toContain("not a WhatsApp number or the customer's app is too old");
    expect(t(131026)).toContain("code 131026");
    expect(t(131047)).toContain("24-hour window has closed");
    expect(t(131049)).toContain("marketing");
    expect(t(131050)).toContain("stopped marketing");
    expect(t(130429)).toContain("rate limit");
    expect(t(131056)).toContain("rate limit");
    expect(t(132001)).toContain("template");
    expect(t(132999)).toContain("problem with the template");
    expect(t(190)).toContain("access token expired");
    expect(t(999999, "Something odd")).toContain("Something odd (code 999999)");
    expect(t(null, "<!channel>")).toContain("&lt;!channel&gt; (no code)");
    expect(deliveryFailureReason(null, "  ")).toBe("WhatsApp gave no reason");
  });

  it("offers Send template after a 131047 failure when the conversation is known", () => {
    const with7 = threadNotice({
      kind: "delivery_failed",
      code: 131047,
      reason: "",
      conversationId: 7,
    });
    expect(buttonsOf(with7.blocks).map((b) => [b.action_id, b.value])).toEqual([
      ["conversation_send_template", "7"],
    ]);
    const other = threadNotice({
      kind: "delivery_failed",
      code: 131026,
      reason: "",
      conversationId: 7,
    });
    expect(buttonsOf(other.blocks)).toEqual([]);
  });

  it("warns before the window closes, with the Slack date", () => {
    const n = threadNotice({ kind: "window_closing", windowEndsAt: NOW + 3_600_000, now: NOW });
    expect(n.text).toContain("closes in 1 h");
    expect(n.text).toContain(`<!date^${(NOW + 3_600_000) / 1000}^`);
  });

  it("says the reply was not sent after the window closed and offers Send template", () => {
    const n = threadNotice({ kind: "window_closed", windowEndsAt: NOW, conversationId: 9 });
    expect(n.text).toContain("Not sent");
    expect(buttonsOf(n.blocks).map((b) => [b.action_id, b.value])).toEqual([
      ["conversation_send_template", "9"],
    ]);
  });

  it("mentions the configured group in SLA reminders but never a forged mention", () => {
    const here = threadNotice({ kind: "sla_reminder", waitingMinutes: 15, mention: "<!here>" });
    expect(here.text.startsWith("<!here>")).toBe(true);
    expect(here.text).toContain("15 min");
    const group = threadNotice({
      kind: "sla_reminder",
      waitingMinutes: 90,
      mention: "<!subteam^S123>",
    });
    expect(group.text).toContain("<!subteam^S123>");
    expect(group.text).toContain("1 h 30 min");
    const bad = threadNotice({
      kind: "sla_reminder",
      waitingMinutes: 1,
      mention: "<!channel|x> <@U1>",
    });
    expect(bad.text).not.toContain("<!channel");
  });

  it("acknowledges claim, return, close and template", () => {
    expect(threadNotice({ kind: "claimed", agentName: "Sari" }).text).toContain("Sari claimed");
    expect(threadNotice({ kind: "returned_to_ai", by: "Sari" }).text).toContain("returned");
    const closed = threadNotice({ kind: "closed", by: "Sari", summary: "Refund <approved>." });
    expect(closed.text).toContain("Sari closed");
    expect(closed.text).toContain("Refund &lt;approved&gt;.");
    expect(threadNotice({ kind: "closed", by: "Sari", summary: null }).text).not.toContain(
      "Summary",
    );
    expect(
      threadNotice({ kind: "template_sent", templateName: "order_update", by: "Sari" }).text,
    ).toContain("*order_update*");
    const huge = threadNotice({ kind: "closed", by: "Sari", summary: "&".repeat(10_000) });
    expect(blockLimitProblems(huge.blocks ?? [], 50)).toEqual([]);
  });

  it("shows the customer's satisfaction rating in words", () => {
    expect(threadNotice({ kind: "csat_rated", score: 3 }).text).toBe(
      "⭐ Customer rated this conversation: 😊 Good",
    );
    expect(threadNotice({ kind: "csat_rated", score: 2 }).text).toContain("😐 Okay");
    const poor = threadNotice({ kind: "csat_rated", score: 1 });
    expect(poor.text).toContain("😞 Poor");
    expect(poor.blocks).toMatchObject([
      { type: "context", elements: [{ type: "mrkdwn", text: poor.text }] },
    ]);
  });

  it("shows Slack errors escaped", () => {
    const n = threadNotice({ kind: "slack_error", error: "bad `<!here>`" });
    expect(n.text).toContain("&lt;!here&gt;");
    expect(n.text).not.toContain("<!here>");
  });
});

describe("deliveryReaction", () => {
  it("maps each status to a distinct emoji name", () => {
    expect(deliveryReaction("sent")).toBe("outbox_tray");
    expect(deliveryReaction("delivered")).toBe("white_check_mark");
    expect(deliveryReaction("read")).toBe("eyes");
    expect(deliveryReaction("failed")).toBe("x");
    expect(new Set(Object.values(DELIVERY_REACTIONS)).size).toBe(4);
  });
});
