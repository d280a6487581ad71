import { afterEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { imageMessage, textMessage } from "../src/emulators/meta-webhook.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";
import { slackFlow } from "./helpers/slack.ts";

// The /metrics histograms and counters fed by the real service: a WhatsApp webhook, the AI
// reply, a handoff and an agent's reply through the emulators, each observed once, also when a
// job is retried or Slack delivers an event again.

const TOKEN = "e2e-metrics-token-0123456789abcdef";
let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;

afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
});

async function start(env: Record<string, string> = {}) {
  emu = await startAnthropicEmulator();
  emu.respond(() => decision("Toko kami buka Senin-Sabtu 09.00-21.00 WIB, Kak."));
  h = await startHarness({
    ANTHROPIC_API_KEY: emu.apiKey,
    ANTHROPIC_BASE_URL: emu.url,
    AI_MAX_RETRIES: "0",
    METRICS_TOKEN: TOKEN,
    ...env,
  });
  return { h, f: slackFlow(h) };
}

/** The exposition's sample lines (no comments), fetched with the token. */
async function samples(): Promise<string[]> {
  const res = await fetch(`${h!.service.url}/metrics`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.text()).split("\n").filter((l) => l.startsWith("jembatan_"));
}

/** The value of one sample, e.g. `jembatan_escalations_total{reason="ai_off"}`; null: absent. */
function value(lines: string[], series: string): number | null {
  const line = lines.find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe("/metrics through the real service", () => {
  it("webhook → AI reply → handoff → agent reply: one observation each, escalations at 1", async () => {
    const { f } = await start();

    // The token guards the route; without it nothing is shown.
    const refused = await fetch(`${h!.service.url}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrong = await fetch(`${h!.service.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN.slice(1)}` },
    });
    expect(wrong.status).toBe(401);
    expect(await samples()).not.toContain("jembatan_first_human_reply_seconds_count 1");

    // 1. A question: the AI answers (fast tier).
    expect(
      (await h!.meta.send(textMessage("Halo kak, jam buka toko sampai jam berapa?"))).status,
    ).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 8000 }).toHaveLength(1);
    await f.settle();

    // 2. The customer asks for a person: handed off, the thread opens.
    const root = await f.handoff();
    await f.settle();

    // 3. An agent answers in the thread; Slack delivers the event twice (a retry), and the
    //    agent writes again: only the first reply of the handoff is "first".
    const event = f.agentReply(root, "Halo Kak, saya Smith dari tim CS.");
    expect((await f.event(event)).status).toBe(200);
    await expect
      .poll(f.sentTexts, { timeout: 8000 })
      .toContain("Halo Kak, saya Smith dari tim CS.");
    await f.settle();
    expect((await f.event(event)).status).toBe(200);
    expect((await f.event(f.agentReply(root, "Ada yang bisa dibantu?"))).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 8000 }).toContain("Ada yang bisa dibantu?");
    await f.settle();

    const m = await samples();
    // Two WhatsApp deliveries, three Slack deliveries: each answered and timed once.
    expect(value(m, 'jembatan_webhook_ack_seconds_count{source="whatsapp"}')).toBe(2);
    expect(value(m, 'jembatan_webhook_ack_seconds_count{source="slack"}')).toBe(3);
    expect(value(m, 'jembatan_webhook_ack_seconds_bucket{le="+Inf",source="whatsapp"}')).toBe(2);
    expect(value(m, 'jembatan_webhook_ack_seconds_sum{source="whatsapp"}')).toBeLessThan(5);

    expect(value(m, 'jembatan_ai_reply_seconds_count{tier="fast"}')).toBe(1);
    expect(m.filter((l) => l.startsWith("jembatan_ai_reply_seconds_count"))).toHaveLength(1);
    const aiSeconds = value(m, 'jembatan_ai_reply_seconds_sum{tier="fast"}')!;
    expect(aiSeconds).toBeGreaterThan(0);
    expect(aiSeconds).toBeLessThan(8);

    expect(value(m, "jembatan_first_human_reply_seconds_count")).toBe(1);
    expect(value(m, 'jembatan_first_human_reply_seconds_bucket{le="30"}')).toBe(1);
    const humanSeconds = value(m, "jembatan_first_human_reply_seconds_sum")!;
    expect(humanSeconds).toBeGreaterThan(0);
    expect(humanSeconds).toBeLessThan(15);

    expect(m.filter((l) => l.startsWith("jembatan_escalations_total"))).toEqual([
      'jembatan_escalations_total{reason="customer_request"} 1',
    ]);
    // The database gauges are still there, today's cost included.
    expect(value(m, "jembatan_ai_cost_usd_today")).toBeGreaterThan(0);
    expect(value(m, 'jembatan_conversations{state="agent"}')).toBe(1);
  });

  it("a turn retried after failures observes its reply once", async () => {
    await start({ JOB_BACKOFF_MAX_MS: "50" });
    const f = slackFlow(h!);
    // The photo cannot be downloaded twice: the turn fails twice, the third run answers.
    h!.graph.failNext({ route: "media", httpStatus: 500 }, 2);
    expect((await h!.meta.send(imageMessage({ caption: "ini rusak kak" }))).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 10_000 }).toHaveLength(1);
    await f.settle();
    expect(f.rows("select state, attempts from jobs where kind = 'turn'")).toEqual([
      { state: "done", attempts: 3 },
    ]);
    const m = await samples();
    expect(value(m, 'jembatan_ai_reply_seconds_count{tier="fast"}')).toBe(1);
    expect(m.filter((l) => l.startsWith("jembatan_escalations_total"))).toEqual([]);
  });

  it("a turn that dies past its budget hands off, counted once after the death commits", async () => {
    await start({ JOB_BACKOFF_MAX_MS: "50", JOB_RETRY_BUDGET_MS: "600" });
    const f = slackFlow(h!);
    h!.graph.failNext({ route: "media", httpStatus: 500 }, 10_000);
    expect((await h!.meta.send(imageMessage({ caption: "ini rusak" }))).status).toBe(200);
    await expect
      .poll(() => f.rows("select state from jobs where kind = 'turn'"), { timeout: 10_000 })
      .toEqual([{ state: "dead" }]);
    const [turn] = f.rows<{ attempts: number }>("select attempts from jobs where kind = 'turn'");
    expect(turn!.attempts).toBeGreaterThan(1);
    await h!.slack.waitFor(() => f.roots().length === 1, 8_000);
    const m = await samples();
    expect(m.filter((l) => l.startsWith("jembatan_escalations_total"))).toEqual([
      'jembatan_escalations_total{reason="model_unavailable"} 1',
    ]);
    expect(m.filter((l) => l.startsWith("jembatan_ai_reply_seconds_count"))).toEqual([]);
  });
});
