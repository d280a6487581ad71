import { afterEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { imageMessage, textMessage } from "../src/emulators/meta-webhook.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { slackFlow } from "./helpers/slack.ts";

// Outages measured in time (JOB_RETRY_BUDGET_MS), simulated fast: the backoff cap is 50 ms
// instead of 30 s, so a dozen failed tries (more than the old budget of 8 attempts) take well
// under a second, as "ten minutes down" would take a few dozen tries in production.

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
  emu.respond(() => ({
    json: {
      reply: "Toko kami buka Senin-Sabtu 09.00-21.00 WIB, Kak.",
      handoff: false,
      reason: "answered_from_knowledge",
      confidence: 0.92,
      language: "id",
      needs_smart: false,
    },
  }));
  h = await startHarness({
    ANTHROPIC_API_KEY: emu.apiKey,
    ANTHROPIC_BASE_URL: emu.url,
    AI_MAX_RETRIES: "0",
    JOB_BACKOFF_MAX_MS: "50",
    JOB_RETRY_BUDGET_MS: "60000",
    ...env,
  });
  return h;
}

const rows = <T = Record<string, unknown>>(sql: string) =>
  h!.service.db.$client.prepare(sql).all() as T[];
const answers = () =>
  h!.graph.sent.filter((s) => s.type === "text").map((s) => (s.body.text as { body: string }).body);

async function settle(timeout = 10_000) {
  await expect
    .poll(
      () =>
        rows<{ n: number }>("select count(*) n from jobs where state in ('pending', 'running')")[0]!
          .n,
      {
        timeout,
        interval: 20,
      },
    )
    .toBe(0);
}

describe("remote outages lose nothing (retry budget in time)", () => {
  it("a Graph 5xx / 429 outage longer than the old 8 attempts: the customer is answered once after recovery", async () => {
    await start();
    // Every Graph call fails for a while: the read receipt, then the answer's send, many times.
    h!.graph.failNext({ route: "messages", httpStatus: 500 }, 10);
    h!.graph.failNext({ route: "messages", httpStatus: 429 }, 4);
    h!.graph.failNext({ route: "messages", httpStatus: 503, code: 2 }, 4);
    expect((await h!.meta.send(textMessage("Jam buka toko hari ini?"))).status).toBe(200);
    await expect.poll(answers, { timeout: 10_000, interval: 20 }).toHaveLength(1);
    await settle();
    expect(answers()).toHaveLength(1);
    expect(answers()[0]).toContain("Senin-Sabtu");
    // The turn was not held back by its read receipt; the send outlived the old attempt budget.
    expect(rows("select state, attempts from jobs where kind = 'turn'")).toEqual([
      { state: "done", attempts: 1 },
    ]);
    const [send] = rows<{ state: string; attempts: number }>(
      "select state, attempts from jobs where kind = 'send'",
    );
    expect(send!.state).toBe("done");
    expect(send!.attempts).toBeGreaterThan(8);
    expect(rows("select count(*) n from messages where direction = 'out'")).toEqual([{ n: 1 }]);
    expect(rows("select count(*) n from jobs where state = 'dead'")).toEqual([{ n: 0 }]);
  });

  it.each([
    ["a transient (500)", { httpStatus: 500 }],
    ["a permanent (400)", { httpStatus: 400, code: 100 }],
    ["a hanging", null],
  ] as const)(
    "%s read-receipt failure does not block or repeat the answer",
    async (_name, spec) => {
      await start({ WHATSAPP_TIMEOUT_MS: "3000" });
      if (spec) h!.graph.failNext({ route: "messages", ...spec }, 1);
      else h!.graph.setLatency(2_500); // every call hangs; the answer must not wait for the receipt
      expect((await h!.meta.send(textMessage("Jam buka toko hari ini?"))).status).toBe(200);
      await expect.poll(answers, { timeout: 10_000, interval: 20 }).toHaveLength(1);
      await settle();
      expect(rows("select state, attempts from jobs where kind = 'turn'")).toEqual([
        { state: "done", attempts: 1 },
      ]);
      expect(emu!.requests).toHaveLength(1);
      expect(answers()).toHaveLength(1);
    },
  );

  it("a turn failing past the budget reaches its dead handler: the conversation goes to a person", async () => {
    await start({ JOB_RETRY_BUDGET_MS: "600" });
    // The customer's photo cannot be downloaded: the AI turn fails before the model is called.
    h!.graph.failNext({ route: "media", httpStatus: 500 }, 10_000);
    const f = slackFlow(h!);
    expect((await h!.meta.send(imageMessage({ caption: "ini rusak" }))).status).toBe(200);
    await expect
      .poll(() => rows("select state from jobs where kind = 'turn'"), { timeout: 10_000 })
      .toEqual([{ state: "dead" }]);
    expect(rows("select state, handoff_reason from conversations")).toEqual([
      { state: "escalated", handoff_reason: "model_unavailable" },
    ]);
    // The thread opens and the customer is told a person will answer.
    await h!.slack.waitFor(() => f.roots().length === 1, 8_000);
    await expect.poll(answers, { timeout: 5_000 }).toHaveLength(1);
    expect(emu!.requests).toHaveLength(0);
    expect(
      h!.logs.some((l) => l.jobDead === true && l.alert === "operator" && l.kind === "turn"),
    ).toBe(true);
  });

  it("a Slack outage longer than the old 8 attempts: the mirrored message arrives after recovery, once", async () => {
    await start();
    const f = slackFlow(h!);
    const root = await f.handoff();
    await settle();
    h!.slack.failNext("chat.postMessage", { status: 503 }, 8);
    h!.slack.failNext("chat.postMessage", { status: 429 }, 4);
    expect((await h!.meta.send(textMessage("halo, masih ada orang?"))).status).toBe(200);
    const mirrored = () =>
      f.replies(root).filter((r) => (r.text ?? "").includes("masih ada orang"));
    await expect.poll(mirrored, { timeout: 10_000, interval: 20 }).toHaveLength(1);
    await settle();
    expect(mirrored()).toHaveLength(1);
    const posts = rows<{ state: string; attempts: number }>(
      "select state, attempts from jobs where kind = 'slack.post' order by id desc limit 1",
    );
    expect(posts[0]!.state).toBe("done");
    expect(posts[0]!.attempts).toBeGreaterThan(8);
    expect(
      rows(
        "select count(*) n from messages where direction = 'in' and text like '%masih ada orang%' and slack_ts is not null",
      ),
    ).toEqual([{ n: 1 }]);
  });

  it("a mirrored message whose Slack post dies past the budget is recorded for operators", async () => {
    await start({ JOB_RETRY_BUDGET_MS: "500" });
    const f = slackFlow(h!);
    await f.handoff();
    await settle();
    h!.slack.failNext("chat.postMessage", { status: 500 }, 10_000);
    expect((await h!.meta.send(textMessage("tolong dibalas"))).status).toBe(200);
    await expect
      .poll(
        () => rows("select state from jobs where kind = 'slack.post' order by id desc limit 1"),
        { timeout: 10_000 },
      )
      .toEqual([{ state: "dead" }]);
    expect(
      rows("select slack_ts from messages where direction = 'in' and text = 'tolong dibalas'"),
    ).toEqual([{ slack_ts: null }]);
    const alert = h!.logs.find(
      (l) => l.alert === "operator" && String(l.msg).includes("never shown in Slack"),
    );
    expect(alert).toMatchObject({ level: 50, kind: "slack.post" });
    expect(alert?.messageId).toBeTypeOf("number");
  });
});
