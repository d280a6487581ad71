import { existsSync } from "node:fs";
import { z } from "zod";

const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);
const str = () => z.preprocess(emptyToUndefined, z.string().trim().min(1));
const optStr = () => z.preprocess(emptyToUndefined, z.string().trim().min(1).optional());
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));
const url = (def: string) => z.preprocess(emptyToUndefined, z.url().default(def));

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** The environment variables jembatan reads, with their defaults. Keep `.env.example` in step. */
export const envSchema = z.object({
  PORT: int(3000, 0, 65535),
  DATABASE_PATH: z.preprocess(emptyToUndefined, z.string().default("db/jembatan.sqlite")),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(logLevels).default("info")),

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

  ANTHROPIC_API_KEY: optStr(),
  ANTHROPIC_BASE_URL: z.preprocess(emptyToUndefined, z.url().optional()),
  MODEL_FAST: z.preprocess(emptyToUndefined, z.string().default("claude-haiku-5-5")),
  MODEL_SMART: z.preprocess(emptyToUndefined, z.string().default("claude-sonnet-5-5")),

  JOB_BURST_MS: int(1500, 0, 60_000),
  JOB_LEASE_MS: int(60_000, 500),
  JOB_POLL_MS: int(250, 10, 60_000),
  JOB_CONCURRENCY: int(4, 1, 64),
  JOB_MAX_ATTEMPTS: int(8, 1, 100),
});

type Env = z.infer<typeof envSchema>;

/** The typed, nested configuration every factory receives. */
export interface Config {
  port: number;
  databasePath: string;
  logLevel: (typeof logLevels)[number];
  whatsapp: {
    appSecret: string;
    verifyToken: string;
    accessToken: string;
    phoneNumberId: string;
    graphUrl: string;
    graphVersion: string;
    businessAccountId: string | null;
    timeoutMs: number;
  };
  slack: {
    botToken: string;
    signingSecret: string | null;
    appToken: string | null;
    apiUrl: string;
    escalationChannel: string;
  };
  anthropic: {
    apiKey: string | null;
    baseUrl: string | null;
    modelFast: string;
    modelSmart: string;
  };
  jobs: {
    burstMs: number;
    leaseMs: number;
    pollMs: number;
    concurrency: number;
    maxAttempts: number;
  };
}

/** Thrown when the environment is incomplete or invalid; the message lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
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
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

function toConfig(e: Env): Config {
  return {
    port: e.PORT,
    databasePath: e.DATABASE_PATH,
    logLevel: e.LOG_LEVEL,
    whatsapp: {
      appSecret: e.WHATSAPP_APP_SECRET,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN,
      accessToken: e.WHATSAPP_ACCESS_TOKEN,
      phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
      graphUrl: e.WHATSAPP_GRAPH_URL,
      graphVersion: e.WHATSAPP_GRAPH_VERSION,
      businessAccountId: e.WHATSAPP_BUSINESS_ACCOUNT_ID ?? null,
      timeoutMs: e.WHATSAPP_TIMEOUT_MS,
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET ?? null,
      appToken: e.SLACK_APP_TOKEN ?? null,
      apiUrl: e.SLACK_API_URL,
      escalationChannel: e.SLACK_ESCALATION_CHANNEL,
    },
    anthropic: {
      apiKey: e.ANTHROPIC_API_KEY ?? null,
      baseUrl: e.ANTHROPIC_BASE_URL ?? null,
      modelFast: e.MODEL_FAST,
      modelSmart: e.MODEL_SMART,
    },
    jobs: {
      burstMs: e.JOB_BURST_MS,
      leaseMs: e.JOB_LEASE_MS,
      pollMs: e.JOB_POLL_MS,
      concurrency: e.JOB_CONCURRENCY,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
    },
  };
}

/**
 * Reads the process environment, merged over `.env` in the working directory when present
 * (real environment variables win). The only place that touches `process.env`.
 */
export function loadConfigFromProcess(cwd = process.cwd()): Config {
  const file = `${cwd}/.env`;
  if (existsSync(file)) process.loadEnvFile(file);
  return loadConfig(process.env);
}
