import { describe, expect, it } from "vitest";
import {
  ConfigError,
  loadAiConfig,
  loadBusinessUtcOffset,
  loadConfig,
  loadDatabasePath,
  loadLogLevel,
  loadRetentionConfig,
  startMode,
} from "./config.ts";

const minimal = {
  WHATSAPP_APP_SECRET: "app-secret-value",
  WHATSAPP_VERIFY_TOKEN: "verify",
  WHATSAPP_ACCESS_TOKEN: "EAAG-token-value",
  WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
  SLACK_BOT_TOKEN: "xoxb-1-2-3",
  SLACK_SIGNING_SECRET: "signing-secret-value",
  SLACK_ESCALATION_CHANNEL: "C0ESCALATE",
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the contract's defaults", () => {
    const c = loadConfig(minimal);
    expect(c.port).toBe(3000);
    expect(c.databasePath).toBe("db/jembatan.sqlite");
    expect(c.whatsapp.graphUrl).toBe("https://graph.facebook.com");
    expect(c.whatsapp.graphVersion).toBe("v25.0");
    expect(c.whatsapp.businessAccountId).toBeNull();
    expect(c.slack.apiUrl).toBe("https://slack.com/api/");
    expect(c.slack.appToken).toBeNull();
    expect(c.anthropic).toEqual({
      apiKey: null,
      baseUrl: null,
      modelFast: "claude-haiku-5-5",
      modelSmart: "claude-sonnet-5-5",
      modelChoices: null,
    });
    expect(c.jobs.burstMs).toBe(1500);
  });

  it("reads every variable into the nested object", () => {
    const c = loadConfig({
      ...minimal,
      PORT: "8080",
      DATABASE_PATH: "/var/lib/jembatan.sqlite",
      WHATSAPP_GRAPH_URL: "http://127.0.0.1:9999",
      WHATSAPP_GRAPH_VERSION: "v26.0",
      WHATSAPP_BUSINESS_ACCOUNT_ID: "1234",
      SLACK_API_URL: "http://127.0.0.1:9998/api/",
      ANTHROPIC_API_KEY: "sk-ant-x",
      MODEL_FAST: "claude-haiku-4-5",
      JOB_BURST_MS: "0",
    });
    expect(c.port).toBe(8080);
    expect(c.whatsapp.graphVersion).toBe("v26.0");
    expect(c.whatsapp.businessAccountId).toBe("1234");
    expect(c.anthropic.apiKey).toBe("sk-ant-x");
    expect(c.anthropic.modelFast).toBe("claude-haiku-4-5");
    expect(c.jobs.burstMs).toBe(0);
  });

  it("lists every missing variable by name in one error", () => {
    const list = problems({});
    for (const name of [
      "WHATSAPP_APP_SECRET",
      "WHATSAPP_VERIFY_TOKEN",
      "WHATSAPP_ACCESS_TOKEN",
      "WHATSAPP_PHONE_NUMBER_ID",
      "SLACK_BOT_TOKEN",
      "SLACK_ESCALATION_CHANNEL",
      "SLACK_SIGNING_SECRET",
    ]) {
      expect(list.some((p) => p.startsWith(`${name}:`))).toBe(true);
    }
  });

  it("reports invalid values without echoing them", () => {
    const list = problems({
      ...minimal,
      PORT: "eighty",
      SLACK_BOT_TOKEN: "xoxp-user-token-secret",
      WHATSAPP_GRAPH_VERSION: "25",
    });
    expect(list.map((p) => p.split(":")[0])).toEqual(
      expect.arrayContaining(["PORT", "SLACK_BOT_TOKEN", "WHATSAPP_GRAPH_VERSION"]),
    );
    expect(list.join("\n")).not.toContain("xoxp-user-token-secret");
  });

  it("treats empty strings as unset", () => {
    expect(problems({ ...minimal, WHATSAPP_APP_SECRET: "" })).toEqual([
      "WHATSAPP_APP_SECRET: is required",
    ]);
    expect(loadConfig({ ...minimal, PORT: "" }).port).toBe(3000);
  });

  it("does not need a signing secret in Socket Mode", () => {
    const { SLACK_SIGNING_SECRET: _, ...rest } = minimal;
    expect(loadConfig({ ...rest, SLACK_APP_TOKEN: "xapp-1-abc" }).slack.signingSecret).toBeNull();
  });
});

describe("AI settings", () => {
  it("has documented defaults", () => {
    expect(loadConfig(minimal).ai).toEqual({
      promptFile: "prompts/business.example.md",
      knowledgeDir: "knowledge",
      confidenceThreshold: 0.6,
      memoryTurns: 6,
      answerCacheTtlMs: 6 * 3600_000,
      rateLimitPerMinute: 30,
      dailyTokenBudget: 20_000_000,
      timeoutMs: 20_000,
      maxRetries: 2,
      breakerFailures: 5,
      breakerCooldownMs: 30_000,
      returnAfterOutageMinutes: 60,
    });
  });

  it("reads and range-checks them", () => {
    const c = loadConfig({ ...minimal, AI_CONFIDENCE_THRESHOLD: "0.75", AI_MAX_RETRIES: "0" });
    expect(c.ai.confidenceThreshold).toBe(0.75);
    expect(c.ai.maxRetries).toBe(0);
    expect(problems({ ...minimal, AI_CONFIDENCE_THRESHOLD: "1.5" })[0]).toMatch(
      /^AI_CONFIDENCE_THRESHOLD:/,
    );
  });

  it("reads the AI settings alone for the eval and cost commands", () => {
    const c = loadAiConfig({ ANTHROPIC_API_KEY: "sk-ant-x", AI_MEMORY_TURNS: "3" });
    expect(c.anthropic.apiKey).toBe("sk-ant-x");
    expect(c.anthropic.modelFast).toBe("claude-haiku-5-5");
    expect(c.ai.memoryTurns).toBe(3);
  });

  it("gives operator commands the database path without the rest", () => {
    expect(loadDatabasePath({})).toBe("db/jembatan.sqlite");
    expect(loadDatabasePath({ DATABASE_PATH: "/tmp/x.sqlite" })).toBe("/tmp/x.sqlite");
  });
});

describe(".env.example", () => {
  it("lists exactly the variables the schema reads", async () => {
    const { readFileSync } = await import("node:fs");
    const { envSchema } = await import("./config.ts");
    const text = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const keys = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(keys.sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});

describe("Slack side settings", () => {
  it("parses routing rules, SLA and business hours", () => {
    const c = loadConfig({
      ...minimal,
      SLACK_ROUTING:
        '[{"channel":"C0BILL","keywords":["refund"]},{"channel":"C0EN","language":"en"}]',
      SLACK_SLA_MINUTES: "10",
      BUSINESS_HOURS: "Mon-Fri 09:00-17:00",
      BUSINESS_UTC_OFFSET: "+08:00",
    });
    expect(c.slack.routing).toEqual([
      { channel: "C0BILL", keywords: ["refund"] },
      { channel: "C0EN", language: "en" },
    ]);
    expect(c.slack.sla.firstMinutes).toBe(10);
    expect(c.business.hours).toMatchObject({ days: [1, 2, 3, 4, 5], utcOffsetMinutes: 480 });
    expect(c.bridge.id).toContain("{minutes}");
    expect(c.slack.notePrefix).toBe("note:");
    expect(c.slack.rootRefreshSeconds).toBe(300);
    expect(
      loadConfig({ ...minimal, SLACK_ROOT_REFRESH_SECONDS: "60" }).slack.rootRefreshSeconds,
    ).toBe(60);
    expect(problems({ ...minimal, SLACK_ROOT_REFRESH_SECONDS: "0" }).join(" ")).toContain(
      "SLACK_ROOT_REFRESH_SECONDS",
    );
  });

  it("names bad routing JSON and bad business hours", () => {
    let err: unknown;
    try {
      loadConfig({ ...minimal, SLACK_ROUTING: "[{oops", BUSINESS_HOURS: "always" });
    } catch (e) {
      err = e;
    }
    const list = (err as ConfigError).problems.join("\n");
    expect(list).toContain("SLACK_ROUTING");
    expect(list).toContain("BUSINESS_HOURS");
  });
});

describe("retention settings", () => {
  it("defaults to 90 days for messages and 365 for contacts, 0 = forever", () => {
    expect(loadConfig(minimal).retention).toEqual({ messageDays: 90, contactDays: 365 });
    expect(
      loadConfig({ ...minimal, RETENTION_MESSAGE_DAYS: "0", RETENTION_CONTACT_DAYS: "30" })
        .retention,
    ).toEqual({ messageDays: 0, contactDays: 30 });
    expect(problems({ ...minimal, RETENTION_MESSAGE_DAYS: "-1" }).join(" ")).toContain(
      "RETENTION_MESSAGE_DAYS",
    );
  });

  it("prunes finished jobs after 8 days and status events after 30 days, with floors", () => {
    expect(loadConfig(minimal).pruning).toEqual({ jobDoneHours: 192, statusEventDays: 30 });
    expect(
      loadConfig({ ...minimal, JOB_DONE_RETENTION_HOURS: "24", STATUS_EVENT_RETENTION_DAYS: "7" })
        .pruning,
    ).toEqual({ jobDoneHours: 24, statusEventDays: 7 });
    expect(problems({ ...minimal, JOB_DONE_RETENTION_HOURS: "1" }).join(" ")).toContain(
      "JOB_DONE_RETENTION_HOURS",
    );
    expect(problems({ ...minimal, STATUS_EVENT_RETENTION_DAYS: "0" }).join(" ")).toContain(
      "STATUS_EVENT_RETENTION_DAYS",
    );
  });

  it("reads them alone for `npm run contact -- retention`", () => {
    expect(loadRetentionConfig({ RETENTION_CONTACT_DAYS: "7" })).toEqual({
      messageDays: 90,
      contactDays: 7,
    });
    expect(() => loadRetentionConfig({ RETENTION_MESSAGE_DAYS: "soon" })).toThrow(ConfigError);
  });
});

describe("WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS", () => {
  it("defaults to 45 seconds and is read and range-checked", () => {
    expect(loadConfig(minimal).whatsapp.unknownOutcomeWaitMs).toBe(45_000);
    expect(
      loadConfig({ ...minimal, WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: "600000" }).whatsapp
        .unknownOutcomeWaitMs,
    ).toBe(600_000);
    expect(problems({ ...minimal, WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: "-1" })[0]).toMatch(
      /^WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS:/,
    );
  });
});

describe("job retry budget, backoff cap, heartbeat and shutdown wait", () => {
  it("defaults to 15 minutes of retries at most 30 s apart, a 2 s heartbeat, 5 s at shutdown", () => {
    expect(loadConfig(minimal).jobs).toMatchObject({
      maxAttempts: 1000,
      retryBudgetMs: 900_000,
      backoffMaxMs: 30_000,
      heartbeatMs: 2_000,
      shutdownMs: 5_000,
    });
    expect(
      loadConfig({
        ...minimal,
        JOB_RETRY_BUDGET_MS: "3000",
        JOB_BACKOFF_MAX_MS: "200",
        JOB_HEARTBEAT_MS: "100",
        JOB_SHUTDOWN_MS: "0",
      }).jobs,
    ).toMatchObject({ retryBudgetMs: 3000, backoffMaxMs: 200, heartbeatMs: 100, shutdownMs: 0 });
    expect(problems({ ...minimal, JOB_BACKOFF_MAX_MS: "0" })[0]).toMatch(/^JOB_BACKOFF_MAX_MS:/);
    expect(problems({ ...minimal, JOB_HEARTBEAT_MS: "10" })[0]).toMatch(/^JOB_HEARTBEAT_MS:/);
  });
});

describe("startMode", () => {
  it("opens the sandbox when no credential is set outside production", () => {
    expect(startMode({})).toBe("sandbox");
    // A copied .env.example: every value empty.
    expect(startMode({ WHATSAPP_APP_SECRET: "", SLACK_BOT_TOKEN: " ", PORT: "3000" })).toBe(
      "sandbox",
    );
    expect(startMode({ JEMBATAN_MODE: "sandbox", SLACK_BOT_TOKEN: "xoxb-1" })).toBe("sandbox");
  });

  it("runs the service as soon as one credential is set (the parse names the rest)", () => {
    expect(startMode({ WHATSAPP_ACCESS_TOKEN: "EAAG" })).toBe("service");
    expect(() => loadConfig({ WHATSAPP_ACCESS_TOKEN: "EAAG" })).toThrow(
      /WHATSAPP_APP_SECRET: is required/,
    );
  });

  it("refuses production without credentials, naming each one", () => {
    for (const env of [{ NODE_ENV: "production" }, { JEMBATAN_MODE: "production" }]) {
      let problems: string[] = [];
      try {
        startMode(env);
      } catch (err) {
        problems = (err as ConfigError).problems;
      }
      for (const name of [
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_ACCESS_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_ESCALATION_CHANNEL",
      ])
        expect(problems.some((p) => p.startsWith(`${name}: is required in production`))).toBe(true);
    }
  });

  it("never runs the sandbox in production, and rejects an unknown mode", () => {
    expect(() => startMode({ JEMBATAN_MODE: "sandbox", NODE_ENV: "production" })).toThrow(
      /never runs with NODE_ENV=production/,
    );
    expect(() => startMode({ JEMBATAN_MODE: "dev" })).toThrow(/JEMBATAN_MODE: must be/);
  });
});

describe("loadLogLevel", () => {
  it("reads LOG_LEVEL alone, with a fallback, and names a bad value", () => {
    expect(loadLogLevel({}, "warn")).toBe("warn");
    expect(loadLogLevel({ LOG_LEVEL: "debug" }, "warn")).toBe("debug");
    expect(() => loadLogLevel({ LOG_LEVEL: "loud" }, "warn")).toThrow(/LOG_LEVEL: must be one of/);
  });
});

// METRICS_TOKEN and the business day for operator commands (metrics helper).
describe("METRICS_TOKEN and BUSINESS_UTC_OFFSET alone", () => {
  it("leaves /metrics open when unset or empty, and keeps a good token", () => {
    expect(loadConfig(minimal).metricsToken).toBeNull();
    expect(loadConfig({ ...minimal, METRICS_TOKEN: "" }).metricsToken).toBeNull();
    expect(loadConfig({ ...minimal, METRICS_TOKEN: "0123456789abcdef" }).metricsToken).toBe(
      "0123456789abcdef",
    );
  });

  it("refuses a short token or one with spaces, without echoing it", () => {
    for (const bad of ["short", "0123456789 abcdef", " 0123456789abcdef"]) {
      const list = problems({ ...minimal, METRICS_TOKEN: bad }).join("\n");
      expect(list).toContain("METRICS_TOKEN: must be at least 16 characters without spaces");
      expect(list).not.toContain(bad.trim());
    }
  });

  it("reads BUSINESS_UTC_OFFSET alone, with the service's default", () => {
    expect(loadBusinessUtcOffset({})).toBe(420);
    expect(loadBusinessUtcOffset({ BUSINESS_UTC_OFFSET: "-05:30" })).toBe(-330);
    expect(loadBusinessUtcOffset({ BUSINESS_UTC_OFFSET: "+00:00" })).toBe(0);
    expect(loadConfig(minimal).business.utcOffsetMinutes).toBe(loadBusinessUtcOffset({}));
    expect(() => loadBusinessUtcOffset({ BUSINESS_UTC_OFFSET: "7" })).toThrow(ConfigError);
  });
});

// Rate alerts (full-alerts helper).
describe("rate alert settings", () => {
  it("has the documented defaults, takes 0 as off and names a bad value", () => {
    expect(loadConfig(minimal).slack.alertRates).toEqual({
      sendErrorRate: 0.2,
      modelErrorRate: 0.3,
      aiP95Ms: 15_000,
      escalationRate: 0.5,
      minVolume: 10,
      windowMinutes: 15,
    });
    const off = loadConfig({ ...minimal, ALERT_SEND_ERROR_RATE: "0", ALERT_AI_P95_MS: "0" });
    expect(off.slack.alertRates).toMatchObject({ sendErrorRate: 0, aiP95Ms: 0 });
    const bad = problems({
      ...minimal,
      ALERT_SEND_ERROR_RATE: "20",
      ALERT_MIN_VOLUME: "0",
      ALERT_WINDOW_MINUTES: "abc",
    }).join(" ");
    expect(bad).toContain("ALERT_SEND_ERROR_RATE");
    expect(bad).toContain("ALERT_MIN_VOLUME");
    expect(bad).toContain("ALERT_WINDOW_MINUTES");
  });
});
