import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Hono } from "hono";
import { type Config, loadConfig } from "../config.ts";
import { type GraphEmulator, startGraphEmulator } from "../emulators/graph.ts";
import {
  createMetaWebhookSender,
  META_DEFAULTS,
  type MetaWebhookSender,
  statusUpdate,
} from "../emulators/meta-webhook.ts";
import { type SlackEmulator, startSlackEmulator } from "../emulators/slack.ts";
import type { AppEnv } from "../http/app.ts";
import type { Logger } from "../logger.ts";
import { type Service, startService } from "../service.ts";
import type { SandboxClock } from "./clock.ts";

/** Fixed, made-up credentials the sandbox's service and emulators share (never real ones). */
export const SANDBOX = {
  appSecret: "sandbox-app-secret",
  verifyToken: "sandbox-verify-token",
  accessToken: "sandbox-access-token",
  // Meta's example ids from its docs, which the webhook builders use by default.
  phoneNumberId: META_DEFAULTS.phoneNumberId,
  businessAccountId: META_DEFAULTS.wabaId,
  signingSecret: "sandbox-signing-secret",
  channel: "C0ESCALATE",
  /** The agent the console acts as in Slack. */
  agentUserId: "U0AGENT",
  /** The customer the console writes as on WhatsApp. */
  customerWaId: "6281234567890" as string,
  customerName: "Sari (sandbox)",
  databasePath: "db/sandbox.sqlite",
} as const;

/** What the console needs: the running service, the emulators and the clock. */
export interface SandboxWorld {
  service: Service;
  config: Config;
  graph: GraphEmulator;
  slack: SlackEmulator;
  /** Delivers webhooks to the service as Meta does (signed with the sandbox's app secret). */
  meta: MetaWebhookSender;
  clock: SandboxClock;
  /** Where Slack's events and interactivity reach the service. */
  slackEventsUrl: string;
  /**
   * Delivery reports are on (the emulated phone reports sent, delivered and read); off, sends
   * stay at "accepted", as when Meta's status webhooks do not arrive.
   */
  statuses: { enabled: boolean; readAfterMs: number };
  close(): Promise<void>;
}

export interface StartSandboxOptions {
  /** The user's environment (PORT, LOG_LEVEL, ANTHROPIC_API_KEY, DATABASE_PATH...). */
  env: Record<string, string | undefined>;
  logger: Logger;
  clock: SandboxClock;
  /** Builds extra routes for the service's app (the console); gets the world once it runs. */
  mounts?: (world: () => SandboxWorld) => Record<string, Hono<AppEnv>>;
}

/**
 * Starts the Graph and Slack emulators on loopback ports and the real service wired to them, in
 * this process: the whole loop with no account anywhere. The model is the real one when
 * `ANTHROPIC_API_KEY` is set, else the offline knowledge-base responder. Every message the
 * service sends is reported back as sent, delivered and read, as a phone would.
 */
export async function startSandbox(opts: StartSandboxOptions): Promise<SandboxWorld> {
  const graph = await startGraphEmulator({
    accessToken: SANDBOX.accessToken,
    phoneNumberId: SANDBOX.phoneNumberId,
    businessAccountId: SANDBOX.businessAccountId,
  });
  const slack = await startSlackEmulator({ channels: [SANDBOX.channel] });
  const env: Record<string, string | undefined> = {
    ...opts.env,
    DATABASE_PATH: opts.env.DATABASE_PATH || SANDBOX.databasePath,
    // The sandbox's fake customers never go into a real PostgreSQL database.
    DATABASE_URL: undefined,
    WHATSAPP_APP_SECRET: SANDBOX.appSecret,
    WHATSAPP_VERIFY_TOKEN: SANDBOX.verifyToken,
    WHATSAPP_ACCESS_TOKEN: SANDBOX.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: SANDBOX.phoneNumberId,
    WHATSAPP_BUSINESS_ACCOUNT_ID: SANDBOX.businessAccountId,
    WHATSAPP_GRAPH_URL: graph.url,
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SANDBOX.signingSecret,
    SLACK_APP_TOKEN: undefined,
    SLACK_API_URL: slack.url,
    SLACK_ESCALATION_CHANNEL: SANDBOX.channel,
    // The console's agent is a manager: the Home tab shows the AI switch.
    SLACK_MANAGERS: opts.env.SLACK_MANAGERS || SANDBOX.agentUserId,
    SLACK_BOT_ID: undefined,
    SLACK_BOT_USER_ID: undefined,
    // Short so that moving the clock shows reminders and the window's end within seconds.
    SLACK_SWEEP_SECONDS: opts.env.SLACK_SWEEP_SECONDS || "2",
    JEMBATAN_MODE: "sandbox",
  };
  const config = loadConfig(env);
  mkdirSync(dirname(config.databasePath), { recursive: true, mode: 0o700 });
  let world: SandboxWorld | null = null;
  const get = () => {
    if (!world) throw new Error("the sandbox is still starting");
    return world;
  };
  let service: Service;
  try {
    service = await startService(config, opts.logger, { mounts: opts.mounts?.(get) ?? {} });
  } catch (err) {
    await graph.close();
    await slack.close();
    throw err;
  }
  const meta = createMetaWebhookSender({
    targetUrl: `${service.url}/webhooks/whatsapp`,
    appSecret: SANDBOX.appSecret,
  });
  const statuses = { enabled: true, readAfterMs: 1500 };
  const timers = new Set<NodeJS.Timeout>();
  const report = (id: string, to: string, status: string, delayMs: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      meta
        .send(statusUpdate({ id, status, recipientId: to, phoneNumberId: SANDBOX.phoneNumberId }))
        .catch((err) => opts.logger.warn({ err }, "sandbox: status webhook failed"));
    }, delayMs);
    timers.add(t);
  };
  const unsubscribe = graph.onSend((send) => {
    if (!statuses.enabled) return;
    report(send.waMessageId, send.to, "sent", 100);
    report(send.waMessageId, send.to, "delivered", 400);
    report(send.waMessageId, send.to, "read", statuses.readAfterMs);
  });
  world = {
    service,
    config,
    graph,
    slack,
    meta,
    clock: opts.clock,
    slackEventsUrl: `${service.url}/slack/events`,
    statuses,
    async close() {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      await service.stop(2000);
      await graph.close();
      await slack.close();
    },
  };
  return world;
}
