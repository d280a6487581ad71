import { inspect } from "node:util";
import { App, type AppOptions, type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { WebClientOptions } from "@slack/web-api";
import type { Hono } from "hono";
import type { AppEnv } from "../http/app.ts";
import type { Logger } from "../logger.ts";
import { createHonoReceiver } from "./receiver.ts";

/** Options for {@link createSlackApp}. */
export interface SlackAppOptions {
  botToken: string;
  /** Required in HTTP mode; unused in Socket Mode. */
  signingSecret: string | null;
  /** An `xapp-` token: when set, Socket Mode instead of HTTP. */
  appToken: string | null;
  /** Web API base URL, e.g. `https://slack.com/api/` or an emulator's. */
  apiUrl: string;
  logger: Logger;
  /** With both ids Bolt never calls `auth.test`; otherwise `start()` calls it once. */
  botId?: string;
  botUserId?: string;
  /** Extra Web API client options (`retryConfig`, `timeout`, ...); `slackApiUrl` comes from `apiUrl`. */
  clientOptions?: WebClientOptions;
  /** See the receiver's `ackTimeoutMs` (HTTP mode). */
  ackTimeoutMs?: number;
}

/** A Bolt app ready for listeners, and how to run it. */
export interface SlackApp {
  app: App;
  /**
   * `http`: events arrive at `routes`, to be mounted at `POST /slack/events`.
   * `socket`: Bolt holds a WebSocket to Slack, so no public URL is needed (local development).
   */
  mode: "http" | "socket";
  routes: Hono<AppEnv> | null;
  /**
   * Resolves the bot's identity (`auth.test`, when the ids were not given), then opens the
   * receiver (HTTP: requests get 503 before this) or connects the socket.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
}

type PinoLevel = "debug" | "info" | "warn" | "error";

function boltLevel(pinoLevel: string): LogLevel {
  switch (pinoLevel) {
    case "trace":
    case "debug":
      return LogLevel.DEBUG;
    case "info":
      return LogLevel.INFO;
    case "warn":
      return LogLevel.WARN;
    default:
      return LogLevel.ERROR;
  }
}

/**
 * Bolt's `Logger` interface on top of pino, so that Bolt's and the Web API client's logs come out
 * as structured lines: an `Error` argument becomes `err`, the rest is joined into the message.
 * `setLevel` changes only this child logger, never the service's.
 */
export function toBoltLogger(logger: Logger, component = "bolt"): BoltLogger {
  let child = logger.child({ component });
  const emit = (level: PinoLevel, args: unknown[]) => {
    if (!child.isLevelEnabled(level)) return;
    const err = args.find((a): a is Error => a instanceof Error);
    const msg = args
      .filter((a) => a !== err)
      .map((a) => (typeof a === "string" ? a : inspect(a, { depth: 4, breakLength: Infinity })))
      .join(" ");
    if (err) child[level]({ err }, msg || err.message);
    else child[level](msg);
  };
  return {
    debug: (...args: unknown[]) => emit("debug", args),
    info: (...args: unknown[]) => emit("info", args),
    warn: (...args: unknown[]) => emit("warn", args),
    error: (...args: unknown[]) => emit("error", args),
    setLevel: (level: LogLevel) => {
      child.level = level;
    },
    getLevel: () => boltLevel(child.level),
    setName: (name: string) => {
      const level = child.level;
      child = logger.child({ component: name });
      child.level = level;
    },
  };
}

/**
 * Creates the Bolt app: HTTP mode with the Hono receiver, or Socket Mode when `appToken` is set.
 * Listeners are registered on `app` before `start()`.
 */
export function createSlackApp(opts: SlackAppOptions): SlackApp {
  const log = opts.logger.child({ component: "slack" });
  const boltLogger = toBoltLogger(opts.logger);
  const knownIdentity = opts.botId !== undefined && opts.botUserId !== undefined;
  const base: AppOptions = {
    token: opts.botToken,
    logger: boltLogger,
    // The same level as ours, so that Bolt does not reset it to its default (info).
    logLevel: boltLogger.getLevel(),
    clientOptions: { ...opts.clientOptions, slackApiUrl: opts.apiUrl },
    // Bolt's default conversation store (`context.updateConversation`) is a Map in this process's
    // memory: with several instances behind one balancer each would see a different one. Nothing
    // here uses it, and state shared by listeners belongs in the database, so it is off.
    convoStore: false,
    // Without the ids Bolt would fire auth.test from its constructor and keep the promise
    // unobserved (a failure becomes an unhandled rejection); deferring makes start() run it.
    ...(knownIdentity
      ? { botId: opts.botId, botUserId: opts.botUserId }
      : { deferInitialization: true }),
  };

  let mode: SlackApp["mode"];
  let app: App;
  let routes: Hono<AppEnv> | null;
  if (opts.appToken) {
    mode = "socket";
    app = new App({
      ...base,
      appToken: opts.appToken,
      socketMode: true,
      // The socket client's own WebClient (apps.connections.open) only sees these options.
      installerOptions: { clientOptions: { slackApiUrl: opts.apiUrl } },
    });
    routes = null;
  } else {
    if (!opts.signingSecret) {
      throw new Error("Slack HTTP mode needs a signing secret (or an app token for Socket Mode)");
    }
    mode = "http";
    const hono = createHonoReceiver({
      signingSecret: opts.signingSecret,
      logger: opts.logger,
      ...(opts.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: opts.ackTimeoutMs }),
    });
    app = new App({ ...base, receiver: hono.receiver });
    routes = hono.routes;
  }

  let initialized = knownIdentity;
  let started = false;
  return {
    app,
    mode,
    routes,
    async start() {
      if (started) return;
      if (!initialized) {
        await app.init();
        initialized = true;
      }
      await app.start();
      started = true;
      log.info({ mode }, "slack app started");
    },
    async stop() {
      if (!started) return;
      started = false;
      await app.stop();
    },
  };
}
