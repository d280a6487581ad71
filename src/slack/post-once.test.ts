import { LogLevel, WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobId } from "../core/ids.ts";
import { type SlackEmulator, startSlackEmulator } from "../emulators/slack.ts";
import { CLOCK_MARGIN_MS, findJobPost, JOB_POST_EVENT, jobPostMetadata } from "./post-once.ts";

const CHANNEL = "C0ESCALATE";
let emu: SlackEmulator;
let web: WebClient;

beforeAll(async () => {
  emu = await startSlackEmulator();
  web = new WebClient(emu.botToken, {
    slackApiUrl: emu.url,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
});
beforeEach(() => emu.reset());
afterAll(() => emu.close());

/** A job created now (or `createdAt`), as the runner hands it to a handler. */
const job = (n: number, createdAt = Date.now()) => ({ id: n as JobId, createdAt });

describe("finding a job's earlier post", () => {
  it("tags posts with the job id as message metadata", () => {
    expect(jobPostMetadata(job(42).id)).toEqual({
      event_type: JOB_POST_EVENT,
      event_payload: { job_id: "42" },
    });
  });

  it("finds a reply several pages into a long thread, and only the job's own", async () => {
    const root = await web.chat.postMessage({ channel: CHANNEL, text: "root" });
    // 250 untagged replies first (seeded), so the job's post is on the second page.
    for (let i = 0; i < 250; i++) {
      emu.addMessage(CHANNEL, { user: "U0AGENT", text: `reply ${i}`, thread_ts: root.ts! });
    }
    const where = { channel: CHANNEL, threadTs: root.ts! };
    await web.chat.postMessage({
      channel: CHANNEL,
      thread_ts: root.ts!,
      text: "other job",
      metadata: jobPostMetadata(job(6).id),
    });
    expect(await findJobPost(web, where, job(7))).toBeNull();
    const mine = await web.chat.postMessage({
      channel: CHANNEL,
      thread_ts: root.ts!,
      text: "mine",
      metadata: jobPostMetadata(job(7).id),
    });
    expect(await findJobPost(web, where, job(7))).toBe(mine.ts);
    expect(emu.callsTo("conversations.replies").at(-1)?.args.cursor).toBeDefined();
  });

  it("reads a long thread from the job's creation on, so its post is found after 1,500 older replies", async () => {
    const root = await web.chat.postMessage({ channel: CHANNEL, text: "root" });
    // A thread worked in for weeks: 1,500 replies before the job existed (more than the pages
    // read), the oldest first as Slack returns them.
    const start = Math.floor(Date.now() / 1000) - 30 * 24 * 3600;
    for (let i = 0; i < 1500; i++) {
      emu.addMessage(CHANNEL, {
        user: "U0AGENT",
        text: `reply ${i}`,
        thread_ts: root.ts!,
        ts: `${start + i * 60}.000000`,
      });
    }
    const created = Date.now();
    const mine = await web.chat.postMessage({
      channel: CHANNEL,
      thread_ts: root.ts!,
      text: "mine",
      metadata: jobPostMetadata(job(7).id),
    });
    const where = { channel: CHANNEL, threadTs: root.ts! };
    expect(await findJobPost(web, where, job(7, created))).toBe(mine.ts);
    // One call: only what was posted since the job's creation (less the clock margin) is read.
    const calls = emu.callsTo("conversations.replies");
    expect(calls).toHaveLength(1);
    expect(Number(calls[0]!.args.oldest)).toBeCloseTo((created - CLOCK_MARGIN_MS) / 1000, 3);
    // A job created after the post does not find it.
    expect(await findJobPost(web, where, job(7, created + CLOCK_MARGIN_MS + 60_000))).toBeNull();
  });

  it("finds a thread root among the channel's recent top-level messages", async () => {
    const root = await web.chat.postMessage({
      channel: CHANNEL,
      text: "root",
      metadata: jobPostMetadata(job(9).id),
    });
    await web.chat.postMessage({ channel: CHANNEL, text: "a later root" });
    expect(await findJobPost(web, { channel: CHANNEL }, job(9))).toBe(root.ts);
    expect(await findJobPost(web, { channel: CHANNEL }, job(10))).toBeNull();
  });

  it("lets Slack errors through for the caller's failure policy", async () => {
    emu.setNotInChannel(CHANNEL);
    await expect(findJobPost(web, { channel: CHANNEL }, job(1))).rejects.toMatchObject({
      data: { error: "not_in_channel" },
    });
  });
});
