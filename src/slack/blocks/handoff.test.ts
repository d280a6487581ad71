import type { ActionsBlock, Button, KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import {
  CONVERSATION_ACTIONS,
  type HandoffRootInput,
  handoffRootMessage,
  notificationText,
  statusLine,
  type ThreadStatus,
} from "./handoff.ts";
import { blockLimitProblems } from "./validate.ts";

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

function input(over: Partial<HandoffRootInput> = {}): HandoffRootInput {
  return {
    conversationId: 42,
    customerName: "Budi Santoso",
    phone: "6281234565678",
    reason: "asks for a refund",
    confidence: 0.724,
    summary: "Customer ordered shoes, wrong size, wants a refund.",
    transcript: [
      { from: "customer", text: "Halo, sepatu saya salah ukuran", at: NOW - 10 * 60_000 },
      { from: "bot", text: "Maaf! Boleh nomor pesanannya?", at: NOW - 9 * 60_000 },
      { from: "customer", text: "INV-123, saya mau refund", at: NOW - 8 * 60_000 },
    ],
    windowEndsAt: NOW + 3 * HOUR,
    language: "id",
    status: { kind: "waiting" },
    previousThread: null,
    now: NOW,
    ...over,
  };
}

function json(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

function buttons(blocks: KnownBlock[]): Button[] {
  const actions = blocks.find((b): b is ActionsBlock => b.type === "actions");
  return (actions?.elements ?? []) as Button[];
}

describe("handoffRootMessage", () => {
  it("shows the customer, masked number, reason, confidence, summary and transcript", () => {
    const { text, blocks } = handoffRootMessage(input());
    const s = json(blocks);
    expect(blocks[0]).toMatchObject({ type: "header", text: { text: "🆘 Budi Santoso" } });
    expect(s).toContain("+62 812-••••-5678");
    expect(s).not.toContain("6281234565678");
    expect(s).toContain("asks for a refund");
    expect(s).toContain("72%");
    expect(s).toContain("Indonesian");
    expect(s).toContain("wrong size");
    expect(s).toContain("INV-123, saya mau refund");
    expect(s).toContain("#42");
    expect(blockLimitProblems(blocks, 50)).toEqual([]);
    expect(text).toContain("Budi Santoso");
    expect(text).toContain("asks for a refund");
  });

  it("writes the window end with Slack date formatting and a countdown", () => {
    const s = json(handoffRootMessage(input()).blocks);
    const secs = (NOW + 3 * HOUR) / 1000;
    expect(s).toContain(`closes <!date^${secs}^{date_short_pretty} {time}|`);
    expect(s).toContain("(in 3 h)");
    const closed = json(handoffRootMessage(input({ windowEndsAt: NOW - HOUR })).blocks);
    expect(closed).toContain(`closed <!date^${(NOW - HOUR) / 1000}^`);
    expect(closed).toContain("templates only");
    expect(json(handoffRootMessage(input({ windowEndsAt: null })).blocks)).toContain(
      "*24-hour window*\\nunknown",
    );
  });

  it("falls back to the masked number without a profile name", () => {
    const { text, blocks } = handoffRootMessage(input({ customerName: null }));
    expect(blocks[0]).toMatchObject({ text: { text: "🆘 +62 812-••••-5678" } });
    expect(text).toContain("+62 812-••••-5678");
    const none = handoffRootMessage(input({ customerName: "  ", phone: null }));
    expect(none.blocks[0]).toMatchObject({ text: { text: "🆘 unknown number" } });
  });

  it("shows n/a and unknown for missing confidence and language", () => {
    const s = json(handoffRootMessage(input({ confidence: null, language: null })).blocks);
    expect(s).toContain("*Confidence*\\nn/a");
    expect(s).toContain("*Language*\\nunknown");
  });

  it("keeps customer text harmless: no mentions, links or markup injection", () => {
    const evil = "<!channel> <@U123> <https://evil.example|click> & more";
    const { text, blocks } = handoffRootMessage(
      input({
        customerName: "<!here> Budi",
        reason: evil,
        summary: evil,
        transcript: [{ from: "customer", text: evil, at: NOW }],
      }),
    );
    const s = json(blocks);
    expect(s).not.toContain("<!channel>");
    expect(s).not.toContain("<!here>");
    expect(s).not.toContain("<@U123>");
    expect(s).not.toContain("<https://evil");
    expect(s).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<!");
    expect(text).toContain("&lt;!here&gt;");
    // every mrkdwn object is verbatim, so plain "@here" is not parsed either
    const mrkdwnObjects = [
      ...s.matchAll(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"(,"verbatim":(true|false))?/g),
    ];
    expect(mrkdwnObjects.length).toBeGreaterThan(5);
    for (const m of mrkdwnObjects) expect(m[2]).toBe("true");
  });

  it("shows the last 10 transcript lines, each shortened, within the section limit", () => {
    const transcript = Array.from({ length: 25 }, (_, i) => ({
      from: (i % 2 === 0 ? "customer" : "bot") as "customer" | "bot",
      text: `message ${i} ${"x".repeat(1000)}\nsecond line`,
      at: NOW - (25 - i) * 60_000,
    }));
    const { blocks } = handoffRootMessage(input({ transcript }));
    const section = blocks.find((b) => b.block_id === "transcript");
    const t = (section as { text: { text: string } }).text.text;
    expect(t.length).toBeLessThanOrEqual(3000);
    expect(t).toContain("last 10 of 25");
    expect(t).toContain("message 24 ");
    expect(t).toContain("message 15 ");
    expect(t).not.toContain("message 14 ");
    expect(t.split("\n")).toHaveLength(11);
    expect(t).toContain("<!date^");
    expect(blockLimitProblems(blocks, 50)).toEqual([]);
  });

  it("stays within every limit with huge inputs", () => {
    const huge = "Ж&<".repeat(5000);
    const { blocks } = handoffRootMessage(
      input({
        customerName: huge,
        reason: huge,
        summary: huge,
        transcript: Array.from({ length: 200 }, () => ({
          from: "agent" as const,
          text: huge,
          at: NOW,
        })),
        status: { kind: "in_progress", agentName: huge },
        previousThread: { channel: "C1", ts: "1690000000.000100" },
      }),
    );
    expect(blockLimitProblems(blocks, 50)).toEqual([]);
    expect((blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(150);
  });

  it("has one status line per status", () => {
    const cases: [ThreadStatus, string][] = [
      [{ kind: "waiting" }, "Waiting for an agent"],
      [{ kind: "in_progress", agentName: "Sari" }, "*In progress* with Sari"],
      [{ kind: "closed", by: "Sari" }, "*Closed* by Sari"],
      [{ kind: "closed", by: null }, "✅ *Closed*"],
      [{ kind: "returned_to_ai", by: "Sari" }, "*Returned to the AI* by Sari"],
    ];
    for (const [status, expected] of cases) {
      expect(statusLine(status)).toContain(expected);
      const { blocks } = handoffRootMessage(input({ status }));
      expect(blocks[1]).toMatchObject({ block_id: "status" });
      expect(json([blocks[1]!])).toContain(expected);
    }
    expect(statusLine({ kind: "in_progress", agentName: "<!channel>" })).toContain(
      "&lt;!channel&gt;",
    );
  });

  it("has a notification text that follows the state", () => {
    const text = (status: ThreadStatus) => handoffRootMessage(input({ status })).text;
    expect(text({ kind: "waiting" })).toBe("🆘 Budi Santoso needs a human: asks for a refund");
    const claimed = text({ kind: "in_progress", agentName: "Sari" });
    expect(claimed).toBe("[In progress] 🧑‍💻 Sari is helping Budi Santoso: asks for a refund");
    expect(claimed).not.toContain("needs a human");
    expect(text({ kind: "closed", by: "Sari" })).toBe(
      "[Closed] ✅ Budi Santoso, closed by Sari: asks for a refund",
    );
    expect(text({ kind: "closed", by: null })).toBe("[Closed] ✅ Budi Santoso: asks for a refund");
    expect(text({ kind: "returned_to_ai", by: "Sari" })).toBe(
      "[Back with the AI] 🤖 Budi Santoso, returned by Sari: asks for a refund",
    );
    for (const status of [
      { kind: "in_progress", agentName: "Sari" },
      { kind: "closed", by: "Sari" },
      { kind: "returned_to_ai", by: "Sari" },
    ] as ThreadStatus[]) {
      expect(text(status)).not.toContain("needs a human");
    }
  });

  it("keeps the notification text plain, escaped and short whatever the names", () => {
    const long = handoffRootMessage(
      input({
        status: { kind: "in_progress", agentName: "<!channel>\nSari" },
        reason: "x".repeat(1000),
      }),
    ).text;
    expect(long).toContain("&lt;!channel&gt;");
    expect(long).not.toContain("<!channel>");
    expect(long.length).toBeLessThanOrEqual(320);
    expect(notificationText({ kind: "in_progress", agentName: "  " }, "Budi", "")).toBe(
      "[In progress] 🧑‍💻 An agent is helping Budi: no reason given",
    );
  });

  it("shows the right buttons per status, each carrying the conversation id", () => {
    const ids = (status: ThreadStatus) =>
      buttons(handoffRootMessage(input({ status })).blocks).map((b) => b.action_id);
    expect(ids({ kind: "waiting" })).toEqual([
      CONVERSATION_ACTIONS.claim,
      CONVERSATION_ACTIONS.returnToAi,
      CONVERSATION_ACTIONS.close,
      CONVERSATION_ACTIONS.sendTemplate,
    ]);
    expect(ids({ kind: "in_progress", agentName: "Sari" })).toEqual([
      "conversation_return_to_ai",
      "conversation_close",
      "conversation_send_template",
    ]);
    expect(ids({ kind: "returned_to_ai", by: "Sari" })).toEqual([
      "conversation_claim",
      "conversation_close",
      "conversation_send_template",
    ]);
    expect(ids({ kind: "closed", by: "Sari" })).toEqual([]);
    for (const b of buttons(handoffRootMessage(input()).blocks)) expect(b.value).toBe("42");
  });

  it("shows a Closed context instead of buttons when closed", () => {
    const { text, blocks } = handoffRootMessage(input({ status: { kind: "closed", by: "Sari" } }));
    expect(blocks.some((b) => b.type === "actions")).toBe(false);
    expect(blocks.at(-1)).toMatchObject({ type: "context" });
    expect(json([blocks.at(-1)!])).toContain("Closed");
    expect(text).toMatch(/^\[Closed\]/);
  });

  it("links an earlier thread with app_redirect and its date", () => {
    const s = json(
      handoffRootMessage(input({ previousThread: { channel: "C9", ts: "1690000000.000100" } }))
        .blocks,
    );
    expect(s).toContain(
      "<https://slack.com/app_redirect?channel=C9&amp;message_ts=1690000000.000100|open it>",
    );
    expect(s).toContain("<!date^1690000000^");
  });

  it("shows the handoff summary first, and the rolling memory only beside an automatic one", () => {
    const automatic = handoffRootMessage(
      input({ handoffSummary: { text: "Wants: “refund <now>”", source: "automatic" } }),
    ).blocks;
    expect(automatic[2]!.block_id).toBe("handoff_summary");
    expect(json([automatic[2]!])).toContain("*Summary* (automatic)\\nWants: “refund &lt;now&gt;”");
    expect(automatic.some((b) => b.block_id === "summary")).toBe(true);

    const ai = handoffRootMessage(
      input({ handoffSummary: { text: "Wants: a refund.\nMood: upset.", source: "ai" } }),
    ).blocks;
    expect(ai[2]!.block_id).toBe("handoff_summary");
    expect(json([ai[2]!])).toContain("*Summary* (AI)");
    // The AI's handoff summary already covers what the rolling memory says.
    expect(ai.some((b) => b.block_id === "summary")).toBe(false);

    const huge = handoffRootMessage(
      input({ handoffSummary: { text: "x".repeat(10_000), source: "ai" } }),
    ).blocks;
    const text = (huge[2] as { text: { text: string } }).text.text;
    expect(text.length).toBeLessThanOrEqual(3000);
  });

  it("omits the summary and transcript when there are none", () => {
    const { blocks } = handoffRootMessage(input({ summary: null, transcript: [] }));
    expect(blocks.some((b) => b.block_id === "summary")).toBe(false);
    expect(blocks.some((b) => b.block_id === "transcript")).toBe(false);
  });
});
