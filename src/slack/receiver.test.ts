import { App } from "@slack/bolt";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../emulators/server.ts";
import { type SlackEmulator, startSlackEmulator } from "../emulators/slack.ts";
import {
  blockActionsPayload,
  eventCallback,
  messageEvent,
  sendSlackRequest,
  signSlackRequest,
  slashCommand,
  urlVerification,
  viewSubmissionPayload,
} from "../emulators/slack-requests.ts";
import type { AppEnv } from "../http/app.ts";
import { createLogger, type Logger } from "../logger.ts";
import { toBoltLogger } from "./app.ts";
import { createHonoReceiver, type HonoReceiverOptions } from "./receiver.ts";

const SECRET = "receiver-test-signing-secret";
type LogLine = Record<string, unknown> & { level: number; msg: string };

let emu: SlackEmulator;
beforeAll(async () => {
  emu = await startSlackEmulator();
});
afterAll(async () => {
  await emu.close();
});

interface Harness {
  app: App;
  url: string;
  lines: LogLine[];
  server: RunningServer;
}
const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.app.stop();
    await h.server.close();
  }
});

function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger("debug", { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines };
}

/** A Bolt app on the receiver, mounted the way the root app mounts it (request id + logger). */
async function setup(
  register: (app: App) => void = () => {},
  opts: Partial<HonoReceiverOptions> & { start?: boolean } = {},
): Promise<Harness> {
  const { logger, lines } = capturingLogger();
  const { receiver, routes } = createHonoReceiver({ signingSecret: SECRET, logger, ...opts });
  const app = new App({
    receiver,
    token: emu.botToken,
    botId: emu.botId,
    botUserId: emu.botUserId,
    logger: toBoltLogger(logger),
    clientOptions: { slackApiUrl: emu.url, retryConfig: { retries: 0 } },
  });
  register(app);
  if (opts.start !== false) await app.start();
  const root = new Hono<AppEnv>();
  root.use(requestId());
  root.use(async (c, next) => {
    c.set("logger", logger.child({ requestId: c.get("requestId") }));
    await next();
  });
  root.route("/slack/events", routes);
  const server = await startServer(root as unknown as Hono);
  const h = { app, url: `${server.url}/slack/events`, lines, server };
  open.push(h);
  return h;
}

const message = (text: string) =>
  eventCallback(messageEvent({ channel: "C0ESCALATE", user: "U0AGENT", text }));

/** POSTs exact bytes, signed, for bodies the request builders cannot produce. */
async function postRaw(url: string, raw: string, contentType: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": contentType, ...signSlackRequest(SECRET, raw) },
    body: raw,
  });
  return { status: res.status, text: await res.text() };
}

describe("createHonoReceiver", () => {
  it("answers url_verification with the challenge", async () => {
    const h = await setup();
    const res = await sendSlackRequest(h.url, SECRET, urlVerification("chal-42"));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: "chal-42" });
  });

  it("answers ssl_check with 200, signed or not, and dispatches nothing", async () => {
    let dispatched = false;
    const h = await setup((app) => {
      app.use(async () => {
        dispatched = true;
      });
    });
    const signed = await sendSlackRequest(h.url, SECRET, { form: { ssl_check: "1", token: "t" } });
    expect(signed).toMatchObject({ status: 200, text: "" });
    const unsigned = await fetch(h.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "ssl_check=1&token=t",
    });
    expect(unsigned.status).toBe(200);
    expect(dispatched).toBe(false);
  });

  it("delivers a message event to a message listener and answers 200 with no body", async () => {
    const seen: Array<{ text: unknown; requestId: unknown }> = [];
    const h = await setup((app) => {
      app.message(async ({ message, context }) => {
        seen.push({
          text: "text" in message ? message.text : undefined,
          requestId: context.requestId,
        });
      });
    });
    const res = await sendSlackRequest(h.url, SECRET, message("hello from slack"));
    expect(res).toMatchObject({ status: 200, text: "" });
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]?.text).toBe("hello from slack");
    expect(typeof seen[0]?.requestId).toBe("string");
  });

  it("answers a block action as soon as the listener acks, before its work finishes", async () => {
    let finish = () => {};
    const work = new Promise<void>((r) => {
      finish = r;
    });
    const actions: string[] = [];
    const h = await setup((app) => {
      app.action("claim", async ({ ack, action }) => {
        await ack();
        actions.push("value" in action ? String(action.value) : "?");
        await work;
      });
    });
    const res = await sendSlackRequest(
      h.url,
      SECRET,
      blockActionsPayload({ actionId: "claim", value: "conv-7", user: "U0AGENT" }),
    );
    expect(res).toMatchObject({ status: 200, text: "" });
    expect(actions).toEqual(["conv-7"]);
    finish();
  });

  it("answers a slash command with the text given to ack", async () => {
    const h = await setup((app) => {
      app.command("/jembatan", async ({ ack, command }) => {
        await ack(`status for ${command.text}`);
      });
    });
    const res = await sendSlackRequest(
      h.url,
      SECRET,
      slashCommand({ command: "/jembatan", text: "queue", userId: "U0AGENT", channelId: "C1" }),
    );
    expect(res).toMatchObject({ status: 200, text: "status for queue" });
  });

  it("answers a view_submission with the JSON given to ack", async () => {
    const h = await setup((app) => {
      app.view("send_template", async ({ ack }) => {
        await ack({ response_action: "errors", errors: { template: "Pick a template" } });
      });
    });
    const res = await sendSlackRequest(
      h.url,
      SECRET,
      viewSubmissionPayload({ callbackId: "send_template", user: "U0AGENT" }),
    );
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toContain("application/json");
    expect(res.body).toEqual({
      response_action: "errors",
      errors: { template: "Pick a template" },
    });
  });

  it("passes Slack's retry headers to listeners as context.retryNum / retryReason", async () => {
    const seen: unknown[] = [];
    const h = await setup((app) => {
      app.message(async ({ context }) => {
        seen.push([context.retryNum, context.retryReason]);
      });
    });
    await sendSlackRequest(h.url, SECRET, message("first"));
    await sendSlackRequest(h.url, SECRET, message("again"), {
      retryNum: 2,
      retryReason: "http_timeout",
    });
    await expect.poll(() => seen.length).toBe(2);
    expect(seen).toContainEqual([undefined, undefined]);
    expect(seen).toContainEqual([2, "http_timeout"]);
  });

  describe("request verification", () => {
    const nowS = () => Math.floor(Date.now() / 1000);

    async function rejected(send: (url: string) => Promise<{ status: number }>) {
      let ran = false;
      const h = await setup((app) => {
        app.use(async () => {
          ran = true;
        });
      });
      const res = await send(h.url);
      // Give a wrongly dispatched request the chance to reach the middleware.
      await new Promise((r) => setTimeout(r, 50));
      return { status: res.status, ran, lines: h.lines };
    }

    it("refuses a forged signature with 401, logs at warn without secrets, runs no listener", async () => {
      const r = await rejected((url) =>
        sendSlackRequest(url, SECRET, message("forged"), { signature: `v0=${"ab".repeat(32)}` }),
      );
      expect(r).toMatchObject({ status: 401, ran: false });
      const warn = r.lines.find((l) => l.msg.includes("bad signature"));
      expect(warn).toMatchObject({ level: 40, reason: "signature mismatch" });
      expect(JSON.stringify(r.lines)).not.toContain(SECRET);
    });

    it("refuses a request signed with another secret", async () => {
      const r = await rejected((url) => sendSlackRequest(url, "not-the-secret", message("x")));
      expect(r).toMatchObject({ status: 401, ran: false });
    });

    it("refuses missing signature headers", async () => {
      const r = await rejected((url) =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(message("x").json),
        }),
      );
      expect(r).toMatchObject({ status: 401, ran: false });
    });

    it("refuses a timestamp 10 minutes old", async () => {
      const r = await rejected((url) =>
        sendSlackRequest(url, SECRET, message("old"), { timestamp: nowS() - 600 }),
      );
      expect(r).toMatchObject({ status: 401, ran: false });
      expect(r.lines.find((l) => l.reason === "timestamp too old")).toBeDefined();
    });

    it("refuses a timestamp 10 minutes in the future", async () => {
      const r = await rejected((url) =>
        sendSlackRequest(url, SECRET, message("future"), { timestamp: nowS() + 600 }),
      );
      expect(r).toMatchObject({ status: 401, ran: false });
      expect(r.lines.find((l) => l.reason === "timestamp in the future")).toBeDefined();
    });

    it("accepts clock drift inside the window, and honours maxSkewSeconds and now", async () => {
      const h = await setup();
      const drift = await sendSlackRequest(h.url, SECRET, urlVerification("c"), {
        timestamp: nowS() + 240,
      });
      expect(drift.status).toBe(200);
      const fixed = await setup(() => {}, { maxSkewSeconds: 10, now: () => 1_700_000_000_000 });
      const inside = await sendSlackRequest(fixed.url, SECRET, urlVerification("c"), {
        timestamp: 1_700_000_005,
      });
      const outside = await sendSlackRequest(fixed.url, SECRET, urlVerification("c"), {
        timestamp: 1_700_000_011,
      });
      expect([inside.status, outside.status]).toEqual([200, 401]);
    });
  });

  it("refuses malformed bodies with 400", async () => {
    const h = await setup();
    expect((await postRaw(h.url, "{not json", "application/json")).status).toBe(400);
    expect((await postRaw(h.url, "[1,2]", "application/json")).status).toBe(400);
    expect(
      (await postRaw(h.url, "payload=%7Bbroken", "application/x-www-form-urlencoded")).status,
    ).toBe(400);
  });

  it("answers 200 after ackTimeoutMs when a listener never acks, logging the event", async () => {
    let release = () => {};
    const stuck = new Promise<void>((r) => {
      release = r;
    });
    const h = await setup(
      (app) => {
        app.action("approve", async () => {
          await stuck;
        });
      },
      { ackTimeoutMs: 150 },
    );
    const started = performance.now();
    const res = await sendSlackRequest(
      h.url,
      SECRET,
      blockActionsPayload({ actionId: "approve", user: "U0AGENT" }),
    );
    const ms = performance.now() - started;
    expect(res).toMatchObject({ status: 200, text: "" });
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThan(2000);
    const err = h.lines.find((l) => l.msg.includes("not acknowledged"));
    expect(err).toMatchObject({ level: 50, event: "block_actions approve" });
    release();
  });

  it("answers 200 at once when no listener matches, without waiting for the timeout", async () => {
    const h = await setup(() => {}, { ackTimeoutMs: 5000 });
    const started = performance.now();
    const res = await sendSlackRequest(
      h.url,
      SECRET,
      blockActionsPayload({ actionId: "nobody", user: "U0AGENT" }),
    );
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("answers 500 (retryable) when a listener throws before acking", async () => {
    const h = await setup((app) => {
      app.action("boom", async () => {
        throw new Error("database unavailable");
      });
    });
    const res = await sendSlackRequest(
      h.url,
      SECRET,
      blockActionsPayload({ actionId: "boom", user: "U0AGENT" }),
    );
    expect(res.status).toBe(500);
    expect(res.headers["x-slack-no-retry"]).toBeUndefined();
    expect(h.lines.find((l) => l.msg.includes("failed before acking"))).toBeDefined();
  });

  it("keeps the 200 when an event listener fails after Bolt acked it", async () => {
    const h = await setup((app) => {
      app.message(async () => {
        throw new Error("later failure");
      });
    });
    const res = await sendSlackRequest(h.url, SECRET, message("x"));
    expect(res.status).toBe(200);
    await expect
      .poll(() => h.lines.some((l) => l.msg.includes("failed after the request was acked")))
      .toBe(true);
  });

  it("answers 503 before app.start() and after app.stop()", async () => {
    const h = await setup(() => {}, { start: false });
    expect((await sendSlackRequest(h.url, SECRET, urlVerification("c"))).status).toBe(503);
    await h.app.start();
    expect((await sendSlackRequest(h.url, SECRET, urlVerification("c"))).status).toBe(200);
    await h.app.stop();
    expect((await sendSlackRequest(h.url, SECRET, urlVerification("c"))).status).toBe(503);
  });
});
