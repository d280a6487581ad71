import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId } from "../src/core/ids.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import { claimConversation } from "../src/slack/controls.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { CHANNEL, slackFlow } from "./helpers/slack.ts";

let h: Harness;
let f: ReturnType<typeof slackFlow>;

interface JobRow {
  id: number;
  state: string;
  attempts: number;
  run_at: number;
  last_error: string | null;
}

const postJobs = () =>
  f.rows<JobRow>(
    "select id, state, attempts, run_at, last_error from jobs where kind = 'slack.post' order by id",
  );

describe("Slack failures (real Bolt app, Slack emulator answering 429 / 5xx / ok:false)", () => {
  beforeEach(async () => {
    h = await startHarness();
    f = slackFlow(h);
  });
  afterEach(async () => h.close());

  it("retries 429 (Retry-After) and 5xx through the job runner: every mirrored message posted once, in order", async () => {
    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);

    h.slack.failNext("chat.postMessage", { status: 429, retryAfter: 1 });
    h.slack.failNext("chat.postMessage", { status: 503 });
    const texts = ["pesan satu", "pesan dua", "pesan tiga"];
    const started = Date.now();
    for (const text of texts) expect((await h.meta.send(textMessage(text))).status).toBe(200);

    const mirrored = () =>
      f
        .replies(root)
        .map((r) => r.text ?? "")
        .filter((t) => t.includes("pesan"));
    await expect.poll(mirrored, { timeout: 8000, interval: 20 }).toHaveLength(3);
    // Retry-After was honoured: nothing was posted before a second had passed.
    const calls = h.slack.callsTo("chat.postMessage").filter((c) => c.at >= started);
    expect(calls.map((c) => c.response?.status)).toEqual([429, 503, 200, 200, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    // In order, none twice, and the AI stayed silent.
    expect(mirrored().map((t) => texts.findIndex((x) => t.includes(x)))).toEqual([0, 1, 2]);
    await f.settle();
    expect(mirrored()).toHaveLength(3);
    expect(f.sentTexts()).toHaveLength(1);
    expect(postJobs().every((j) => j.state === "done")).toBe(true);
    // Each mirrored customer message is linked to its thread post.
    expect(
      f.rows("select count(*) n from messages where direction = 'in' and slack_ts is not null"),
    ).toEqual([{ n: 3 }]);
  });

  it.each(["channel_not_found", "not_in_channel", "invalid_auth"])(
    "keeps a thread post refused with %s, alerts operators, and posts it once fixed",
    async (error) => {
      const root = await f.handoff();
      await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
      await f.settle();

      h.slack.failNext("chat.postMessage", { error });
      const before = Date.now();
      await h.meta.send(textMessage("halo, ada orang?"));
      await expect
        .poll(() => postJobs().at(-1)?.last_error ?? null, { timeout: 5000, interval: 20 })
        .toBe(`slack ${error}`);

      // Not dead: back in the queue for the operator retry delay, the attempt not counted.
      const job = postJobs().at(-1)!;
      expect(job.state).toBe("pending");
      expect(job.attempts).toBe(0);
      expect(job.run_at).toBeGreaterThanOrEqual(before + 5 * 60_000 - 1000);
      expect(f.rows("select count(*) n from jobs where state = 'dead'")).toEqual([{ n: 0 }]);
      const alerts = h.logs.filter((l) => l.alert === "operator");
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ level: 50, slackError: error });
      expect(String(alerts[0]!.msg)).toContain(error);
      expect(f.replies(root).some((r) => r.text?.includes("ada orang"))).toBe(false);

      // The operator fixed the setup (the emulator answers normally again); time passes.
      h.service.db.$client.prepare("update jobs set run_at = 0 where id = ?").run(job.id);
      h.service.runner.wake();
      await h.slack.waitFor(() => f.replies(root).some((r) => r.text?.includes("ada orang")), 5000);
      await f.settle();
      expect(f.replies(root).filter((r) => r.text?.includes("ada orang"))).toHaveLength(1);
      expect(postJobs().at(-1)).toMatchObject({ state: "done", attempts: 1 });
    },
  );

  it("keeps retrying while the bot stays out of the channel, without ever using up the attempts", async () => {
    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
    await f.settle();

    h.slack.setNotInChannel(CHANNEL);
    await h.meta.send(textMessage("pesan pertama"));
    await h.meta.send(textMessage("pesan kedua"));
    // Alerts so far, once the refused post is back in the queue.
    const alerts = () =>
      postJobs()[0]?.state === "pending" ? h.logs.filter((l) => l.alert === "operator").length : -1;
    await expect.poll(alerts, { timeout: 5000, interval: 20 }).toBe(1);
    // Operator retries come and go while the setup is still broken (more than JOB_MAX_ATTEMPTS).
    for (let i = 2; i <= 10; i++) {
      h.service.db.$client.exec("update jobs set run_at = 0 where state = 'pending'");
      h.service.runner.wake();
      await expect.poll(alerts, { timeout: 5000, interval: 20 }).toBe(i);
    }
    // The first post holds the second back (order kept), and neither is dead or counted.
    expect(postJobs().map((j) => [j.state, j.attempts, j.last_error])).toEqual([
      ["pending", 0, "slack not_in_channel"],
      ["pending", 0, null],
    ]);

    h.slack.setNotInChannel(CHANNEL, false);
    h.service.db.$client.exec("update jobs set run_at = 0 where state = 'pending'");
    h.service.runner.wake();
    const mirrored = () =>
      f
        .replies(root)
        .map((r) => r.text ?? "")
        .filter((t) => t.includes("pesan"));
    await expect.poll(mirrored, { timeout: 5000, interval: 20 }).toHaveLength(2);
    expect(mirrored()[0]).toContain("pertama");
    expect(mirrored()[1]).toContain("kedua");
    await f.settle();
    expect(postJobs().every((j) => j.state === "done")).toBe(true);
  });

  it("a handoff whose root post fails with 500 once opens one root and sends one bridge message", async () => {
    h.slack.failNext("chat.postMessage", { status: 500 });
    const root = await f.handoff();
    await f.settle();
    expect(f.roots()).toHaveLength(1);
    expect(
      h.slack.callsTo("chat.postMessage").map((c) => [c.response?.status, c.args.thread_ts]),
    ).toEqual([
      [500, undefined],
      [200, undefined],
    ]);
    expect(f.sentTexts()).toHaveLength(1);
    expect(f.rows("select root_ts, bridge_sent_at is not null sent from slack_threads")).toEqual([
      { root_ts: root.ts, sent: 1 },
    ]);
    expect(f.rows("select state from conversations")).toEqual([{ state: "escalated" }]);
  });

  it("a handoff root whose answer was lost is found on the retry, not posted twice", async () => {
    // Slack posts the root but the answer never arrives (a 503 after the fact).
    h.slack.failNext("chat.postMessage", { status: 503, afterEffect: true });
    const root = await f.handoff();
    await f.settle();
    expect(f.roots()).toHaveLength(1);
    expect(h.slack.callsTo("chat.postMessage").map((c) => c.response?.status)).toEqual([503]);
    expect(h.slack.callsTo("conversations.history")).toHaveLength(1);
    expect(f.rows("select root_ts, bridge_sent_at is not null sent from slack_threads")).toEqual([
      { root_ts: root.ts, sent: 1 },
    ]);
    expect(f.sentTexts()).toHaveLength(1);
  });

  it("a thread post whose answer was lost is found on the retry and linked, not posted twice", async () => {
    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
    await f.settle();

    h.slack.failNext("chat.postMessage", { status: 503, afterEffect: true });
    await h.meta.send(textMessage("paket saya belum sampai", { id: "wamid.LOST1" }));
    await expect.poll(() => postJobs().at(-1)?.state, { timeout: 8000, interval: 20 }).toBe("done");
    await f.settle();
    const posts = f.replies(root).filter((r) => r.text?.includes("belum sampai"));
    expect(posts).toHaveLength(1);
    expect(postJobs().at(-1)?.attempts).toBe(2);
    expect(h.slack.callsTo("conversations.replies")).toHaveLength(1);
    // Linked to the post the first attempt made, and marked read once.
    expect(f.rows("select slack_ts from messages where wa_message_id = 'wamid.LOST1'")).toEqual([
      { slack_ts: posts[0]!.ts },
    ]);
    // The receipt follows the commit that records the link, so it may land a moment later.
    await expect
      .poll(() => h.graph.reads.filter((r) => r.waMessageId === "wamid.LOST1"))
      .toHaveLength(1);
  });

  it("a claim made while the root post is being retried is kept: no reset, no bridge", async () => {
    h.slack.failNext("chat.postMessage", { status: 500 });
    expect((await h.meta.send(textMessage("saya mau bicara dengan orang beneran"))).status).toBe(
      200,
    );
    // The thread row exists before the root is posted; an agent claims in that gap.
    await expect
      .poll(() => f.rows("select count(*) n from slack_threads"), { timeout: 5000 })
      .toEqual([{ n: 1 }]);
    const id = f.conversationId() as ConversationId;
    expect(claimConversation(h.service.db, id, { userId: "U0AGENT", name: "Smith" })).toEqual({
      ok: true,
    });
    h.service.runner.wake();
    await h.slack.waitFor(() => f.roots().length === 1, 8000);
    await f.settle();
    expect(f.rows("select state from conversations")).toEqual([{ state: "agent" }]);
    expect(f.rows("select status, agent_name from slack_threads")).toEqual([
      { status: "in_progress", agent_name: "Smith" },
    ]);
    expect(f.sentTexts()).toHaveLength(0);
  });
});
