import { LogLevel, WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobId } from "../core/ids.ts";
import { type SlackEmulator, startSlackEmulator } from "../emulators/slack.ts";
import { findJobPost, JOB_POST_EVENT, jobPostMetadata } from "./post-once.ts";

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

const job = (n: number) => n as JobId;

describe("finding a job's earlier post", () => {
  it("tags posts with the job id as message metadata", () => {
    expect(jobPostMetadata(job(42))).toEqual({
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
      metadata: jobPostMetadata(job(6)),
    });
    expect(await findJobPost(web, where, job(7))).toBeNull();
    const mine = await web.chat.postMessage({
      channel: CHANNEL,
      thread_ts: root.ts!,
      text: "mine",
      metadata: jobPostMetadata(job(7)),
    });
    expect(await findJobPost(web, where, job(7))).toBe(mine.ts);
    expect(emu.callsTo("conversations.replies").at(-1)?.args.cursor).toBeDefined();
  });

  it("finds a thread root among the channel's recent top-level messages", async () => {
    const root = await web.chat.postMessage({
      channel: CHANNEL,
      text: "root",
      metadata: jobPostMetadata(job(9)),
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
