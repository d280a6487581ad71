import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { loadConfig } from "../src/config.ts";
import { startGraphEmulator } from "../src/emulators/graph.ts";
import { serializeLikeMeta, signLikeMeta, textMessage } from "../src/emulators/meta-webhook.ts";
import { type SlackMessage, startSlackEmulator } from "../src/emulators/slack.ts";
import {
  encodeSlackBody,
  eventCallback,
  messageEvent,
  signSlackRequest,
} from "../src/emulators/slack-requests.ts";
import { createLogger } from "../src/logger.ts";
import { startService } from "../src/service.ts";
import { PgDatabase } from "../src/store/pg/database.ts";
import { type ServiceChild, startServiceChild } from "../test/helpers/child.ts";
import {
  ACCESS_TOKEN,
  APP_SECRET,
  PHONE_NUMBER_ID,
  SLACK_SIGNING_SECRET,
  testEnv,
} from "../test/helpers/harness.ts";
import { type BenchPostgres, benchPostgres, engineArgs } from "./engine.ts";
import { type Poster, roundRobinPoster } from "./http-post.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    samples: { type: "string", default: "200" },
    warmup: { type: "string", default: "20" },
    // Small, as in the tests; the path must not depend on it (the runner is woken on enqueue).
    "poll-ms": { type: "string", default: "20" },
    // The service shares this process's event loop with the emulators and the load generator,
    // so their work is counted as the bridge's latency. Kept to compare with earlier figures.
    "in-process": { type: "boolean", default: false },
    // Writes a CPU profile of the service (child process only) into this directory.
    "profile-dir": { type: "string" },
    // sqlite (a file), or postgres: a fresh database on --pg-url's server, else on a throwaway
    // cluster of the run's own with durable commits (see benchPostgres in bench/engine.ts).
    engine: { type: "string", default: "sqlite" },
    "pg-url": { type: "string" },
    // PostgreSQL only, 1-3: that many services on the one database (child processes); webhooks
    // and Slack events go to them in turn, as a round-robin load balancer would send them.
    instances: { type: "string", default: "1" },
  },
});
const samples = Number(args.samples);
const warmup = Number(args.warmup);
const pollMs = Number(args["poll-ms"]);
if (!(Number.isInteger(samples) && samples > 0 && Number.isInteger(warmup) && warmup >= 0)) {
  throw new Error("--samples must be a positive integer and --warmup a non-negative one");
}
const mode = args["in-process"] ? "in-process" : "child-process";
const { engine, instances } = engineArgs(args);
if (instances > 1 && args["in-process"]) {
  throw new Error("--instances above 1 runs child processes only");
}
const TARGET_P95_MS = 15;
const CHANNEL = "C0ESCALATE";
const AGENT = "U0AGENT";
const TIMEOUT_MS = 5000;

const graph = await startGraphEmulator({
  accessToken: ACCESS_TOKEN,
  phoneNumberId: PHONE_NUMBER_ID,
});
const slack = await startSlackEmulator();
const pgDb: BenchPostgres | null =
  engine === "postgres" ? await benchPostgres(args["pg-url"]) : null;
const dir = mkdtempSync(join(tmpdir(), "jembatan-relay-"));
const env = testEnv(graph.url, dir, {
  SLACK_API_URL: slack.url,
  SLACK_BOT_TOKEN: slack.botToken,
  SLACK_BOT_ID: "",
  SLACK_BOT_USER_ID: "",
  // The service's default level; the relay path logs nothing at `info` when all goes well.
  LOG_LEVEL: "info",
  JOB_POLL_MS: String(pollMs),
  // The burst window is a deliberate wait, not added latency: off, as in the tests.
  JOB_BURST_MS: "0",
  ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
});

/** The bridge under test: the real service, reached only over HTTP and through its database. */
interface Bridge {
  /** One per instance. */
  urls: string[];
  close(): Promise<void>;
}

async function startBridge(): Promise<Bridge> {
  if (args["in-process"]) {
    // Logs go to stderr so that `--json` leaves exactly one line on stdout.
    const service = await startService(loadConfig(env), createLogger("info", process.stderr));
    return { urls: [service.url], close: () => service.stop(2000) };
  }
  // As in production: `src/main.ts` in its own process, Slack and Meta elsewhere (here, the
  // emulators in this process, on the other core).
  const profileDir = args["profile-dir"];
  const nodeArgs = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  // One after the other: the first applies the migrations.
  const children: ServiceChild[] = [];
  try {
    for (let i = 0; i < instances; i++)
      children.push(await startServiceChild(env, undefined, nodeArgs));
  } catch (err) {
    for (const c of children) await c.kill();
    throw err;
  }
  return {
    urls: children.map((c) => `http://127.0.0.1:${c.port}`),
    async close() {
      // SIGTERM drains and exits cleanly (and lets --cpu-prof write its profile).
      for (const child of children) {
        child.proc.kill("SIGTERM");
        const timer = setTimeout(() => child.proc.kill("SIGKILL"), 5000);
        await child.exited;
        clearTimeout(timer);
      }
    },
  };
}

const bridge = await startBridge().catch(async (err) => {
  // Do not leave a cluster of the run's own behind.
  await pgDb?.close();
  await graph.close();
  await slack.close();
  throw err;
});
/** better-sqlite3's read API, which PostgreSQL's facade in src/store/pg has too. */
interface Reader {
  prepare(sql: string): { get(...args: unknown[]): unknown };
  close(): unknown;
}
// A reader beside the service (WAL on SQLite): to wait for idle and check the outcome, never to
// write. On PostgreSQL a query blocks this process (the emulators' too) for a loopback round trip;
// it only polls between samples, never while one is in flight.
const db: Reader = pgDb
  ? new PgDatabase(pgDb.url)
  : new Database(env.DATABASE_PATH!, { readonly: true, fileMustExist: true });

// Arrival times, by the marker each sample's text carries, on this process's monotonic clock.
const waiters = new Map<string, (at: number) => void>();
const arrived = (text: string, at: number) => {
  for (const [marker, resolve] of waiters) {
    if (text.includes(marker)) {
      waiters.delete(marker);
      resolve(at);
    }
  }
};
graph.onSend((send) => {
  const at = performance.now();
  if (send.type === "text") arrived((send.body.text as { body: string }).body, at);
});
let rootTs = "";
slack.onCall((call) => {
  const at = performance.now();
  if (call.method === "chat.postMessage" && call.args.thread_ts === rootTs) {
    arrived(String(call.args.text ?? ""), at);
  }
});

function arrival(marker: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(marker);
      reject(new Error(`"${marker}" did not arrive within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    waiters.set(marker, (at) => {
      clearTimeout(timer);
      resolve(at);
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, predicate: () => boolean, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** No job due or running: the previous sample's follow-up work (receipts, links) is finished. */
const busy = db.prepare(
  "select count(*) as n from jobs where state = 'running' or (state = 'pending' and run_at <= ?)",
);
const idle = () => Number((busy.get(Date.now()) as { n: number }).n) === 0;

// One kept-alive connection per endpoint (see bench/http-post.ts); with several instances each
// post goes to the next one in turn.
const webhookPoster = roundRobinPoster(
  bridge.urls.map((u) => `${u}/webhooks/whatsapp`),
  1,
);
const slackPoster = roundRobinPoster(
  bridge.urls.map((u) => `${u}/slack/events`),
  1,
);

async function post(
  poster: Poster,
  body: string,
  headers: Record<string, string>,
  marker: string,
): Promise<number> {
  const landed = arrival(marker);
  const t0 = performance.now();
  const status = await poster.post(body, headers);
  if (status !== 200) throw new Error(`the service answered ${status}`);
  return (await landed) - t0;
}

/** A customer message, signed like Meta; timed until the mirrored post reaches Slack. */
function customerMessage(text: string, marker: string): Promise<number> {
  const { body, headers } = signedWebhook(text);
  return post(webhookPoster, body, headers, marker);
}

function signedWebhook(text: string): { body: string; headers: Record<string, string> } {
  const body = serializeLikeMeta(textMessage(text));
  const headers = {
    "content-type": "application/json",
    "x-hub-signature-256": signLikeMeta(APP_SECRET, body),
  };
  return { body, headers };
}

/** An agent's thread reply: seeded in the Slack emulator, then delivered as a signed event. */
function agentReply(root: SlackMessage, text: string, marker: string): Promise<number> {
  const posted = slack.addMessage(CHANNEL, { user: AGENT, text, thread_ts: root.ts });
  const event = messageEvent({
    channel: CHANNEL,
    user: AGENT,
    text,
    threadTs: root.ts,
    ts: posted.ts,
  });
  const { raw, contentType } = encodeSlackBody(eventCallback(event));
  const headers = { "content-type": contentType, ...signSlackRequest(SLACK_SIGNING_SECRET, raw) };
  return post(slackPoster, raw, headers, marker);
}

interface Stats {
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  mean_ms: number;
  max_ms: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  // Nearest rank.
  const pct = (p: number) => s[Math.max(0, Math.ceil(p * s.length) - 1)] ?? 0;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    p50_ms: round(pct(0.5)),
    p95_ms: round(pct(0.95)),
    p99_ms: round(pct(0.99)),
    mean_ms: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
    max_ms: round(s.at(-1) ?? 0),
  };
}

const s2w: number[] = [];
const w2s: number[] = [];
try {
  // Handoff: the customer asks for a person; the thread opens and the bridge message goes out.
  const handoffSent = graph.sent.length;
  const first = signedWebhook("saya mau bicara dengan orang beneran");
  const opened = await webhookPoster.post(first.body, first.headers);
  if (opened !== 200) throw new Error(`handoff webhook answered ${opened}`);
  await until("the handoff thread", () => slack.messages(CHANNEL).some((m) => !m.thread_ts));
  const root = slack.messages(CHANNEL).find((m) => !m.thread_ts)!;
  rootTs = root.ts;
  await until("the bridge message", () => graph.sent.length > handoffSent);
  // The first agent reply claims the conversation (escalated → agent).
  await agentReply(root, "Halo Kak, saya Smith dari tim CS. bench-claim", "bench-claim");
  await until("the conversation in agent state", () => {
    const row = db.prepare("select state from conversations").get() as { state: string };
    return row.state === "agent";
  });

  for (let i = 0; i < warmup + samples; i++) {
    await until("idle", idle);
    const w = await customerMessage(
      `Kak, pesanan saya bench-w2s-${i} sudah dikirim?`,
      `bench-w2s-${i}`,
    );
    await until("idle", idle);
    const s = await agentReply(root, `Sudah Kak, resinya bench-s2w-${i} ya.`, `bench-s2w-${i}`);
    if (i >= warmup) {
      w2s.push(w);
      s2w.push(s);
    }
  }
  await until("idle", idle);
  // Each sample must have crossed exactly once, and nothing may have failed on the way.
  const rounds = warmup + samples;
  const relayed = graph.sent.filter(
    (x) => x.type === "text" && JSON.stringify(x.body).includes("bench-s2w-"),
  ).length;
  const mirrored = slack
    .threadReplies(CHANNEL, rootTs)
    .filter((m) => m.user === slack.botUserId && (m.text ?? "").includes("bench-w2s-")).length;
  if (relayed !== rounds || mirrored !== rounds) {
    throw new Error(
      `expected ${rounds} each way, got ${relayed} sends and ${mirrored} thread posts`,
    );
  }
  const dead = db.prepare("select count(*) as n from jobs where state = 'dead'").get() as {
    n: number;
  };
  if (Number(dead.n) > 0) throw new Error(`${dead.n} job(s) died during the run`);
} finally {
  db.close();
  webhookPoster.close();
  slackPoster.close();
  await bridge.close();
  await graph.close();
  await slack.close();
  await pgDb?.close();
  rmSync(dir, { recursive: true, force: true });
}

const out = {
  slack_to_whatsapp: stats(s2w),
  whatsapp_to_slack: stats(w2s),
  samples,
  warmup,
  service: mode,
  poll_ms: pollMs,
  target_p95_ms: TARGET_P95_MS,
  cpus: cpus().length,
  node: process.version,
  engine,
  instances,
  // PostgreSQL only: where it ran and its commit settings.
  pg_server: pgDb?.server ?? null,
  pg_settings: pgDb?.settings ?? null,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const line = (name: string, x: Stats) =>
    `${name}: p50 ${x.p50_ms} ms, p95 ${x.p95_ms} ms, p99 ${x.p99_ms} ms, mean ${x.mean_ms} ms, max ${x.max_ms} ms (${x.p95_ms <= TARGET_P95_MS ? "meets" : "misses"} p95 ≤ ${TARGET_P95_MS} ms)`;
  console.log(line("Slack → WhatsApp", out.slack_to_whatsapp));
  console.log(line("WhatsApp → Slack", out.whatsapp_to_slack));
  console.log(
    `${samples} sequential samples each way after ${warmup} warm-up, service ${mode === "in-process" ? "in the bench process" : instances > 1 ? `in ${instances} child processes (posts in turn)` : "in a child process"}, emulators at zero latency, JOB_POLL_MS ${pollMs}, JOB_BURST_MS 0, ${out.cpus} CPUs, Node ${out.node}`,
  );
  console.log(
    engine === "sqlite"
      ? "engine: SQLite"
      : `engine: PostgreSQL ${out.pg_settings?.server_version} (${out.pg_server === "own" ? "own cluster" : "given server"}: fsync=${out.pg_settings?.fsync}, synchronous_commit=${out.pg_settings?.synchronous_commit})`,
  );
}
