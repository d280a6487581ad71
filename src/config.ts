import { existsSync } from "node:fs";
import { z } from "zod";
import { type BusinessHours, parseBusinessHours } from "./core/business-hours.ts";
import type { RoutingRule } from "./core/channel-routing.ts";

const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);
const str = () => z.preprocess(emptyToUndefined, z.string().trim().min(1));
const optStr = () => z.preprocess(emptyToUndefined, z.string().trim().min(1).optional());
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));
const num = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().min(min).max(max).default(def));
const url = (def: string) => z.preprocess(emptyToUndefined, z.url().default(def));

const routingRule = z.strictObject({
  channel: z.string().min(1),
  language: z.enum(["id", "en"]).optional(),
  keywords: z.array(z.string().min(1)).optional(),
  phonePrefix: z
    .string()
    .regex(/^\+?\d+$/, "digits, e.g. 62")
    .optional(),
});
const jsonRouting = z.preprocess((v, ctx) => {
  if (v === undefined || v === "") return [];
  try {
    return JSON.parse(String(v));
  } catch {
    ctx.addIssue({
      code: "custom",
      message: 'must be a JSON array, e.g. [{"channel":"C0123","language":"en"}]',
    });
    return z.NEVER;
  }
}, z.array(routingRule));
const DEFAULT_BRIDGE_ID =
  "Baik Kak, kami sambungkan dengan tim kami ya 🙏 Biasanya dibalas dalam {minutes} menit.";
const DEFAULT_BRIDGE_EN =
  "Thanks! I'm connecting you with a teammate now. They usually reply within {minutes} minutes.";
const DEFAULT_BRIDGE_CLOSED_ID =
  "Terima kasih Kak, pesan sudah kami teruskan ke tim kami. Saat ini di luar jam kerja ({hours}); kami balas segera setelah buka ya 🙏";
const DEFAULT_BRIDGE_CLOSED_EN =
  "Thanks, I've passed this on to our team. We're outside business hours ({hours}) and will reply as soon as we open.";
const text = (def: string) => z.preprocess(emptyToUndefined, z.string().default(def));

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The environment variables jembatan reads, with their defaults. Keep `.env.example` in step. */
export const envSchema = z.object({
  JEMBATAN_MODE: z.preprocess(
    emptyToUndefined,
    z.enum(["auto", "sandbox", "production"]).default("auto"),
  ),
  PORT: int(3000, 0, 65535),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default("db/jembatan.sqlite")),
  // PostgreSQL instead of the SQLite file: several instances may share it (docs/scaling.md).
  DATABASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/i, "must be a postgres:// or postgresql:// URL")
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(logLevels).default("info")),
  // Guarding /metrics: long enough not to be guessed, no spaces (it travels in a header).
  METRICS_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\S{16,}$/, "must be at least 16 characters without spaces")
      .optional(),
  ),

  WHATSAPP_APP_SECRET: str(),
  WHATSAPP_VERIFY_TOKEN: str(),
  WHATSAPP_ACCESS_TOKEN: str(),
  WHATSAPP_PHONE_NUMBER_ID: str(),
  WHATSAPP_GRAPH_URL: url("https://graph.facebook.com"),
  WHATSAPP_GRAPH_VERSION: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^v\d+\.\d+$/, "must look like v25.0")
      .default("v25.0"),
  ),
  WHATSAPP_BUSINESS_ACCOUNT_ID: optStr(),
  WHATSAPP_TIMEOUT_MS: int(10_000, 100),
  // 45 s: Meta's status webhook for an accepted message comes within seconds, and a customer whose
  // send hung during an outage is answered within a minute of recovery (docs/reliability.md).
  WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: int(45_000, 0),
  WHATSAPP_GROUP_MESSAGES: z.preprocess(
    emptyToUndefined,
    z.enum(["store", "handle"]).default("store"),
  ),

  SLACK_BOT_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().startsWith("xoxb-", "must be a bot token starting with xoxb-"),
  ),
  SLACK_SIGNING_SECRET: optStr(),
  SLACK_APP_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().startsWith("xapp-", "must be an app-level token starting with xapp-").optional(),
  ),
  SLACK_API_URL: url("https://slack.com/api/"),
  SLACK_ESCALATION_CHANNEL: str(),
  SLACK_BOT_ID: optStr(),
  SLACK_BOT_USER_ID: optStr(),
  SLACK_ROUTING: jsonRouting,
  SLACK_MANAGERS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(
        /^\s*[UW][A-Z0-9]+(\s*,\s*[UW][A-Z0-9]+)*\s*$/,
        "must be Slack user ids, e.g. U0123,U0456",
      )
      .optional(),
  ),
  SLACK_MANAGER_GROUP: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^S[A-Z0-9]+$/, "must be a Slack user group id such as S0123")
      .optional(),
  ),
  SLACK_ALERT_CHANNEL: optStr(),
  ALERT_COOLDOWN_MINUTES: int(30, 1, 24 * 60),
  // Rate alerts (src/core/alert-rules.ts); 0 turns one off.
  ALERT_SEND_ERROR_RATE: num(0.2, 0, 1),
  ALERT_MODEL_ERROR_RATE: num(0.3, 0, 1),
  ALERT_AI_P95_MS: int(15_000, 0, 10 * 60_000),
  ALERT_ESCALATION_RATE: num(0.5, 0, 1),
  ALERT_MIN_VOLUME: int(10, 1, 1_000_000),
  ALERT_WINDOW_MINUTES: int(15, 1, 24 * 60),
  SLACK_NOTE_PREFIX: text("note:"),
  SLACK_REPLY_SIGNATURE: text(""),
  SLACK_SLA_MINUTES: int(15, 1, 24 * 60),
  SLACK_SLA_REPEAT_MINUTES: int(15, 1, 24 * 60),
  SLACK_SLA_MAX_REMINDERS: int(3, 0, 100),
  SLACK_SLA_MENTION: text("<!here>"),
  SLACK_WINDOW_WARNING_MINUTES: int(60, 1, 23 * 60),
  SLACK_SWEEP_SECONDS: int(30, 1, 3600),
  SLACK_ROOT_REFRESH_SECONDS: int(300, 1, 24 * 3600),
  BRIDGE_MESSAGE_ID: text(DEFAULT_BRIDGE_ID),
  BRIDGE_MESSAGE_EN: text(DEFAULT_BRIDGE_EN),
  BRIDGE_MESSAGE_CLOSED_ID: text(DEFAULT_BRIDGE_CLOSED_ID),
  BRIDGE_MESSAGE_CLOSED_EN: text(DEFAULT_BRIDGE_CLOSED_EN),
  BUSINESS_HOURS: optStr(),
  BUSINESS_UTC_OFFSET: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[+-]\d{2}:\d{2}$/, "must look like +07:00")
      .default("+07:00"),
  ),
  // CSAT: a one-tap rating asked when a conversation a person handled is closed.
  CSAT_SURVEY: z.preprocess(emptyToUndefined, z.enum(["on", "off"]).default("on")),

  ANTHROPIC_API_KEY: optStr(),
  ANTHROPIC_BASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  MODEL_FAST: z.preprocess(emptyToUndefined, z.string().default("claude-haiku-5-5")),
  MODEL_SMART: z.preprocess(emptyToUndefined, z.string().default("claude-sonnet-5-5")),
  MODEL_CHOICES: optStr(),

  AI_PROMPT_FILE: z.preprocess(emptyToUndefined, z.string().default("prompts/business.example.md")),
  AI_KNOWLEDGE_DIR: z.preprocess(emptyToUndefined, z.string().default("knowledge")),
  AI_CONFIDENCE_THRESHOLD: num(0.6, 0, 1),
  AI_MEMORY_TURNS: int(6, 0, 50),
  AI_ANSWER_CACHE_TTL_MS: int(6 * 3600_000, 0),
  AI_RATE_LIMIT_PER_MINUTE: int(30, 1, 10_000),
  AI_DAILY_TOKEN_BUDGET: int(20_000_000, 0),
  AI_TIMEOUT_MS: int(20_000, 100, 600_000),
  AI_MAX_RETRIES: int(2, 0, 10),
  AI_BREAKER_FAILURES: int(5, 1, 1000),
  AI_BREAKER_COOLDOWN_MS: int(30_000, 0, 3600_000),
  AI_RETURN_AFTER_OUTAGE_MINUTES: int(60, 0, 24 * 60),

  JOB_BURST_MS: int(1500, 0, 60_000),
  JOB_LEASE_MS: int(60_000, 500),
  JOB_POLL_MS: int(250, 10, 60_000),
  JOB_CONCURRENCY: int(4, 1, 64),
  JOB_MAX_ATTEMPTS: int(1000, 1, 100_000),
  JOB_RETRY_BUDGET_MS: int(15 * 60_000, 0),
  JOB_BACKOFF_MAX_MS: int(30_000, 1, 3600_000),
  JOB_HEARTBEAT_MS: int(2_000, 50, 60_000),
  JOB_SHUTDOWN_MS: int(5_000, 0, 600_000),

  RETENTION_MESSAGE_DAYS: int(90, 0, 36_500),
  RETENTION_CONTACT_DAYS: int(365, 0, 36_500),
  // Floors: a dedupe key must outlive Slack's retries, a status event Meta's 7-day redelivery
  // (src/store/pruning-rule.ts).
  // 8 days by default: longer than Meta's 7 days of webhook redelivery, so a job queued by a
  // webhook (an announcement, a handoff) keeps its dedupe key while that webhook can come again.
  JOB_DONE_RETENTION_HOURS: int(192, 24, 87_600),
  STATUS_EVENT_RETENTION_DAYS: int(30, 7, 36_500),
});

type Env = z.infer<typeof envSchema>;

/** The typed, nested configuration every factory receives. */
export interface Config {
  port: number;
  databasePath: string;
  /** DATABASE_URL: PostgreSQL, used instead of `databasePath` when set. */
  databaseUrl: string | null;
  logLevel: (typeof logLevels)[number];
  /** METRICS_TOKEN: `/metrics` wants `Authorization: Bearer <token>`; null: open. */
  metricsToken: string | null;
  whatsapp: {
    appSecret: string;
    verifyToken: string;
    accessToken: string;
    phoneNumberId: string;
    graphUrl: string;
    graphVersion: string;
    businessAccountId: string | null;
    timeoutMs: number;
    /**
     * After a send whose outcome is unknown, how long to wait for a status webhook proving it
     * went out before sending again (then the customer may see it twice).
     */
    unknownOutcomeWaitMs: number;
    /** Group messages: `store` (kept, never answered or escalated) or `handle` (like private ones). */
    groupMessages: "store" | "handle";
  };
  slack: {
    botToken: string;
    signingSecret: string | null;
    appToken: string | null;
    apiUrl: string;
    escalationChannel: string;
    /** Slack users who may use the controls (AI switch, templates); see SLACK_MANAGER_GROUP. */
    managers: string[];
    /** A user group whose members are managers too (checked at run time). */
    managerGroup: string | null;
    /** Where control changes and alerts are announced; the escalation channel when unset. */
    alertChannel: string;
    /** A continuing alert is repeated at most this often. */
    alertCooldownMinutes: number;
    /**
     * Rate alerts: error shares (0..1) of sends and model calls, the answer calls' p95 (ms) and the
     * escalation share over the last hour; 0 = off. Judged on at least `minVolume` items over the
     * last `windowMinutes` (the escalation rate: the last hour).
     */
    alertRates: {
      sendErrorRate: number;
      modelErrorRate: number;
      aiP95Ms: number;
      escalationRate: number;
      minVolume: number;
      windowMinutes: number;
    };
    /** Both set: Bolt skips `auth.test` at start. */
    botId: string | null;
    botUserId: string | null;
    routing: RoutingRule[];
    notePrefix: string;
    replySignature: string;
    sla: { firstMinutes: number; repeatMinutes: number; maxReminders: number; mention: string };
    windowWarningMinutes: number;
    sweepSeconds: number;
    /** Least time between two redraws of a thread root's window field. */
    rootRefreshSeconds: number;
  };
  bridge: { id: string; en: string; closedId: string; closedEn: string };
  business: { hours: BusinessHours | null; hoursText: string | null; utcOffsetMinutes: number };
  /** CSAT_SURVEY: ask the customer for a one-tap rating when a person's conversation is closed. */
  csatSurvey: boolean;
  anthropic: {
    apiKey: string | null;
    baseUrl: string | null;
    modelFast: string;
    modelSmart: string;
    /** Model ids a manager may pick at run time; null: the priced models and the two defaults. */
    modelChoices: string[] | null;
  };
  ai: {
    /** Business prompt file (Markdown sections), resolved against the working directory. */
    promptFile: string;
    /** Folder of Markdown FAQ files indexed into SQLite FTS5. */
    knowledgeDir: string;
    /** Below this confidence the AI hands the conversation to a human. */
    confidenceThreshold: number;
    /** Customer/assistant exchanges replayed verbatim; older ones are summarised. */
    memoryTurns: number;
    /** How long a reusable fast-tier answer is kept (0 disables the answer cache). */
    answerCacheTtlMs: number;
    /** Customer messages per contact per minute before a human takes over. */
    rateLimitPerMinute: number;
    /** Model tokens per UTC day before every conversation goes to a human (0 = no limit). */
    dailyTokenBudget: number;
    /** Timeout of one model request. */
    timeoutMs: number;
    /** SDK retries of one model request (429, 5xx, connection errors). */
    maxRetries: number;
    /** Consecutive failed calls of a tier that open its circuit breaker. */
    breakerFailures: number;
    /** How long an open breaker skips the tier before one trial call. */
    breakerCooldownMs: number;
    /**
     * A conversation handed off only because the model was unavailable goes back to the AI once
     * the model answers again, if nobody took it up within this many minutes; 0: never.
     */
    returnAfterOutageMinutes: number;
  };
  jobs: {
    burstMs: number;
    leaseMs: number;
    pollMs: number;
    concurrency: number;
    maxAttempts: number;
    /** How long a failing job keeps retrying, from its first failure. */
    retryBudgetMs: number;
    /** Longest wait between two tries of a failing job. */
    backoffMaxMs: number;
    /** Worker heartbeat; a worker silent for three of them has its jobs taken over. */
    heartbeatMs: number;
    /** At shutdown, how long running jobs may finish before they are released. */
    shutdownMs: number;
  };
  retention: RetentionConfig;
  /** Housekeeping of finished jobs and status events. See src/store/pruning-rule.ts. */
  pruning: {
    /** Finished (`done`) jobs are deleted this many hours after they finished (≥ 24). */
    jobDoneHours: number;
    /** Status events are deleted this many days after they were stored (≥ 7). */
    statusEventDays: number;
  };
}

/** How long personal data is kept (days; 0 = forever). See src/core/retention.ts. */
export interface RetentionConfig {
  /** Message texts, raw webhook JSON and job payloads are redacted after this many days. */
  messageDays: number;
  /** Contacts without activity for this many days are anonymised. */
  contactDays: number;
}

/** Thrown when the environment is incomplete or invalid; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * The variables that connect jembatan to a real WhatsApp number and Slack workspace. With none
 * of them set, and not in production, `npm start` opens the sandbox instead.
 */
export const CREDENTIAL_VARIABLES = [
  "WHATSAPP_APP_SECRET",
  "WHATSAPP_VERIFY_TOKEN",
  "WHATSAPP_ACCESS_TOKEN",
  "WHATSAPP_PHONE_NUMBER_ID",
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_APP_TOKEN",
  "SLACK_ESCALATION_CHANNEL",
] as const;

/** `sandbox`: the service against in-process emulators; `service`: the real thing. */
export type StartMode = "sandbox" | "service";

/**
 * Decides how `npm start` runs, before the full parse. Production is `NODE_ENV=production` or
 * `JEMBATAN_MODE=production`. With no credential set (see {@link CREDENTIAL_VARIABLES}) and not
 * in production: the sandbox. In production with none: a ConfigError naming each one, so a
 * deployment that lost its environment never comes up as a sandbox. `JEMBATAN_MODE=sandbox`
 * asks for the sandbox whatever else is set (refused in production). With some credentials,
 * the service; the full parse then names whatever is still missing.
 */
export function startMode(env: Readonly<Record<string, string | undefined>>): StartMode {
  const mode = env.JEMBATAN_MODE?.trim() || "auto";
  if (mode !== "auto" && mode !== "sandbox" && mode !== "production")
    throw new ConfigError(['JEMBATAN_MODE: must be "auto", "sandbox" or "production"']);
  const production = mode === "production" || env.NODE_ENV?.trim() === "production";
  if (mode === "sandbox") {
    if (production)
      throw new ConfigError([
        "JEMBATAN_MODE: the sandbox never runs with NODE_ENV=production (it is a developer tool)",
      ]);
    return "sandbox";
  }
  const anySet = CREDENTIAL_VARIABLES.some((name) => (env[name]?.trim() ?? "") !== "");
  if (anySet) return "service";
  if (!production) return "sandbox";
  throw new ConfigError([
    ...CREDENTIAL_VARIABLES.filter((n) => n !== "SLACK_APP_TOKEN").map(
      (name) =>
        `${name}: is required in production${name === "SLACK_SIGNING_SECRET" ? " (or SLACK_APP_TOKEN for Socket Mode)" : ""}`,
    ),
    "(without NODE_ENV=production or JEMBATAN_MODE=production and with none of these set, npm start opens the sandbox)",
  ]);
}

/** Parses the environment once into a Config, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  // Never echo the received value: a secret in the wrong variable would land in the logs.
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join(".") || "(environment)";
        const message =
          issue.code === "invalid_type" && issue.input === undefined
            ? "is required"
            : issue.message;
        return `${name}: ${message}`;
      });
  // Checked by hand rather than with a zod refinement, which would not run (and so not be
  // listed) whenever another variable is also wrong.
  if (!env.SLACK_APP_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim()) {
    problems.push("SLACK_SIGNING_SECRET: is required unless SLACK_APP_TOKEN is set (Socket Mode)");
  }
  if (env.BUSINESS_HOURS?.trim()) {
    const hours = parseBusinessHours(env.BUSINESS_HOURS, 0);
    if (typeof hours === "string") problems.push(`BUSINESS_HOURS: ${hours}`);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

function utcOffsetMinutes(offset: string): number {
  const sign = offset.startsWith("-") ? -1 : 1;
  const [h, m] = offset.slice(1).split(":").map(Number);
  return sign * ((h ?? 0) * 60 + (m ?? 0));
}

function businessHours(e: Env): BusinessHours | null {
  if (!e.BUSINESS_HOURS) return null;
  const hours = parseBusinessHours(
    e.BUSINESS_HOURS,
    utcOffsetMinutes(e.BUSINESS_UTC_OFFSET ?? "+00:00"),
  );
  return typeof hours === "string" ? null : hours;
}

function toConfig(e: Env): Config {
  return {
    port: e.PORT,
    databasePath: e.DATABASE_PATH,
    databaseUrl: e.DATABASE_URL ?? null,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN ?? null,
    whatsapp: {
      appSecret: e.WHATSAPP_APP_SECRET,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN,
      accessToken: e.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
      graphUrl: e.WHATSAPP_GRAPH_URL,
      graphVersion: e.WHATSAPP_GRAPH_VERSION,
      businessAccountId: e.WHATSAPP_BUSINESS_ACCOUNT_ID ?? null,
      timeoutMs: e.WHATSAPP_TIMEOUT_MS,
      unknownOutcomeWaitMs: e.WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS,
      groupMessages: e.WHATSAPP_GROUP_MESSAGES,
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET ?? null,
      appToken: e.SLACK_APP_TOKEN ?? null,
      apiUrl: e.SLACK_API_URL,
      escalationChannel: e.SLACK_ESCALATION_CHANNEL,
      managers: (e.SLACK_MANAGERS ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      managerGroup: e.SLACK_MANAGER_GROUP ?? null,
      alertChannel: e.SLACK_ALERT_CHANNEL ?? e.SLACK_ESCALATION_CHANNEL,
      alertCooldownMinutes: e.ALERT_COOLDOWN_MINUTES,
      alertRates: {
        sendErrorRate: e.ALERT_SEND_ERROR_RATE,
        modelErrorRate: e.ALERT_MODEL_ERROR_RATE,
        aiP95Ms: e.ALERT_AI_P95_MS,
        escalationRate: e.ALERT_ESCALATION_RATE,
        minVolume: e.ALERT_MIN_VOLUME,
        windowMinutes: e.ALERT_WINDOW_MINUTES,
      },
      botId: e.SLACK_BOT_ID ?? null,
      botUserId: e.SLACK_BOT_USER_ID ?? null,
      routing: e.SLACK_ROUTING,
      notePrefix: e.SLACK_NOTE_PREFIX,
      replySignature: e.SLACK_REPLY_SIGNATURE,
      sla: {
        firstMinutes: e.SLACK_SLA_MINUTES,
        repeatMinutes: e.SLACK_SLA_REPEAT_MINUTES,
        maxReminders: e.SLACK_SLA_MAX_REMINDERS,
        mention: e.SLACK_SLA_MENTION,
      },
      windowWarningMinutes: e.SLACK_WINDOW_WARNING_MINUTES,
      sweepSeconds: e.SLACK_SWEEP_SECONDS,
      rootRefreshSeconds: e.SLACK_ROOT_REFRESH_SECONDS,
    },
    bridge: {
      id: e.BRIDGE_MESSAGE_ID,
      en: e.BRIDGE_MESSAGE_EN,
      closedId: e.BRIDGE_MESSAGE_CLOSED_ID,
      closedEn: e.BRIDGE_MESSAGE_CLOSED_EN,
    },
    business: {
      hours: businessHours(e),
      hoursText: e.BUSINESS_HOURS ?? null,
      // Partial parses (loadAiConfig) leave these undefined.
      utcOffsetMinutes: utcOffsetMinutes(e.BUSINESS_UTC_OFFSET ?? "+00:00"),
    },
    csatSurvey: e.CSAT_SURVEY === "on",
    anthropic: {
      apiKey: e.ANTHROPIC_API_KEY ?? null,
      baseUrl: e.ANTHROPIC_BASE_URL ?? null,
      modelFast: e.MODEL_FAST,
      modelSmart: e.MODEL_SMART,
      modelChoices: e.MODEL_CHOICES
        ? e.MODEL_CHOICES.split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : null,
    },
    ai: {
      promptFile: e.AI_PROMPT_FILE,
      knowledgeDir: e.AI_KNOWLEDGE_DIR,
      confidenceThreshold: e.AI_CONFIDENCE_THRESHOLD,
      memoryTurns: e.AI_MEMORY_TURNS,
      answerCacheTtlMs: e.AI_ANSWER_CACHE_TTL_MS,
      rateLimitPerMinute: e.AI_RATE_LIMIT_PER_MINUTE,
      dailyTokenBudget: e.AI_DAILY_TOKEN_BUDGET,
      timeoutMs: e.AI_TIMEOUT_MS,
      maxRetries: e.AI_MAX_RETRIES,
      breakerFailures: e.AI_BREAKER_FAILURES,
      breakerCooldownMs: e.AI_BREAKER_COOLDOWN_MS,
      returnAfterOutageMinutes: e.AI_RETURN_AFTER_OUTAGE_MINUTES,
    },
    jobs: {
      burstMs: e.JOB_BURST_MS,
      leaseMs: e.JOB_LEASE_MS,
      pollMs: e.JOB_POLL_MS,
      concurrency: e.JOB_CONCURRENCY,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      retryBudgetMs: e.JOB_RETRY_BUDGET_MS,
      backoffMaxMs: e.JOB_BACKOFF_MAX_MS,
      heartbeatMs: e.JOB_HEARTBEAT_MS,
      shutdownMs: e.JOB_SHUTDOWN_MS,
    },
    retention: {
      messageDays: e.RETENTION_MESSAGE_DAYS,
      contactDays: e.RETENTION_CONTACT_DAYS,
    },
    pruning: {
      jobDoneHours: e.JOB_DONE_RETENTION_HOURS,
      statusEventDays: e.STATUS_EVENT_RETENTION_DAYS,
    },
  };
}

/**
 * Only the database, for operator commands (`npm run ai`) that must work with nothing else
 * configured: DATABASE_URL when set, else DATABASE_PATH (`openDatabase` takes either).
 */
export function loadDatabasePath(env: Record<string, string | undefined>): string {
  const url = envSchema.shape.DATABASE_URL.safeParse(env.DATABASE_URL);
  if (!url.success)
    throw new ConfigError(["DATABASE_URL: must be a postgres:// or postgresql:// URL"]);
  if (url.data) return url.data;
  const parsed = envSchema.shape.DATABASE_PATH.safeParse(env.DATABASE_PATH);
  if (!parsed.success) throw new ConfigError(["DATABASE_PATH: must be a file path"]);
  return parsed.data;
}

/**
 * Both database settings, for `npm run db:migrate-to-pg`, which reads the SQLite file
 * (DATABASE_PATH) and fills the PostgreSQL database (DATABASE_URL, null when unset). The URL is
 * passed on as written: the command checks it, as it checks one given with `--to`.
 */
export function loadMigrationDatabases(env: Readonly<Record<string, string | undefined>>): {
  databasePath: string;
  databaseUrl: string | null;
} {
  const parsed = envSchema.shape.DATABASE_PATH.safeParse(env.DATABASE_PATH);
  if (!parsed.success) throw new ConfigError(["DATABASE_PATH: must be a file path"]);
  return { databasePath: parsed.data, databaseUrl: env.DATABASE_URL?.trim() || null };
}

/** Where the database a config names lives: the PostgreSQL URL or the SQLite file. */
export function databaseLocation(config: Pick<Config, "databasePath" | "databaseUrl">): string {
  return config.databaseUrl ?? config.databasePath;
}

/**
 * The PostgreSQL server tests may use (JEMBATAN_TEST_PG_URL, any database on it; tests create
 * and drop their own), or null: the suites run on SQLite only. Read here because nothing else
 * reads the environment.
 */
export function testPostgresUrl(
  env: Record<string, string | undefined> = process.env,
): string | null {
  const v = env.JEMBATAN_TEST_PG_URL;
  return v && /^postgres(ql)?:\/\//i.test(v) ? v : null;
}

/** JEMBATAN_TEST_ENGINE=postgres: the suites' databases are PostgreSQL ones (see store/testing.ts). */
export function testWantsPostgres(env: Record<string, string | undefined> = process.env): boolean {
  return env.JEMBATAN_TEST_ENGINE === "postgres";
}

/** The retention settings alone, for `npm run contact -- retention` (needs nothing else). */
export function loadRetentionConfig(
  env: Readonly<Record<string, string | undefined>>,
): RetentionConfig {
  const parsed = envSchema
    .pick({ RETENTION_MESSAGE_DAYS: true, RETENTION_CONTACT_DAYS: true })
    .safeParse(env);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`),
    );
  return {
    messageDays: parsed.data.RETENTION_MESSAGE_DAYS,
    contactDays: parsed.data.RETENTION_CONTACT_DAYS,
  };
}

/** The model and AI settings alone (for `npm run eval` and `npm run bench:cost`). */
export function loadAiConfig(
  env: Readonly<Record<string, string | undefined>>,
): Pick<Config, "anthropic" | "ai"> {
  const schema = envSchema.pick({
    ANTHROPIC_API_KEY: true,
    ANTHROPIC_BASE_URL: true,
    MODEL_FAST: true,
    MODEL_SMART: true,
    MODEL_CHOICES: true,
    AI_PROMPT_FILE: true,
    AI_KNOWLEDGE_DIR: true,
    AI_CONFIDENCE_THRESHOLD: true,
    AI_MEMORY_TURNS: true,
    AI_ANSWER_CACHE_TTL_MS: true,
    AI_RATE_LIMIT_PER_MINUTE: true,
    AI_DAILY_TOKEN_BUDGET: true,
    AI_TIMEOUT_MS: true,
    AI_MAX_RETRIES: true,
    AI_BREAKER_FAILURES: true,
    AI_BREAKER_COOLDOWN_MS: true,
    AI_RETURN_AFTER_OUTAGE_MINUTES: true,
  });
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`),
    );
  const { anthropic, ai } = toConfig(parsed.data as Env);
  return { anthropic, ai };
}

/**
 * `LOG_LEVEL` alone, for a start that does not parse the whole Config (the sandbox builds its
 * own): `fallback` when unset, a ConfigError when invalid.
 */
export function loadLogLevel(
  env: Readonly<Record<string, string | undefined>>,
  fallback: Config["logLevel"],
): Config["logLevel"] {
  if (!env.LOG_LEVEL?.trim()) return fallback;
  const parsed = envSchema.pick({ LOG_LEVEL: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError([`LOG_LEVEL: must be one of ${logLevels.join(", ")}`]);
  return parsed.data.LOG_LEVEL;
}

/**
 * `BUSINESS_UTC_OFFSET` alone, in minutes, for operator commands (`npm run ai -- status`) whose
 * "today" must be the business day of the Home tab and `/metrics`; a ConfigError when invalid.
 */
export function loadBusinessUtcOffset(env: Readonly<Record<string, string | undefined>>): number {
  const parsed = envSchema.pick({ BUSINESS_UTC_OFFSET: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError(["BUSINESS_UTC_OFFSET: must look like +07:00"]);
  return utcOffsetMinutes(parsed.data.BUSINESS_UTC_OFFSET);
}

/** Reads `.env` in the working directory into the process environment when present. */
export function loadEnvFile(cwd = process.cwd()): Record<string, string | undefined> {
  const file = `${cwd}/.env`;
  if (existsSync(file)) process.loadEnvFile(file);
  return process.env;
}

/**
 * Reads the process environment, merged over `.env` in the working directory when present
 * (real environment variables win). The only place that touches `process.env`.
 */
export function loadConfigFromProcess(cwd = process.cwd()): Config {
  return loadConfig(loadEnvFile(cwd));
}
