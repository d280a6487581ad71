import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVICE_WINDOW_MS } from "../src/core/window.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import type { SlackCall, SlackMessage } from "../src/emulators/slack.ts";
import { CONVERSATION_ACTIONS } from "../src/slack/blocks/index.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { CHANNEL, slackFlow } from "./helpers/slack.ts";

/** The throttle of these tests (SLACK_ROOT_REFRESH_SECONDS), with the sweeper every second. */
const REFRESH_MS = 2000;

let h: Harness;
let f: ReturnType<typeof slackFlow>;

beforeEach(async () => {
  h = await startHarness({
    SLACK_SWEEP_SECONDS: "1",
    SLACK_ROOT_REFRESH_SECONDS: String(REFRESH_MS / 1000),
  });
  f = slackFlow(h);
});
afterEach(async () => h.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** The `<!date^…^` token of a window end (Unix ms) as the root's window field shows it. */
const dateToken = (ms: number) => `<!date^${Math.floor(ms / 1000)}^`;
/** chat.update calls on the thread root. */
const rootUpdates = (root: SlackMessage): SlackCall[] =>
  h.slack.callsTo("chat.update").filter((c) => c.args.ts === root.ts);
const succeeded = (calls: SlackCall[]) => calls.filter((c) => c.response?.status === 200);
const windowField = (blocks: unknown) =>
  (JSON.stringify(blocks).match(/24-hour window\*\\n([^"]*)"/) ?? [])[1] ?? "";
const updateRootJobs = () =>
  f.rows<{ state: string; attempts: number; dedupe_key: string | null }>(
    "select state, attempts, dedupe_key from jobs where kind = 'slack.update_root' order by id",
  );
const threadRow = () =>
  f.rows<{ root_window_ends_at: number | null; root_updated_at: number | null }>(
    "select root_window_ends_at, root_updated_at from slack_threads",
  )[0]!;

/**
 * A handoff whose first message was written two hours ago (so its window ends in 22 hours), with
 * the bridge message sent and every job finished.
 */
async function openThread(): Promise<{ root: SlackMessage; firstEnd: number }> {
  const writtenAt = nowSeconds() - 2 * 3600;
  const before = f.roots().length;
  const res = await h.meta.send(
    textMessage("saya mau bicara dengan orang beneran", { timestamp: writtenAt }),
  );
  expect(res.status).toBe(200);
  await h.slack.waitFor(() => f.roots().length > before, 8000);
  await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
  await f.settle();
  const root = f.roots().at(-1)!;
  const firstEnd = writtenAt * 1000 + SERVICE_WINDOW_MS;
  expect(windowField(root.blocks)).toContain(dateToken(firstEnd));
  // The handoff job recorded what the root shows.
  expect(threadRow().root_window_ends_at).toBe(firstEnd);
  return { root, firstEnd };
}

/** The customer writes again at `timestamp` (Unix seconds); the message reaches the thread. */
async function customerWritesAgain(root: SlackMessage, text: string, timestamp: number) {
  const before = f.replies(root).length;
  expect((await h.meta.send(textMessage(text, { timestamp }))).status).toBe(200);
  await expect.poll(() => f.replies(root).length, { timeout: 5000 }).toBeGreaterThan(before);
}

describe("the thread root's 24-hour window stays true", () => {
  it("is updated in place after the customer writes again, at most once per throttle period", async () => {
    const { root, firstEnd } = await openThread();
    expect(rootUpdates(root)).toEqual([]);

    const secondAt = nowSeconds();
    const secondEnd = secondAt * 1000 + SERVICE_WINDOW_MS;
    expect(secondEnd).toBeGreaterThan(firstEnd);
    await customerWritesAgain(root, "halo, masih ada orang?", secondAt);

    // The sweeper redraws the root in place: chat.update on the same ts with the new window end.
    await expect
      .poll(() => succeeded(rootUpdates(root)).length, { timeout: 8000, interval: 20 })
      .toBe(1);
    const first = rootUpdates(root)[0]!;
    expect(first.args.channel).toBe(CHANNEL);
    expect(windowField(first.args.blocks)).toContain(dateToken(secondEnd));
    expect(windowField(first.args.blocks)).not.toContain(dateToken(firstEnd));
    expect(windowField(h.slack.message(CHANNEL, root.ts)?.blocks)).toContain(dateToken(secondEnd));
    // Still one root: updated, not posted again; and still waiting for a human.
    expect(f.roots()).toHaveLength(1);
    expect(first.args.text).toContain("needs a human");

    // The customer writes again right away: the window end moves again, but the next redraw
    // waits for the throttle period after the first one.
    while (nowSeconds() <= secondAt) await sleep(50);
    const thirdAt = nowSeconds();
    const thirdEnd = thirdAt * 1000 + SERVICE_WINDOW_MS;
    await customerWritesAgain(root, "halo??", thirdAt);
    const quietUntil = first.at + REFRESH_MS - 300;
    if (Date.now() < quietUntil) await sleep(quietUntil - Date.now());
    expect(rootUpdates(root)).toHaveLength(1);

    await expect
      .poll(() => succeeded(rootUpdates(root)).length, { timeout: 8000, interval: 20 })
      .toBe(2);
    const second = rootUpdates(root)[1]!;
    expect(windowField(second.args.blocks)).toContain(dateToken(thirdEnd));
    // Never two redraws within the throttle period (less the time the first call took to send).
    expect(second.at - first.at).toBeGreaterThanOrEqual(REFRESH_MS - 150);

    // Nothing changed since: no further redraw however often the sweeper runs.
    await f.settle();
    await sleep(REFRESH_MS + 1200);
    expect(rootUpdates(root)).toHaveLength(2);
    expect(updateRootJobs()).toEqual([
      expect.objectContaining({ state: "done", dedupe_key: expect.stringMatching(/^root:/) }),
      expect.objectContaining({ state: "done", dedupe_key: expect.stringMatching(/^root:/) }),
    ]);
    expect(threadRow().root_window_ends_at).toBe(thirdEnd);
  });

  it("retries a chat.update that failed with 5xx through the job runner, and the sweeper queues no duplicate", async () => {
    const { root } = await openThread();
    h.slack.failNext("chat.update", { status: 503 }, 3);

    const againAt = nowSeconds();
    const againEnd = againAt * 1000 + SERVICE_WINDOW_MS;
    await customerWritesAgain(root, "halo, masih ada orang?", againAt);

    await expect
      .poll(() => succeeded(rootUpdates(root)).length, { timeout: 15_000, interval: 20 })
      .toBe(1);
    // Three failures and the retry that went through (backoff 1, 2, 4 s with equal jitter: at
    // least 3.5 s), so the sweeper ran past the throttle period while the job was pending.
    const calls = rootUpdates(root);
    expect(calls.map((c) => c.response?.status)).toEqual([503, 503, 503, 200]);
    expect(calls[3]!.at - calls[0]!.at).toBeGreaterThan(REFRESH_MS + 1000);
    expect(windowField(h.slack.message(CHANNEL, root.ts)?.blocks)).toContain(dateToken(againEnd));
    await f.settle();
    await sleep(REFRESH_MS + 1200);
    // One job, run four times; no second redraw queued for the same window.
    expect(updateRootJobs()).toEqual([expect.objectContaining({ state: "done", attempts: 4 })]);
    expect(rootUpdates(root)).toHaveLength(4);
    expect(threadRow().root_window_ends_at).toBe(againEnd);
  });

  it("names the agent in the notification text after a Claim, and the sweeper adds no redraw", async () => {
    const { root, firstEnd } = await openThread();
    expect(root.text).toContain("needs a human");

    expect((await f.press(root, CONVERSATION_ACTIONS.claim)).status).toBe(200);
    await expect
      .poll(() => succeeded(rootUpdates(root)).length, { timeout: 5000, interval: 20 })
      .toBe(1);
    const updated = h.slack.message(CHANNEL, root.ts)!;
    expect(updated.text).toMatch(/^\[In progress\] /);
    expect(updated.text).toContain("is helping");
    expect(updated.text).not.toContain("needs a human");
    expect(windowField(updated.blocks)).toContain(dateToken(firstEnd));

    await f.settle();
    await sleep(REFRESH_MS + 1200);
    expect(rootUpdates(root)).toHaveLength(1);
    expect(updateRootJobs()).toHaveLength(1);
  });
});
