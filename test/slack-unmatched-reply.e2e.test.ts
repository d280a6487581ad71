import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  UNMATCHED_REPLY_TEXT,
  UNMATCHED_REPLY_WAIT_MS,
} from "../src/slack/jobs/unmatched-reply.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

let h: Harness;
let f: ReturnType<typeof slackFlow>;

const relayJobs = () =>
  f.rows<{ state: string; order_key: string; attempts: number }>(
    "select state, order_key, attempts from jobs where kind = 'slack.relay' order by id",
  );

/** Makes the waiting relays look as old as the bound, and due now. */
function ageRelays(byMs = UNMATCHED_REPLY_WAIT_MS + 1_000) {
  h.service.db.$client
    .prepare(
      "update jobs set created_at = created_at - ?, run_at = 0 where kind = 'slack.relay' and state = 'pending'",
    )
    .run(byMs);
  h.service.runner.wake();
}

describe("a thread reply whose root is posted but not recorded yet is kept, not dropped", () => {
  beforeEach(async () => {
    h = await startHarness();
    f = slackFlow(h);
  });
  afterEach(async () => h.close());

  it("a reply in a root whose commit was lost reaches WhatsApp exactly once, after the handoff retry records the root", async () => {
    // Slack posts the root but its answer is lost; the retry's search for it is held back 2 s.
    h.slack.failNext("chat.postMessage", { status: 503, afterEffect: true });
    h.slack.failNext("conversations.history", { status: 429, retryAfter: 2 });
    const root = await f.handoff();
    expect(f.rows("select root_ts from slack_threads")).toEqual([{ root_ts: null }]);

    // An agent answers in that thread meanwhile (twice; and Slack delivers the first one again).
    const first = f.agentReply(root, "Halo Kak, saya Smith dari tim support");
    const second = f.agentReply(root, "Pesanan Kakak sedang kami cek");
    expect((await f.event(first)).status).toBe(200);
    expect((await f.event(second)).status).toBe(200);
    expect((await f.event(first)).status).toBe(200);
    expect(relayJobs()).toEqual([
      expect.objectContaining({ order_key: `slack:thread:${CHANNEL}:${root.ts}` }),
      expect.objectContaining({ order_key: `slack:thread:${CHANNEL}:${root.ts}` }),
    ]);
    // Waiting for the root, not dropped: nothing sent to the customer but the bridge message.
    await new Promise((r) => setTimeout(r, 700));
    expect(f.rows("select root_ts from slack_threads")).toEqual([{ root_ts: null }]);
    expect(relayJobs().map((j) => j.state)).toEqual(["pending", "pending"]);
    expect(f.sentTexts().filter((t) => t.includes("Smith"))).toEqual([]);

    // The retry finds the root and records it; the replies follow, in order, each once.
    await expect
      .poll(f.sentTexts, { timeout: 10_000, interval: 50 })
      .toContain("Pesanan Kakak sedang kami cek");
    await f.settle();
    expect(f.rows("select root_ts from slack_threads")).toEqual([{ root_ts: root.ts }]);
    const replies = f
      .sentTexts()
      .filter((t) => t.includes("Smith dari tim") || t.includes("sedang kami cek"));
    expect(replies).toEqual([
      "Halo Kak, saya Smith dari tim support",
      "Pesanan Kakak sedang kami cek",
    ]);
    expect(f.roots()).toHaveLength(1);
    expect(f.rows("select state from conversations")).toEqual([{ state: "agent" }]);
    expect(f.rows("select status, agent_user_id from slack_threads")).toEqual([
      { status: "in_progress", agent_user_id: AGENT },
    ]);

    // A later reply, with the thread known, takes the usual path.
    expect((await f.event(f.agentReply(root, "Sudah dikirim hari ini"))).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toContain("Sudah dikirim hari ini");
    await f.settle();
    expect(relayJobs().at(-1)?.order_key).toMatch(/^slack:conversation:/);
    expect(f.sentTexts().filter((t) => t === "Sudah dikirim hari ini")).toHaveLength(1);
  });

  it("a reply arriving once the root is known, while earlier ones still wait, goes after them", async () => {
    const root = await f.handoff();
    await f.settle();
    // The crash window: the root was posted, its commit did not happen.
    f.rows("update slack_threads set root_ts = null returning id");
    expect((await f.event(f.agentReply(root, "satu"))).status).toBe(200);
    // The root gets recorded (the handoff retry) just before the next reply arrives.
    f.rows("update slack_threads set root_ts = ? returning id", root.ts);
    expect((await f.event(f.agentReply(root, "dua"))).status).toBe(200);
    expect(relayJobs().map((j) => j.order_key)).toEqual([
      `slack:thread:${CHANNEL}:${root.ts}`,
      `slack:thread:${CHANNEL}:${root.ts}`,
    ]);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toContain("dua");
    await f.settle();
    expect(f.sentTexts().filter((t) => t === "satu" || t === "dua")).toEqual(["satu", "dua"]);
  });

  it("after the bound, a reply still unmatched while a handoff could own it is answered in the thread", async () => {
    const root = await f.handoff();
    await f.settle();
    const sentBefore = f.sentTexts().length;
    // The root was posted but never recorded, and no retry will record it.
    f.rows("update slack_threads set root_ts = null returning id");
    expect((await f.event(f.agentReply(root, "Halo Kak"))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(relayJobs().map((j) => j.state)).toEqual(["pending"]);

    ageRelays();
    await h.slack.waitFor(() => f.replies(root).some((m) => m.text === UNMATCHED_REPLY_TEXT), 5000);
    await f.settle();
    expect(f.replies(root).filter((m) => m.text === UNMATCHED_REPLY_TEXT)).toHaveLength(1);
    expect(relayJobs().map((j) => j.state)).toEqual(["done"]);
    expect(f.sentTexts()).toHaveLength(sentBefore);
  });

  it("a reply in a thread the service did not open stays ignored, quietly", async () => {
    const root = await f.handoff();
    await f.settle();
    const foreign = h.slack.addMessage(CHANNEL, { user: AGENT, text: "lunch anyone?" });
    const callsBefore = h.slack.callsTo("chat.postMessage").length;

    // No handoff could own it: not even queued.
    expect((await f.event(f.agentReply(foreign, "me!"))).status).toBe(200);
    expect(relayJobs()).toEqual([]);
    expect(
      h.logs.some(
        (l) =>
          l.msg === "slack message not relayed: not a thread the service opened" && l.level === 20,
      ),
    ).toBe(true);

    // While a handoff's root is unrecorded, it waits; once no handoff could own it any more, it
    // gives up without a word in the thread.
    f.rows("update slack_threads set root_ts = null returning id");
    expect((await f.event(f.agentReply(foreign, "me too"))).status).toBe(200);
    expect(relayJobs().map((j) => j.state)).toEqual(["pending"]);
    f.rows("update slack_threads set root_ts = ? returning id", root.ts);
    ageRelays(0);
    await f.settle();
    expect(relayJobs().map((j) => j.state)).toEqual(["done"]);
    expect(h.slack.callsTo("chat.postMessage")).toHaveLength(callsBefore);
    expect(f.sentTexts().filter((t) => t === "me!" || t === "me too")).toEqual([]);
  });
});
