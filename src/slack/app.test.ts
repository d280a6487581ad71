import { LogLevel } from "@slack/bolt";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../emulators/server.ts";
import { type SlackEmulator, startSlackEmulator } from "../emulators/slack.ts";
import {
  eventCallback,
  messageEvent,
  sendSlackRequest,
  urlVerification,
} from "../emulators/slack-requests.ts";
import { createLogger, type Logger } from "../logger.ts";
import { createSlackApp, type SlackApp, type SlackAppOptions, toBoltLogger } from "./app.ts";

const SECRET = "app-test-signing-secret";
type LogLine = Record<string, unknown> & { level: number; msg: string };

function capturingLogger(level: "debug" | "info" = "debug"): {
  logger: Logger;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  const logger = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

let emu: SlackEmulator;
beforeAll(async () => {
  emu = await startSlackEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

const running: Array<{ slack: SlackApp; server?: RunningServer }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.slack.stop();
    await r.server?.close();
  }
});

function make(over: Partial<SlackAppOptions> = {}) {
  const { logger, lines } = capturingLogger();
  const slack = createSlackApp({
    botToken: emu.botToken,
    signingSecret: SECRET,
    appToken: null,
    apiUrl: emu.url,
    logger,
    clientOptions: { retryConfig: { retries: 0 } },
    ...over,
  });
  const entry: { slack: SlackApp; server?: RunningServer } = { slack };
  running.push(entry);
  return { slack, lines, entry };
}

async function serve(slack: SlackApp, entry: { server?: RunningServer }) {
  if (!slack.routes) throw new Error("no routes in socket mode");
  const root = new Hono();
  root.route("/slack/events", slack.routes);
  entry.server = await startServer(root);
  return `${entry.server.url}/slack/events`;
}

describe("createSlackApp, HTTP mode", () => {
  it("learns its identity from auth.test once at start, then ignores its own messages", async () => {
    const { slack, entry } = make();
    const seen: Array<{ user: unknown; botUserId: unknown }> = [];
    slack.app.message(async ({ message, context }) => {
      seen.push({
        user: "user" in message ? message.user : undefined,
        botUserId: context.botUserId,
      });
    });
    const url = await serve(slack, entry);
    expect(slack.mode).toBe("http");
    expect(emu.callsTo("auth.test")).toHaveLength(0);
    await slack.start();
    expect(emu.callsTo("auth.test")).toHaveLength(1);

    const own = eventCallback(
      messageEvent({ channel: "C0ESCALATE", user: emu.botUserId, botId: emu.botId, text: "echo" }),
    );
    const human = eventCallback(
      messageEvent({ channel: "C0ESCALATE", user: "U0AGENT", text: "hi" }),
    );
    expect((await sendSlackRequest(url, SECRET, own)).status).toBe(200);
    expect((await sendSlackRequest(url, SECRET, human)).status).toBe(200);
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toEqual({ user: "U0AGENT", botUserId: emu.botUserId });
    expect(emu.callsTo("auth.test")).toHaveLength(1);
  });

  it("never calls auth.test when botId and botUserId are given", async () => {
    const { slack, entry } = make({ botId: "B0BOTID", botUserId: "U0BOTUSER" });
    let ran = false;
    slack.app.message(async () => {
      ran = true;
    });
    const url = await serve(slack, entry);
    await slack.start();
    const msg = eventCallback(messageEvent({ channel: "C0ESCALATE", user: "U0AGENT", text: "x" }));
    expect((await sendSlackRequest(url, SECRET, msg)).status).toBe(200);
    await expect.poll(() => ran).toBe(true);
    expect(emu.callsTo("auth.test")).toHaveLength(0);
  });

  it("answers 503 until started", async () => {
    const { slack, entry } = make({ botId: "B0BOTID", botUserId: "U0BOTUSER" });
    const url = await serve(slack, entry);
    expect((await sendSlackRequest(url, SECRET, urlVerification("c"))).status).toBe(503);
    await slack.start();
    expect((await sendSlackRequest(url, SECRET, urlVerification("c"))).body).toEqual({
      challenge: "c",
    });
  });

  it("fails start() when auth.test fails (e.g. a revoked token)", async () => {
    const { slack } = make();
    emu.failNext("auth.test", { error: "invalid_auth" });
    await expect(slack.start()).rejects.toThrow(/invalid_auth/);
  });

  it("uses apiUrl for the Web API client", async () => {
    const { slack } = make({ botId: "B0BOTID", botUserId: "U0BOTUSER" });
    await slack.app.client.chat.postMessage({ channel: "C0ESCALATE", text: "via emulator" });
    expect(emu.messages("C0ESCALATE").map((m) => m.text)).toEqual(["via emulator"]);
  });

  it("keeps no conversation state in this process (Bolt's memory store is off)", async () => {
    const { slack } = make({ botId: "B0BOTID", botUserId: "U0BOTUSER" });
    const seen: unknown[] = [];
    slack.app.message(async ({ context }) => {
      seen.push(context.updateConversation);
    });
    await slack.app.processEvent({
      body: eventCallback(messageEvent({ channel: "C0ESCALATE", user: "U0AGENT", text: "x" })).json,
      ack: async () => {},
    });
    expect(seen).toEqual([undefined]);
  });

  it("needs a signing secret without an app token", () => {
    const { logger } = capturingLogger();
    expect(() =>
      createSlackApp({
        botToken: "xoxb-1",
        signingSecret: null,
        appToken: null,
        apiUrl: emu.url,
        logger,
      }),
    ).toThrow(/signing secret/);
  });
});

describe("createSlackApp, Socket Mode", () => {
  it("is chosen by an app token, has no routes, and connects nothing until start", async () => {
    const { slack } = make({ appToken: "xapp-1-A0EMULATOR-1-secret", signingSecret: null });
    expect(slack.mode).toBe("socket");
    expect(slack.routes).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(emu.calls).toHaveLength(0);
  });
});

describe("toBoltLogger", () => {
  it("writes Bolt's log calls as pino lines, errors as err", () => {
    const { logger, lines } = capturingLogger();
    const bolt = toBoltLogger(logger);
    bolt.warn("Slack API error:", "ratelimited", new Error("boom"));
    bolt.info({ a: 1 });
    expect(lines[0]).toMatchObject({
      level: 40,
      component: "bolt",
      msg: "Slack API error: ratelimited",
      err: { message: "boom" },
    });
    expect(lines[1]).toMatchObject({ level: 30, msg: "{ a: 1 }" });
  });

  it("maps levels and changes only its own level", () => {
    const { logger, lines } = capturingLogger("info");
    const bolt = toBoltLogger(logger);
    expect(bolt.getLevel()).toBe(LogLevel.INFO);
    bolt.debug("hidden");
    bolt.setLevel(LogLevel.DEBUG);
    bolt.debug("shown");
    bolt.setName("bolt-app");
    bolt.debug("still shown");
    expect(bolt.getLevel()).toBe(LogLevel.DEBUG);
    expect(logger.level).toBe("info");
    expect(lines.map((l) => l.msg)).toEqual(["shown", "still shown"]);
    expect(lines[1]?.component).toBe("bolt-app");
  });

  it("receives Bolt's own logs from the app", async () => {
    const { slack, lines, entry } = make({ botId: "B0BOTID", botUserId: "U0BOTUSER" });
    slack.app.message(async () => {
      throw new Error("listener broke");
    });
    const url = await serve(slack, entry);
    await slack.start();
    const msg = eventCallback(messageEvent({ channel: "C0ESCALATE", user: "U0AGENT", text: "x" }));
    await sendSlackRequest(url, SECRET, msg);
    // Bolt's default error handler logs the listener's error through our logger.
    await expect
      .poll(() =>
        lines.some(
          (l) =>
            l.component === "bolt" &&
            l.level === 50 &&
            (l.err as { message?: string } | undefined)?.message === "listener broke",
        ),
      )
      .toBe(true);
  });
});
