import {
  ErrorCode,
  LogLevel,
  type WebAPIHTTPError,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  WebClient,
} from "@slack/web-api";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "./slack.ts";

const CHANNEL = "C0ESCALATE";
// Fast retries: the SDK's default policy would wait minutes.
const fastRetries = { retries: 2, minTimeout: 10, maxTimeout: 20, factor: 1 };

let emu: SlackEmulator;
const client = (opts: ConstructorParameters<typeof WebClient>[1] = {}) =>
  new WebClient(emu.botToken, {
    slackApiUrl: emu.url,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
    ...opts,
  });

beforeEach(async () => {
  emu ??= await startSlackEmulator();
  emu.reset();
});
afterAll(async () => {
  await emu.close();
});

describe("slack emulator with the real WebClient", () => {
  it("answers auth.test with the bot identity", async () => {
    const res = await client().auth.test();
    expect(res).toMatchObject({
      ok: true,
      user_id: "U0BOTUSER",
      bot_id: "B0BOTID",
      team_id: "T0TEAM",
    });
  });

  it("round-trips messages, threads, updates, reactions, users and the Home tab", async () => {
    const web = client();
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*Customer* needs help" } }];
    const root = await web.chat.postMessage({ channel: CHANNEL, text: "handoff", blocks });
    expect(root.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(root.message?.blocks).toEqual(blocks);

    const reply = await web.chat.postMessage({ channel: CHANNEL, text: "hi", thread_ts: root.ts! });
    expect(Number(reply.ts)).toBeGreaterThan(Number(root.ts));
    expect(emu.threadReplies(CHANNEL, root.ts!).map((m) => m.text)).toEqual(["hi"]);
    expect(emu.message(CHANNEL, root.ts!)?.reply_count).toBe(1);
    // Blocks travelled as a JSON string in the form body and were parsed back.
    expect(emu.callsTo("chat.postMessage")[0]?.args.blocks).toEqual(blocks);

    await web.chat.update({ channel: CHANNEL, ts: root.ts!, text: "handoff (claimed)" });
    expect(emu.message(CHANNEL, root.ts!)?.text).toBe("handoff (claimed)");
    expect(emu.message(CHANNEL, root.ts!)?.edited?.user).toBe("U0BOTUSER");

    await web.reactions.add({ channel: CHANNEL, timestamp: reply.ts!, name: "eyes" });
    await expect(
      web.reactions.add({ channel: CHANNEL, timestamp: reply.ts!, name: "eyes" }),
    ).rejects.toMatchObject({ data: { error: "already_reacted" } });
    await web.reactions.add({ channel: CHANNEL, timestamp: reply.ts!, name: "white_check_mark" });
    await web.reactions.remove({ channel: CHANNEL, timestamp: reply.ts!, name: "eyes" });
    expect(emu.reactions(CHANNEL, reply.ts!)).toEqual(["white_check_mark"]);

    const user = await web.users.info({ user: "U0AGENT" });
    expect(user.user?.profile?.display_name).toBe("Smith");
    await expect(web.users.info({ user: "U404" })).rejects.toMatchObject({
      data: { error: "user_not_found" },
    });

    const home = await web.views.publish({
      user_id: "U0AGENT",
      view: {
        type: "home",
        blocks: [{ type: "section", text: { type: "mrkdwn", text: "queue" } }],
      },
    });
    expect(home.view?.id).toMatch(/^V/);
    expect(emu.views.get("U0AGENT")?.blocks).toHaveLength(1);

    const link = await web.chat.getPermalink({ channel: CHANNEL, message_ts: reply.ts! });
    expect(link.permalink).toContain(`thread_ts=${root.ts}`);

    const eph = await web.chat.postEphemeral({
      channel: CHANNEL,
      user: "U0AGENT",
      text: "only you",
    });
    expect(emu.ephemerals(CHANNEL)[0]).toMatchObject({
      user: "U0AGENT",
      message_ts: eph.message_ts,
    });
  });

  it("opens and updates modals, and rejects a stale hash", async () => {
    const web = client();
    const modal = {
      type: "modal" as const,
      title: { type: "plain_text" as const, text: "Template" },
      callback_id: "pick",
      blocks: [],
    };
    const opened = await web.views.open({ trigger_id: "123.456", view: modal });
    const updated = await web.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view: { ...modal, private_metadata: "conv:7" },
    });
    expect(emu.modals[0]?.private_metadata).toBe("conv:7");
    await expect(
      web.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: modal }),
    ).rejects.toMatchObject({ data: { error: "hash_conflict" } });
    expect(updated.view?.id).toBe(opened.view?.id);
  });

  it("uploads a file into a thread with files.uploadV2 and serves url_private to the bot only", async () => {
    const web = client();
    const root = await web.chat.postMessage({ channel: CHANNEL, text: "thread" });
    const res = await web.files.uploadV2({
      channel_id: CHANNEL,
      thread_ts: root.ts!,
      filename: "receipt.txt",
      content: "paid in full",
      initial_comment: "customer sent a receipt",
    });
    expect(res.ok).toBe(true);
    expect(emu.files).toHaveLength(1);
    const file = emu.files[0]!;
    expect(file).toMatchObject({ name: "receipt.txt", mimetype: "text/plain", size: 12 });
    expect(file.channels).toEqual([CHANNEL]);

    const [shared] = emu.threadReplies(CHANNEL, root.ts!);
    expect(shared?.text).toBe("customer sent a receipt");
    expect(shared?.files?.[0]?.id).toBe(file.id);

    const authed = await fetch(file.url_private, {
      headers: { Authorization: `Bearer ${emu.botToken}` },
    });
    expect(await authed.text()).toBe("paid in full");
    expect((await fetch(file.url_private)).status).toBe(403);
  });

  it("refuses to complete an upload whose bytes never arrived", async () => {
    const web = client();
    const url = await web.files.getUploadURLExternal({ filename: "a.txt", length: 3 });
    await expect(
      web.files.completeUploadExternal({ files: [{ id: url.file_id! }], channel_id: CHANNEL }),
    ).rejects.toMatchObject({ data: { error: "file_upload_not_found" } });
  });

  it("answers invalid_auth for a wrong token and not_authed for none", async () => {
    const wrong = new WebClient("xoxb-wrong", {
      slackApiUrl: emu.url,
      retryConfig: { retries: 0 },
    });
    await expect(wrong.auth.test()).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: "invalid_auth" },
    });
    const none = new WebClient(undefined, { slackApiUrl: emu.url, retryConfig: { retries: 0 } });
    await expect(none.auth.test()).rejects.toMatchObject({ data: { error: "not_authed" } });
  });

  it("maps unknown channels, not_in_channel, bad threads and unknown methods to ok:false", async () => {
    const web = client();
    const err = await web.chat.postMessage({ channel: "C404", text: "x" }).catch((e) => e);
    expect((err as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
    expect((err as WebAPIPlatformError).data.error).toBe("channel_not_found");

    emu.setNotInChannel(CHANNEL);
    await expect(web.chat.postMessage({ channel: CHANNEL, text: "x" })).rejects.toMatchObject({
      data: { error: "not_in_channel" },
    });
    emu.setNotInChannel(CHANNEL, false);

    await expect(
      web.chat.postMessage({ channel: CHANNEL, text: "x", thread_ts: "1.000001" }),
    ).rejects.toMatchObject({ data: { error: "thread_not_found" } });
    await expect(web.apiCall("chat.teleport", {})).rejects.toMatchObject({
      data: { error: "unknown_method" },
    });
    expect(emu.messages()).toHaveLength(0);
  });

  it("injects ok:false errors", async () => {
    emu.failNext("chat.postMessage", { error: "channel_not_found" });
    const web = client();
    await expect(web.chat.postMessage({ channel: CHANNEL, text: "x" })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: "channel_not_found" },
    });
    await expect(web.chat.postMessage({ channel: CHANNEL, text: "x" })).resolves.toMatchObject({
      ok: true,
    });
  });

  it("surfaces a 429 as WebAPIRateLimitedError when rejectRateLimitedCalls is set", async () => {
    emu.failNext("chat.postMessage", { status: 429, retryAfter: 7 });
    const err = await client({ rejectRateLimitedCalls: true })
      .chat.postMessage({ channel: CHANNEL, text: "x" })
      .catch((e) => e);
    expect((err as WebAPIRateLimitedError).code).toBe(ErrorCode.RateLimitedError);
    expect((err as WebAPIRateLimitedError).retryAfter).toBe(7);
    expect(emu.messages()).toHaveLength(0);
  });

  it("waits Retry-After on a 429 and then succeeds when retries are allowed", async () => {
    emu.failNext("chat.postMessage", { status: 429, retryAfter: 1 });
    const started = Date.now();
    const res = await client({ retryConfig: fastRetries }).chat.postMessage({
      channel: CHANNEL,
      text: "x",
    });
    expect(res.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emu.callsTo("chat.postMessage").map((c) => c.response?.status)).toEqual([429, 200]);
  });

  it("retries a 500 and then succeeds; without retries the SDK throws an HTTP error", async () => {
    emu.failNext("chat.postMessage", { status: 500 });
    const res = await client({ retryConfig: fastRetries }).chat.postMessage({
      channel: CHANNEL,
      text: "x",
    });
    expect(res.ok).toBe(true);
    expect(emu.messages()).toHaveLength(1);

    emu.failNext("*", { status: 503 }, 2);
    const err = await client()
      .chat.postMessage({ channel: CHANNEL, text: "x" })
      .catch((e) => e);
    expect((err as WebAPIHTTPError).code).toBe(ErrorCode.HTTPError);
    expect((err as WebAPIHTTPError).statusCode).toBe(503);
    // One 503 is still queued, for any method.
    await expect(client().auth.test()).rejects.toMatchObject({ statusCode: 503 });
  });

  it("loses the answer of a call that took effect when asked to (afterEffect)", async () => {
    emu.failNext("chat.postMessage", { status: 503, afterEffect: true });
    const err = await client()
      .chat.postMessage({ channel: CHANNEL, text: "posted, but nobody heard" })
      .catch((e) => e);
    expect((err as WebAPIHTTPError).statusCode).toBe(503);
    expect(emu.messages(CHANNEL).map((m) => m.text)).toEqual(["posted, but nobody heard"]);
  });

  it("pages channel history newest first and threads oldest first, metadata on request", async () => {
    const web = client();
    const metadata = { event_type: "jembatan_job", event_payload: { job_id: "7" } };
    const root = await web.chat.postMessage({ channel: CHANNEL, text: "root", metadata });
    for (const text of ["a", "b", "c"]) {
      await web.chat.postMessage({ channel: CHANNEL, text, thread_ts: root.ts!, metadata });
    }
    await web.chat.postMessage({ channel: CHANNEL, text: "later" });

    const history = await web.conversations.history({ channel: CHANNEL, limit: 1 });
    expect(history.messages?.map((m) => m.text)).toEqual(["later"]);
    expect(history.has_more).toBe(true);
    const next = await web.conversations.history({
      channel: CHANNEL,
      cursor: history.response_metadata!.next_cursor!,
      include_all_metadata: true,
    });
    expect(next.messages?.map((m) => [m.text, m.metadata?.event_payload])).toEqual([
      ["root", { job_id: "7" }],
    ]);
    expect(next.has_more).toBe(false);

    const plain = await web.conversations.replies({ channel: CHANNEL, ts: root.ts! });
    expect(plain.messages?.map((m) => m.text)).toEqual(["root", "a", "b", "c"]);
    expect(plain.messages?.some((m) => m.metadata !== undefined)).toBe(false);
    const tagged = await web.conversations.replies({
      channel: CHANNEL,
      ts: root.ts!,
      include_all_metadata: true,
      limit: 2,
    });
    expect(tagged.messages?.map((m) => [m.text, m.metadata?.event_type])).toEqual([
      ["root", "jembatan_job"],
      ["a", "jembatan_job"],
    ]);
    expect(tagged.has_more).toBe(true);
    await expect(
      web.conversations.replies({ channel: CHANNEL, ts: "1.000000" }),
    ).rejects.toMatchObject({ data: { error: "thread_not_found" } });
  });

  it("stamps ts with the wall clock, always increasing, and takes oldest/latest/inclusive", async () => {
    const web = client();
    const before = Date.now() / 1000;
    const root = await web.chat.postMessage({ channel: CHANNEL, text: "root" });
    const replies: string[] = [];
    for (const text of ["a", "b", "c"]) {
      replies.push(
        (await web.chat.postMessage({ channel: CHANNEL, text, thread_ts: root.ts! })).ts!,
      );
    }
    expect(Number(root.ts)).toBeGreaterThanOrEqual(Math.floor(before));
    expect(Number(root.ts)).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    expect(new Set([root.ts, ...replies]).size).toBe(4);
    expect([...replies].sort()).toEqual(replies);
    const texts = async (args: { oldest?: string; latest?: string; inclusive?: boolean }) =>
      (await web.conversations.replies({ channel: CHANNEL, ts: root.ts!, ...args })).messages?.map(
        (m) => m.text,
      );
    expect(await texts({ oldest: replies[0] })).toEqual(["b", "c"]);
    expect(await texts({ oldest: replies[0], inclusive: true })).toEqual(["a", "b", "c"]);
    expect(await texts({ latest: replies[1] })).toEqual(["root", "a"]);
    expect(await texts({ oldest: root.ts!, latest: replies[2], inclusive: true })).toEqual([
      "root",
      "a",
      "b",
      "c",
    ]);
    const later = await web.chat.postMessage({ channel: CHANNEL, text: "later" });
    const top = await web.conversations.history({ channel: CHANNEL, oldest: root.ts! });
    expect(top.messages?.map((m) => m.ts)).toEqual([later.ts]);
  });

  it("delays answers with setLatency and waitFor polls until the predicate holds", async () => {
    emu.setLatency(100);
    const started = Date.now();
    const pending = client().chat.postMessage({ channel: CHANNEL, text: "later" });
    await emu.waitFor((e) => e.messages(CHANNEL).length === 1, 1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await pending;
    await expect(emu.waitFor((e) => e.messages().length > 5, 50)).rejects.toThrow(
      /timed out.*chat\.postMessage/,
    );
  });

  it("calls onCall listeners for every request as it is recorded, until unsubscribed", async () => {
    const seen: string[] = [];
    const off = emu.onCall((call) => {
      expect(call.response).toBeUndefined();
      seen.push(`${call.method}:${String(call.args.text ?? "")}`);
    });
    emu.failNext("chat.postMessage", { error: "internal_error" });
    await expect(client().chat.postMessage({ channel: CHANNEL, text: "a" })).rejects.toThrow();
    await client().chat.postMessage({ channel: CHANNEL, text: "b" });
    emu.reset(); // keeps listeners
    await client().auth.test();
    off();
    await client().chat.postMessage({ channel: CHANNEL, text: "c" });
    expect(seen).toEqual(["chat.postMessage:a", "chat.postMessage:b", "auth.test:"]);
  });

  it("accepts JSON bodies with a bearer token", async () => {
    const res = await fetch(`${emu.url}chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${emu.botToken}` },
      body: JSON.stringify({ channel: CHANNEL, text: "json", blocks: [{ type: "divider" }] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: CHANNEL });
    expect(emu.messages(CHANNEL)[0]?.blocks).toEqual([{ type: "divider" }]);
  });
});
