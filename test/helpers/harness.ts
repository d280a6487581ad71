import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type Config, loadConfig } from "../../src/config.ts";
import { type GraphEmulator, startGraphEmulator } from "../../src/emulators/graph.ts";
import {
  createMetaWebhookSender,
  type MetaWebhookSender,
} from "../../src/emulators/meta-webhook.ts";
import { type SlackEmulator, startSlackEmulator } from "../../src/emulators/slack.ts";
import { createLogger, type Logger } from "../../src/logger.ts";
import { type Service, type ServiceOverrides, startService } from "../../src/service.ts";
import { engineOf } from "../../src/store/db.ts";
import { createTestPgDatabase, type TestPgDatabase, testEngine } from "../../src/store/testing.ts";

export const APP_SECRET = "test-app-secret";
export const VERIFY_TOKEN = "test-verify-token";
export const ACCESS_TOKEN = "test-access-token";
export const PHONE_NUMBER_ID = "106540352242922";
export const SLACK_SIGNING_SECRET = "slack-signing-secret";

/** The environment a test service runs with, pointing at the emulators. */
export function testEnv(
  graphUrl: string,
  dir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PORT: "0",
    DATABASE_PATH: join(dir, "jembatan.sqlite"),
    LOG_LEVEL: "debug",
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
    WHATSAPP_ACCESS_TOKEN: ACCESS_TOKEN,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_GRAPH_URL: graphUrl,
    WHATSAPP_TIMEOUT_MS: "2000",
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_SIGNING_SECRET,
    SLACK_ESCALATION_CHANNEL: "C0ESCALATE",
    // The emulator's agent may use the controls; tests of refusals use another user.
    SLACK_MANAGERS: "U0AGENT",
    // Without a Slack emulator: known bot ids (no auth.test at start) and a closed port.
    SLACK_API_URL: "http://127.0.0.1:9/api/",
    SLACK_BOT_ID: "B0BOTID",
    SLACK_BOT_USER_ID: "U0BOTUSER",
    JOB_POLL_MS: "20",
    JOB_BURST_MS: "0",
    ...extra,
  };
}

/** A service started in this process against the Graph and Slack emulators, with a fresh database file. */
export interface Harness {
  service: Service;
  graph: GraphEmulator;
  slack: SlackEmulator;
  /** Where Slack sends events, interactivity and commands. */
  slackEventsUrl: string;
  meta: MetaWebhookSender;
  config: Config;
  logs: Record<string, unknown>[];
  webhookUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the emulators and the service. Logs are collected in `logs` (debug level) unless a
 * `logger` is given, e.g. a quiet one for a benchmark.
 */
export async function startHarness(
  extraEnv: Record<string, string> = {},
  overrides: ServiceOverrides = {},
  logger?: Logger,
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "jembatan-e2e-"));
  const graph = await startGraphEmulator({
    accessToken: ACCESS_TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
  });
  const slack = await startSlackEmulator();
  // On the PostgreSQL pass (`npm test`), each harness gets its own database on the test server.
  const pg: TestPgDatabase | null = testEngine() === "postgres" ? createTestPgDatabase() : null;
  // Bolt calls auth.test against the emulator at start, as it would against Slack.
  const config = loadConfig(
    testEnv(graph.url, dir, {
      SLACK_API_URL: slack.url,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_BOT_ID: "",
      SLACK_BOT_USER_ID: "",
      ...(pg ? { DATABASE_URL: pg.url } : {}),
      ...extraEnv,
    }),
  );
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line));
      cb();
    },
  });
  let service: Service;
  try {
    service = await startService(config, logger ?? createLogger("debug", sink), overrides);
  } catch (err) {
    await graph.close();
    await slack.close();
    pg?.drop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const webhookUrl = `${service.url}/webhooks/whatsapp`;
  return {
    service,
    graph,
    slack,
    slackEventsUrl: `${service.url}/slack/events`,
    config,
    logs,
    webhookUrl,
    meta: createMetaWebhookSender({ targetUrl: webhookUrl, appSecret: APP_SECRET }),
    async close() {
      await service.stop(2000);
      await graph.close();
      await slack.close();
      pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Row counts of every table: "nothing changed" means these are equal before and after. */
export function tableCounts(service: Service): Record<string, number> {
  const client = service.db.$client;
  const tables = client
    .prepare(
      engineOf(service.db) === "postgres"
        ? "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'"
        : "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
    )
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [
      name,
      (client.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n,
    ]),
  );
}
