import type { ReceiverEvent } from "@slack/bolt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WaId } from "../../core/ids.ts";
import { eventCallback, messageEvent, SLACK_DEFAULTS } from "../../emulators/slack-requests.ts";
import { createLogger } from "../../logger.ts";
import type { Db } from "../../store/db.ts";
import { openDatabase } from "../../store/db.ts";
import { upsertContact } from "../../store/repositories/contacts.ts";
import {
  findOrOpenConversation,
  transitionConversation,
} from "../../store/repositories/conversations.ts";
import { openTestDatabase, type TestDatabase } from "../../store/testing.ts";
import { createSlackApp } from "../app.ts";
import type { SlackSettings } from "../deps.ts";
import { createThread, updateThread } from "../store.ts";
import type { ListenerDeps } from "./context.ts";
import { registerEventListeners } from "./events.ts";

// Two handles on one database and two Bolt apps stand in for two instances behind one load
// balancer. Slack retries an event it thinks was not acknowledged (X-Slack-Retry-Num), and the
// retry may reach the other instance: the dedupe must be in the store, not in either process.

const CHANNEL = "C_ESC";
const ROOT = "1767600000.000100";

let t: TestDatabase;
let a: Db;
let b: Db;
beforeEach(() => {
  t = openTestDatabase();
  a = t.db;
  b = openDatabase(t.path);
  const now = Date.now();
  const contact = upsertContact(
    a,
    { waId: "628123" as WaId, userId: null, profileName: null },
    now,
  )!;
  const id = findOrOpenConversation(a, contact.id, now).id;
  transitionConversation(a, id, "bot", "escalated", now);
  const thread = createThread(
    a,
    { conversationId: id, channel: CHANNEL, reason: "r", confidence: null, language: "id" },
    now,
  );
  updateThread(a, thread.id, { rootTs: ROOT }, now);
});
afterEach(() => {
  if (b.$client.open) b.$client.close();
  t.cleanup();
});

/** One instance's Slack app with the real event listeners on its own database handle. */
function instance(db: Db) {
  const logger = createLogger("silent");
  const slack = createSlackApp({
    botToken: "xoxb-test",
    signingSecret: "secret",
    appToken: null,
    apiUrl: "http://127.0.0.1:9/api/",
    logger,
    botId: "B0BOT",
    botUserId: SLACK_DEFAULTS.botUserId,
  });
  const deps: ListenerDeps = {
    db,
    logger,
    settings: { escalationChannel: CHANNEL } as SlackSettings,
    wake: () => {},
    now: Date.now,
    timezoneOffsetMinutes: 0,
    graph: { createTemplate: async () => ({ id: "t", status: "PENDING", category: "UTILITY" }) },
    isManager: async () => false,
  };
  registerEventListeners(slack.app, deps);
  /** Delivers a request the way the receiver does; resolves once every listener has finished. */
  return (body: Record<string, unknown>, retryNum?: number) =>
    slack.app.processEvent({
      body,
      ack: async () => {},
      ...(retryNum === undefined ? {} : { retryNum, retryReason: "http_timeout" }),
    } as ReceiverEvent);
}

const count = (db: Db, kind: string) =>
  (db.$client.prepare("SELECT count(*) AS n FROM jobs WHERE kind = ?").get(kind) as { n: number })
    .n;

describe("Slack events with several instances on one database", () => {
  it("an agent's reply retried to instance B after instance A took it is relayed once", async () => {
    const onA = instance(a);
    const onB = instance(b);
    const reply = eventCallback(
      messageEvent({
        channel: CHANNEL,
        user: "U_AGENT",
        text: "Sudah kami kirim, Kak.",
        threadTs: ROOT,
      }),
      { eventId: "Ev0RETRIED" },
    ).json;
    await onA(reply);
    expect(count(b, "slack.relay")).toBe(1);
    await onB(reply, 1);
    await onB(reply, 2);
    await onA(reply, 3);
    expect(count(a, "slack.relay")).toBe(1);
  });

  it("two replies of the agent are two relays, whichever instance takes each", async () => {
    const onA = instance(a);
    const onB = instance(b);
    const event = (text: string) =>
      eventCallback(messageEvent({ channel: CHANNEL, user: "U_AGENT", text, threadTs: ROOT })).json;
    await onA(event("Baik Kak."));
    await onB(event("Ada lagi yang bisa dibantu?"));
    expect(count(a, "slack.relay")).toBe(2);
  });
});
