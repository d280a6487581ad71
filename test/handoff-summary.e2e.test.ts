import { afterEach, describe, expect, it } from "vitest";
import {
  type AnthropicEmulator,
  type ParsedRequest,
  startAnthropicEmulator,
} from "../src/emulators/anthropic.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import type { SlackMessage } from "../src/emulators/slack.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";
import { slackFlow } from "./helpers/slack.ts";

// Issue 12, point 2: every handoff thread root starts with a summary. Online, the fast tier
// writes it (after the root is up: a handoff never waits for the model); offline or when that
// call fails, the root shows the deterministic one (src/core/handoff-summary.ts).

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;
afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
});

const AI_SUMMARY =
  "Wants: to know where order 88123 is.\nTried: AI said orders ship in 1-2 days.\nMood: impatient.\nPromised: nothing";

/** A summary request is the only free-text call: no structured output format. */
const isSummaryCall = (req: ParsedRequest) => req.systemText.includes("handed to a human");

function summaryBlock(root: SlackMessage): { index: number; text: string } | null {
  const blocks = (root.blocks ?? []) as { block_id?: string; text?: { text: string } }[];
  const index = blocks.findIndex((b) => b.block_id === "handoff_summary");
  return index < 0 ? null : { index, text: blocks[index]!.text!.text };
}

async function conversationToHandoff(
  f: ReturnType<typeof slackFlow>,
  harness: Harness,
): Promise<SlackMessage> {
  expect((await harness.meta.send(textMessage("halo kak"))).status).toBe(200);
  expect(
    (
      await harness.meta.send(
        textMessage("order #88123 kok belum sampai ya? sudah bayar Rp 150.000"),
      )
    ).status,
  ).toBe(200);
  await f.settle();
  return f.handoff("mau bicara dengan admin aja");
}

describe("a summary on every handoff", () => {
  it("online: the root shows the fast tier's summary first, written once after the handoff", async () => {
    emu = await startAnthropicEmulator();
    emu.respond((req) =>
      isSummaryCall(req)
        ? { text: AI_SUMMARY }
        : decision("Pesanan biasanya dikirim 1-2 hari kerja, Kak."),
    );
    h = await startHarness({ ANTHROPIC_API_KEY: emu.apiKey, ANTHROPIC_BASE_URL: emu.url });
    const f = slackFlow(h);
    const root = await conversationToHandoff(f, h);
    await f.settle();

    const summaryCalls = emu.requests.filter((r) =>
      JSON.stringify(r.body).includes("handed to a human"),
    );
    expect(summaryCalls).toHaveLength(1);
    // The model saw the conversation, including the AI's own answer.
    expect(JSON.stringify(summaryCalls[0]!.body)).toContain("88123");
    expect(JSON.stringify(summaryCalls[0]!.body)).toContain("AI: Pesanan biasanya");
    // The root as Slack holds it now (redrawn by chat.update once the summary was written).
    const current = () => f.roots().find((m) => m.ts === root.ts)!;
    await h.slack.waitFor(() => summaryBlock(current())?.text.includes("(AI)") === true, 5000);
    const shown = summaryBlock(current())!;
    expect(shown.index).toBe(2); // right after the header and the status line
    expect(shown.text).toContain("Wants: to know where order 88123 is.");
    expect(f.rows("select handoff_summary from slack_threads")).toEqual([
      { handoff_summary: AI_SUMMARY },
    ]);
    expect(f.rows("select purpose, tier, outcome from ai_calls where purpose = 'summary'")).toEqual(
      [{ purpose: "summary", tier: "fast", outcome: "ok" }],
    );
  });

  it("offline: the root shows the automatic summary with the question and the facts", async () => {
    h = await startHarness();
    const f = slackFlow(h);
    // Offline, what the knowledge base cannot answer is handed off at once.
    expect(
      (await h.meta.send(textMessage("order #88123 kok belum sampai ya? sudah bayar Rp 150.000")))
        .status,
    ).toBe(200);
    await h.slack.waitFor(() => f.roots().length === 1, 8000);
    await f.settle();
    const shown = summaryBlock(f.roots()[0]!);
    expect(shown).not.toBeNull();
    expect(shown!.index).toBe(2);
    expect(shown!.text).toContain("*Summary* (automatic)");
    expect(shown!.text).toContain(
      "Wants: “order #88123 kok belum sampai ya? sudah bayar Rp 150.000”",
    );
    expect(shown!.text).toContain("ref 88123");
    expect(shown!.text).toContain("amount Rp 150.000");
    expect(f.rows("select handoff_summary from slack_threads")).toEqual([
      { handoff_summary: null },
    ]);
    expect(f.rows("select count(*) n from ai_calls")).toEqual([{ n: 0 }]);
    expect(f.rows("select count(*) n from jobs where state = 'dead'")).toEqual([{ n: 0 }]);
  });

  it("offline: a handoff on a greeting learns the question from the customer's next message", async () => {
    h = await startHarness();
    const f = slackFlow(h);
    expect((await h.meta.send(textMessage("halo kak"))).status).toBe(200);
    await h.slack.waitFor(() => f.roots().length === 1, 8000);
    await f.settle();
    expect(summaryBlock(f.roots()[0]!)!.text).toContain("not said yet");
    expect(
      (await h.meta.send(textMessage("paket INV-2024-0031 kok belum sampai ya?"))).status,
    ).toBe(200);
    await h.slack.waitFor(
      () => summaryBlock(f.roots()[0]!)?.text.includes("Wants: “paket INV-2024-0031") === true,
      8000,
    );
    expect(summaryBlock(f.roots()[0]!)!.text).toContain("ref INV-2024-0031");
    // Once a person has answered, the root no longer follows every message.
    const root = f.roots()[0]!;
    await f.event(f.agentReply(root, "Halo Kak, kami cek ya."));
    await expect
      .poll(() => f.rows("select first_human_reply_at is not null as r from slack_threads"), {
        timeout: 5000,
      })
      .toEqual([{ r: 1 }]);
    await f.settle();
    const updates = () => h!.slack.calls.filter((c) => c.method === "chat.update").length;
    const before = updates();
    expect((await h.meta.send(textMessage("ditunggu ya kak"))).status).toBe(200);
    await f.settle();
    expect(updates()).toBe(before);
  });

  it("when the summary call fails, the automatic summary stays and nothing is retried or dead", async () => {
    emu = await startAnthropicEmulator();
    emu.respond((req) =>
      isSummaryCall(req)
        ? { error: { status: 500, message: "overloaded" } }
        : decision("Pesanan biasanya dikirim 1-2 hari kerja, Kak."),
    );
    h = await startHarness({
      ANTHROPIC_API_KEY: emu.apiKey,
      ANTHROPIC_BASE_URL: emu.url,
      AI_MAX_RETRIES: "0",
    });
    const f = slackFlow(h);
    const root = await conversationToHandoff(f, h);
    await f.settle();
    expect(summaryBlock(root)!.text).toContain("*Summary* (automatic)");
    expect(f.rows("select handoff_summary from slack_threads")).toEqual([
      { handoff_summary: null },
    ]);
    expect(f.rows("select outcome from ai_calls where purpose = 'summary'")).toEqual([
      { outcome: "error" },
    ]);
    expect(
      f.rows(
        "select state, count(*) n from jobs where kind = 'slack.handoff_summary' group by state",
      ),
    ).toEqual([{ state: "done", n: 1 }]);
  });
});
