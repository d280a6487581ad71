import { isValidSlackRequest, verifySlackRequest } from "@slack/bolt";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./server.ts";
import {
  appHomeOpened,
  blockActionsPayload,
  encodeSlackBody,
  eventCallback,
  messageEvent,
  sendSlackRequest,
  signSlackRequest,
  slashCommand,
  urlVerification,
  viewSubmissionPayload,
} from "./slack-requests.ts";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

const verify = (raw: string, headers: Record<string, string>, secret = SECRET) =>
  isValidSlackRequest({
    signingSecret: secret,
    body: raw,
    headers: {
      "x-slack-signature": headers["x-slack-signature"] ?? "",
      "x-slack-request-timestamp": Number(headers["x-slack-request-timestamp"]),
    },
  });

describe("signSlackRequest", () => {
  it("matches Slack's documented example signature", () => {
    // The worked example from Slack's "Verifying requests from Slack" guide.
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = signSlackRequest(SECRET, body, 1531420618);
    expect(headers["x-slack-signature"]).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });

  it("is accepted by Bolt's verifier, and rejected for a wrong secret, a changed body or a stale timestamp", () => {
    const { raw } = encodeSlackBody(
      eventCallback(messageEvent({ channel: "C1", user: "U9", text: "hi" })),
    );
    const headers = signSlackRequest(SECRET, raw);
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body: raw,
        headers: {
          "x-slack-signature": headers["x-slack-signature"],
          "x-slack-request-timestamp": Number(headers["x-slack-request-timestamp"]),
        },
      }),
    ).not.toThrow();
    expect(verify(raw, headers)).toBe(true);
    expect(verify(raw, headers, "another-secret")).toBe(false);
    expect(verify(`${raw} `, headers)).toBe(false);
    const stale = signSlackRequest(SECRET, raw, Math.floor(Date.now() / 1000) - 6 * 60);
    expect(verify(raw, stale)).toBe(false);
  });
});

describe("builders", () => {
  it("wraps events in an envelope with a unique event_id and the bot's authorization", () => {
    const a = eventCallback(
      messageEvent({ channel: "C1", user: "U9", text: "hi", threadTs: "1700000000.000100" }),
    );
    const b = eventCallback(appHomeOpened("U9"), { eventId: "Ev42", teamId: "T9" });
    expect(a.json.event_id).not.toBe(eventCallback({ type: "message" }).json.event_id);
    expect(a.json).toMatchObject({
      type: "event_callback",
      team_id: "T0TEAM",
      event: { type: "message", channel: "C1", thread_ts: "1700000000.000100" },
      authorizations: [{ user_id: "U0BOTUSER", is_bot: true }],
    });
    expect(a.json.event.ts).not.toBe(a.json.event.thread_ts);
    expect(b.json).toMatchObject({
      event_id: "Ev42",
      team_id: "T9",
      event: { tab: "home", user: "U9" },
    });
  });

  it("omits optional message fields unless given", () => {
    const plain = messageEvent({ channel: "C1", user: "U9", text: "x" });
    expect(plain).not.toHaveProperty("subtype");
    expect(plain).not.toHaveProperty("bot_id");
    expect(plain).not.toHaveProperty("thread_ts");
    const own = messageEvent({ channel: "C1", user: "U0BOTUSER", text: "x", botId: "B0BOTID" });
    expect(own).toMatchObject({ bot_id: "B0BOTID", user: "U0BOTUSER" });
  });

  it("form-encodes interactivity payloads and slash commands so that they round-trip", () => {
    const action = blockActionsPayload({
      actionId: "claim",
      value: "conv:7",
      user: "U0AGENT",
      channel: "C0ESCALATE",
      messageTs: "1700000000.000100",
    });
    const { raw, contentType } = encodeSlackBody(action);
    expect(contentType).toBe("application/x-www-form-urlencoded");
    expect(raw.startsWith("payload=%7B")).toBe(true);
    const payload = JSON.parse(new URLSearchParams(raw).get("payload") ?? "");
    expect(payload).toMatchObject({
      type: "block_actions",
      user: { id: "U0AGENT" },
      channel: { id: "C0ESCALATE" },
      message: { ts: "1700000000.000100" },
      actions: [{ action_id: "claim", value: "conv:7", type: "button" }],
    });

    const home = blockActionsPayload({ actionId: "open", user: "U1", view: { id: "V9" } });
    const homePayload = JSON.parse(home.form.payload);
    expect(homePayload.container).toEqual({ type: "view", view_id: "V9" });
    expect(homePayload).not.toHaveProperty("channel");

    const command = slashCommand({
      command: "/jembatan",
      text: "status & more = 100%",
      userId: "U1",
      channelId: "C1",
      triggerId: "t.1",
    });
    const parsed = Object.fromEntries(new URLSearchParams(encodeSlackBody(command).raw));
    expect(parsed).toEqual(command.form);
    expect(parsed.text).toBe("status & more = 100%");

    const submit = viewSubmissionPayload({
      callbackId: "template",
      user: "U1",
      privateMetadata: "conv:7",
      values: { b: { a: { type: "plain_text_input", value: "hello" } } },
    });
    expect(JSON.parse(submit.form.payload).view).toMatchObject({
      callback_id: "template",
      private_metadata: "conv:7",
      state: { values: { b: { a: { value: "hello" } } } },
    });
  });
});

describe("sendSlackRequest", () => {
  let app: RunningServer;
  const seen: Array<{ headers: Record<string, string>; raw: string }> = [];

  beforeAll(async () => {
    // A stand-in receiver: verifies like Bolt does and echoes what it parsed.
    const hono = new Hono();
    hono.post("/slack/events", async (c) => {
      const raw = await c.req.text();
      const headers = Object.fromEntries(c.req.raw.headers.entries());
      seen.push({ headers, raw });
      if (!verify(raw, headers)) return c.text("bad signature", 401);
      const body = headers["content-type"]?.includes("json")
        ? JSON.parse(raw)
        : Object.fromEntries(new URLSearchParams(raw));
      if (body.type === "url_verification") return c.json({ challenge: body.challenge });
      return c.json({ received: body });
    });
    app = await startServer(hono);
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers the url_verification handshake", async () => {
    const res = await sendSlackRequest(`${app.url}/slack/events`, SECRET, urlVerification("c-123"));
    expect(res).toMatchObject({ status: 200, body: { challenge: "c-123" } });
    expect(res.headers["content-type"]).toContain("application/json");
  });

  it("sends retry markers and form bodies", async () => {
    const res = await sendSlackRequest(
      `${app.url}/slack/events`,
      SECRET,
      slashCommand({ command: "/j", text: "hi there", userId: "U1", channelId: "C1" }),
      { retryNum: 1, retryReason: "http_timeout" },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: { command: "/j", text: "hi there" } });
    expect(seen.at(-1)?.headers).toMatchObject({
      "x-slack-retry-num": "1",
      "x-slack-retry-reason": "http_timeout",
      "content-type": "application/x-www-form-urlencoded",
    });
  });

  it("can send a forged signature or a stale timestamp, which the receiver rejects", async () => {
    const url = `${app.url}/slack/events`;
    const body = eventCallback(messageEvent({ channel: "C1", user: "U9", text: "hi" }));
    const forged = await sendSlackRequest(url, SECRET, body, { signature: "v0=deadbeef" });
    expect(forged).toMatchObject({ status: 401, body: "bad signature" });
    const old = Math.floor(Date.now() / 1000) - 600;
    const stale = await sendSlackRequest(url, SECRET, body, { timestamp: old });
    expect(stale.status).toBe(401);
    expect(seen.at(-1)?.headers["x-slack-request-timestamp"]).toBe(String(old));
  });
});
