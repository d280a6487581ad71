import { mkdtempSync, rmSync, statSync } from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  type EmulatedSend,
  type GraphEmulator,
  startGraphEmulator,
} from "../../src/emulators/graph.ts";
import {
  createMetaWebhookSender,
  type MetaWebhookPayload,
  statusUpdate,
  textMessage,
} from "../../src/emulators/meta-webhook.ts";
import { type SlackEmulator, startSlackEmulator } from "../../src/emulators/slack.ts";
import {
  eventCallback,
  messageEvent,
  type SlackRequestBody,
  sendSlackRequest,
} from "../../src/emulators/slack-requests.ts";
import { type ServiceChild, startServiceChild } from "../../test/helpers/child.ts";
import {
  ACCESS_TOKEN,
  APP_SECRET,
  PHONE_NUMBER_ID,
  SLACK_SIGNING_SECRET,
  testEnv,
} from "../../test/helpers/harness.ts";

// Shared pieces of the chaos campaigns (outage, SIGTERM, soak; the crash campaign uses rng and
// sleep): the emulators behind fault proxies, the service in a child process, customers and
// agents playing traffic the way Meta and Slack deliver it, and the tally of outcomes counted
// from the emulators' records and the database.

/** A small seeded generator, so that a campaign can be re-run exactly. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The `q` quantile (0..1) of sorted numbers, or null when there are none. */
export function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/** What a fault proxy does with requests: forward them, answer them, hold them, or refuse connections. */
export type FaultMode =
  | { kind: "pass" }
  | { kind: "status"; status: number; headers?: Record<string, string>; body: string }
  | { kind: "hang" }
  | { kind: "refuse" };

/**
 * An HTTP proxy in front of an emulator whose failures we control exactly and for a window:
 * answer every request with a status, hold every request until the window ends (then reset
 * the connection: nothing reached the remote), or close the port (connection refused).
 */
export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  /** Requests seen per mode kind. */
  readonly counts: Record<FaultMode["kind"], number>;
  set(mode: FaultMode): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let mode: FaultMode = { kind: "pass" };
  const sockets = new Set<Socket>();
  const held = new Set<http.ServerResponse>();
  const counts = { pass: 0, status: 0, hang: 0, refuse: 0 };
  const server = http.createServer((req, res) => {
    counts[mode.kind]++;
    if (mode.kind === "status") {
      const m = mode;
      req.resume();
      req.on("end", () => {
        res.writeHead(m.status, { "content-type": "application/json", ...m.headers });
        res.end(m.body);
      });
      return;
    }
    if (mode.kind === "hang" || mode.kind === "refuse") {
      req.resume();
      held.add(res);
      return;
    }
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 1000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  const dropAll = () => {
    for (const res of held) res.socket?.destroy();
    held.clear();
    for (const s of sockets) s.destroy();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    counts,
    async set(next) {
      const prev = mode;
      mode = next;
      if (prev.kind === "hang") {
        for (const res of held) res.socket?.destroy();
        held.clear();
      }
      if (next.kind === "refuse" && prev.kind !== "refuse") {
        await new Promise<void>((r) => {
          server.close(() => r());
          dropAll();
        });
      }
      if (prev.kind === "refuse" && next.kind !== "refuse") {
        for (let tries = 0; ; tries++) {
          try {
            await listen(port);
            break;
          } catch (err) {
            if (tries > 50) throw err;
            await sleep(100);
          }
        }
      }
    },
    async close() {
      dropAll();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Fault modes of a remote: Graph API and Slack Web API answer each in their own shape. */
export type FailureKind = "5xx" | "429" | "429-retry-after" | "refused" | "hang";
export const FAILURE_KINDS: FailureKind[] = ["5xx", "429", "429-retry-after", "refused", "hang"];

export function faultFor(
  remote: "graph" | "slack",
  kind: FailureKind,
  retryAfterSeconds: number,
): FaultMode {
  if (kind === "refused") return { kind: "refuse" };
  if (kind === "hang") return { kind: "hang" };
  const retryAfter: Record<string, string> =
    kind === "429-retry-after" ? { "retry-after": String(retryAfterSeconds) } : {};
  if (remote === "graph") {
    const code = kind === "5xx" ? 131000 : 130429;
    const message = kind === "5xx" ? "(#131000) Something went wrong" : "(#130429) Rate limit hit";
    return {
      kind: "status",
      status: kind === "5xx" ? 500 : 429,
      headers: retryAfter,
      body: JSON.stringify({
        error: { message, type: "OAuthException", code, fbtrace_id: "AchaosOutage" },
      }),
    };
  }
  if (kind === "5xx")
    return {
      kind: "status",
      status: 503,
      headers: { "content-type": "text/html" },
      body: "<html><body>503 Service Unavailable</body></html>",
    };
  return {
    kind: "status",
    status: 429,
    headers: retryAfter,
    body: JSON.stringify({ ok: false, error: "ratelimited" }),
  };
}

export const CHANNEL = "C0ESCALATE";
export const AGENT = "U0AGENT";

interface Inbound {
  id: string;
  wa: string;
  token: string;
  at: number;
}
interface AgentReply {
  token: string;
  wa: string;
  at: number;
}

/** The outcome counts every campaign reports (lost, duplicated, late, dead), from a Tally. */
export interface Outcomes {
  customerMessages: number;
  agentReplies: number;
  /** Customer messages not handled, or never answered (Graph) nor mirrored (Slack thread). */
  lostInbound: number;
  /** Agent replies never accepted by the Graph API. */
  lostAgentReplies: number;
  /** Outbound messages the Graph API accepted more than once (same message id or same agent reply). */
  duplicatedGraph: number;
  /** Customer messages mirrored more than once into a thread, or a conversation given two roots. */
  duplicatedSlack: number;
  /** Outcomes later than `lateAfterMs` after their base time (acceptance, or the end of an outage). */
  late: number;
  deadJobs: number;
}

/** Counted at the end from the emulators' records and the database. */
export interface Tally extends Outcomes {
  /** Each outcome's delay from acceptance, sorted. */
  latencies: number[];
  /** Examples of what went wrong, for the log. */
  problems: string[];
}

/** The outcome counts of a tally, for a campaign's result line. */
export function outcomesOf(t: Tally): Outcomes {
  const { latencies: _latencies, problems: _problems, ...outcomes } = t;
  return outcomes;
}

/** Lost and duplicated outcomes and dead jobs: what no campaign may report. */
export function broken(t: Outcomes): number {
  return t.lostInbound + t.lostAgentReplies + t.duplicatedGraph + t.duplicatedSlack + t.deadJobs;
}

export interface WorldOptions {
  seed?: number;
  /** Customers answered from the knowledge base. */
  kbCustomers?: number;
  /** Customers handed off to a person at the start (their messages are mirrored, agents reply). */
  humanCustomers?: number;
  env?: Record<string, string>;
  log?: (line: string) => void;
}

/**
 * The service in a child process (`startChild`, `stopChild`) against the Graph and Slack
 * emulators behind fault proxies; Meta and Slack deliveries are retried until answered 200,
 * as they do, and every accepted Graph send gets its `sent` status webhook.
 */
export async function startWorld(opts: WorldOptions = {}) {
  const random = rng(opts.seed ?? 7);
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "jembatan-chaos-"));
  const graph: GraphEmulator = await startGraphEmulator({
    accessToken: ACCESS_TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
  });
  const slack: SlackEmulator = await startSlackEmulator();
  const graphProxy = await startFaultProxy(graph.url);
  const slackProxy = await startFaultProxy(slack.baseUrl);
  const env = testEnv(graphProxy.url, dir, {
    LOG_LEVEL: "info",
    SLACK_API_URL: `${slackProxy.url}/api/`,
    SLACK_BOT_TOKEN: slack.botToken,
    JOB_BURST_MS: "0",
    JOB_POLL_MS: "50",
    JOB_LEASE_MS: "5000",
    ...opts.env,
  });
  const dbPath = env.DATABASE_PATH!;
  let child: ServiceChild | null = null;
  let closed = false;
  /** Deliveries answered 503 (draining) and refused connections, per endpoint. */
  const refusals = { draining503: 0, refused: 0, other: 0 };

  const inbound: Inbound[] = [];
  const agentReplies: AgentReply[] = [];
  const sends: { to: string; at: number; text: string; callbackData: string | null }[] = [];
  const pendingDeliveries = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pendingDeliveries.add(p);
    p.finally(() => pendingDeliveries.delete(p)).catch(() => {});
  };

  /** Retries a delivery like Meta / Slack until the service answers 200 (or `deadline`). */
  const retryUntil200 = async (
    send: (port: number, attempt: number) => Promise<number>,
    deadline: number,
  ): Promise<number> => {
    let attempts = 0;
    while (Date.now() < deadline && !closed) {
      const c = child;
      if (c && c.proc.exitCode === null && c.proc.signalCode === null) {
        attempts++;
        try {
          const status = await send(c.port, attempts);
          if (status === 200) return attempts;
          if (status === 503) refusals.draining503++;
          else refusals.other++;
        } catch {
          refusals.refused++;
        }
      }
      await sleep(100 + random() * 100);
    }
    throw new Error("a delivery could not be made before the deadline");
  };

  const deliverMeta = (payload: MetaWebhookPayload, deadline = Date.now() + 600_000) =>
    retryUntil200(async (port) => {
      const sender = createMetaWebhookSender({
        targetUrl: `http://127.0.0.1:${port}/webhooks/whatsapp`,
        appSecret: APP_SECRET,
      });
      return (await sender.send(payload)).status;
    }, deadline);

  const deliverSlack = (body: SlackRequestBody, deadline = Date.now() + 600_000) =>
    retryUntil200(
      async (port, attempt) =>
        (
          await sendSlackRequest(
            `http://127.0.0.1:${port}/slack/events`,
            SLACK_SIGNING_SECRET,
            body,
            {
              ...(attempt > 1 ? { retryNum: attempt - 1, retryReason: "http_error" } : {}),
            },
          )
        ).status,
      deadline,
    );

  graph.onSend((send: EmulatedSend) => {
    const text =
      send.type === "text" ? String((send.body.text as { body?: string })?.body ?? "") : "";
    sends.push({ to: send.to, at: Date.now(), text, callbackData: send.callbackData });
    // Meta's "sent" status, delivered asynchronously and retried until taken.
    const status = statusUpdate({
      id: send.waMessageId,
      status: "sent",
      recipientId: send.to,
      ...(send.callbackData ? { callbackData: send.callbackData } : {}),
    });
    track(sleep(50 + random() * 200).then(() => deliverMeta(status)));
  });

  const startChild = async () => {
    child = await startServiceChild(env);
    return child;
  };
  /** SIGTERM: resolves with the exit code and how long the stop took. */
  const stopChild = async (timeoutMs: number) => {
    const c = child;
    if (!c) return { code: null as number | null, ms: 0, timedOut: false };
    const t0 = Date.now();
    c.proc.kill("SIGTERM");
    const code = await Promise.race([c.exited, sleep(timeoutMs).then(() => "timeout" as const)]);
    child = null;
    if (code === "timeout") {
      await c.kill();
      return { code: null, ms: Date.now() - t0, timedOut: true };
    }
    return { code, ms: Date.now() - t0, timedOut: false };
  };

  const kb = Array.from(
    { length: opts.kbCustomers ?? 6 },
    (_, i) => `62812000${String(i).padStart(4, "0")}`,
  );
  const humans: { wa: string; rootTs: string }[] = [];
  let seq = 0;
  const t0 = Date.now();

  /** Hands every human customer off to a person: one thread root each, in order. */
  const setupHumans = async () => {
    for (let i = 0; i < (opts.humanCustomers ?? 3); i++) {
      const wa = `62813000${String(i).padStart(4, "0")}`;
      const before = slack.messages(CHANNEL).filter((m) => !m.thread_ts).length;
      await deliverMeta(textMessage("saya mau bicara dengan orang beneran", { from: wa }));
      await slack.waitFor(
        (s) => s.messages(CHANNEL).filter((m) => !m.thread_ts).length > before,
        30_000,
      );
      humans.push({
        wa,
        rootTs: slack
          .messages(CHANNEL)
          .filter((m) => !m.thread_ts)
          .at(-1)!.ts,
      });
    }
  };

  /** One customer message (a knowledge-base question, or a human-side message), delivered like Meta. */
  const customerWrites = async () => {
    const n = seq++;
    const useHuman = humans.length > 0 && random() < 0.4;
    const wa = useHuman
      ? humans[Math.floor(random() * humans.length)]!.wa
      : kb[Math.floor(random() * kb.length)]!;
    const token = `Q${n}Q`;
    const id = `wamid.CHAOS${token}`;
    const payload = textMessage(`jam buka toko kapan? ${token}`, { id, from: wa });
    await deliverMeta(payload);
    inbound.push({ id, wa, token, at: Date.now() });
    // Meta sometimes delivers an accepted message again.
    if (random() < 0.1) await deliverMeta(payload);
  };

  /** One agent reply in a customer's thread: it exists in Slack and arrives as a signed event. */
  const agentWrites = async () => {
    if (humans.length === 0) return;
    const n = seq++;
    const h = humans[Math.floor(random() * humans.length)]!;
    const token = `A${n}A`;
    const text = `baik kak, kami cek dulu ${token}`;
    const posted = slack.addMessage(CHANNEL, { user: AGENT, text, thread_ts: h.rootTs });
    const body = eventCallback(
      messageEvent({ channel: CHANNEL, user: AGENT, text, threadTs: h.rootTs, ts: posted.ts }),
    );
    await deliverSlack(body);
    agentReplies.push({ token, wa: h.wa, at: Date.now() });
  };

  /** Traffic until `until()` says stop: customers every `customerEveryMs`, agents every `agentEveryMs` (randomised). */
  const traffic = (until: () => boolean, customerEveryMs: number, agentEveryMs: number) => {
    const loop = async (everyMs: number, act: () => Promise<void>) => {
      const running = new Set<Promise<void>>();
      while (!until()) {
        const p: Promise<void> = act()
          .catch((err) => log(`traffic: ${(err as Error).message}`))
          .finally(() => running.delete(p));
        running.add(p);
        await sleep(everyMs * (0.5 + random()));
      }
      await Promise.all(running);
    };
    return Promise.all([
      loop(customerEveryMs, customerWrites),
      agentEveryMs > 0 ? loop(agentEveryMs, agentWrites) : Promise.resolve(),
    ]).then(() => {});
  };

  const open = () => new Database(dbPath, { readonly: true, fileMustExist: true });
  const openJobs = () => {
    const db = open();
    try {
      return (
        db.prepare("select count(*) n from jobs where state in ('pending', 'running')").get() as {
          n: number;
        }
      ).n;
    } finally {
      db.close();
    }
  };

  /** Waits until no job is open (with a service running) and every webhook was delivered. */
  const settle = async (timeoutMs: number) => {
    const t0 = Date.now();
    for (;;) {
      if (child !== null && pendingDeliveries.size === 0 && openJobs() === 0)
        return Date.now() - t0;
      if (Date.now() - t0 > timeoutMs) {
        const db = open();
        log(
          `settle timeout: ${JSON.stringify(
            db
              .prepare(
                "select id, kind, state, attempts, run_at - ? AS dueIn, last_error from jobs where state in ('pending', 'running') limit 20",
              )
              .all(Date.now()),
          )}`,
        );
        db.close();
        return null;
      }
      await sleep(50);
    }
  };

  /** The database's own size (pages in use, WAL included), whatever the files' sizes. */
  const dbLogicalBytes = () => {
    const db = open();
    try {
      return (
        (db.pragma("page_count", { simple: true }) as number) *
        (db.pragma("page_size", { simple: true }) as number)
      );
    } finally {
      db.close();
    }
  };

  /** Size of the database file, its WAL, or both (default). */
  const dbBytes = (which: "db" | "wal" | "both" = "both") => {
    let total = 0;
    const files =
      which === "db" ? [dbPath] : which === "wal" ? [`${dbPath}-wal`] : [dbPath, `${dbPath}-wal`];
    for (const f of files) {
      try {
        total += statSync(f).size;
      } catch {
        // no such file yet
      }
    }
    return total;
  };

  /** Counts lost, duplicated and late outcomes; `baseOf` says from when an outcome is due. */
  const tally = (lateAfterMs: number, baseOf: (at: number) => number = (at) => at): Tally => {
    const db = open();
    const problems: string[] = [];
    const status = new Map(
      (
        db
          .prepare("select wa_message_id id, status from messages where direction = 'in'")
          .all() as {
          id: string;
          status: string;
        }[]
      ).map((r) => [r.id, r.status]),
    );
    const deadJobs = (
      db.prepare("select count(*) n from jobs where state = 'dead'").get() as { n: number }
    ).n;
    db.close();
    const posts = slack.calls
      .filter((c) => c.method === "chat.postMessage" && c.response?.ok === true)
      .map((c) => ({ json: JSON.stringify(c.args), at: c.at, reply: c.args.thread_ts != null }));
    let lostInbound = 0;
    let late = 0;
    let duplicatedSlack = 0;
    const latencies: number[] = [];
    const tokenIn = (text: string, token: string) => text.includes(token);
    for (const m of inbound) {
      const mirrors = posts.filter((p) => tokenIn(p.json, m.token));
      const replies = mirrors.filter((p) => p.reply);
      if (replies.length > 1) {
        duplicatedSlack++;
        problems.push(`${m.token} mirrored ${replies.length} times`);
      }
      const answered = sends.find(
        (s) => s.to === m.wa && s.at >= m.at - 1000 && !/A\d+A/.test(s.text),
      );
      const outcome = mirrors[0]?.at ?? answered?.at;
      if (status.get(m.id) !== "handled" || outcome === undefined) {
        lostInbound++;
        problems.push(`${m.token} lost (status ${status.get(m.id)}, outcome ${outcome})`);
        continue;
      }
      latencies.push(Math.max(0, outcome - m.at));
      if (outcome - baseOf(m.at) > lateAfterMs) {
        late++;
        const kind = humans.some((h) => h.wa === m.wa) ? "human" : "kb";
        problems.push(
          `${m.token} late: ${outcome - baseOf(m.at)} ms after due (${kind} customer ${m.wa}, ${mirrors.length ? "mirrored" : "answered"}, accepted at +${m.at - t0} ms)`,
        );
      }
    }
    let lostAgentReplies = 0;
    let duplicatedGraph = 0;
    for (const r of agentReplies) {
      const delivered = sends.filter((s) => s.to === r.wa && s.text.includes(r.token));
      if (delivered.length === 0) {
        lostAgentReplies++;
        problems.push(`${r.token} (agent) lost`);
        continue;
      }
      if (delivered.length > 1) {
        duplicatedGraph++;
        problems.push(`${r.token} (agent) delivered ${delivered.length} times`);
      }
      latencies.push(Math.max(0, delivered[0]!.at - r.at));
      if (delivered[0]!.at - baseOf(r.at) > lateAfterMs) {
        late++;
        problems.push(`${r.token} (agent) late: ${delivered[0]!.at - baseOf(r.at)} ms after due`);
      }
    }
    const perCallback = new Map<string, number>();
    for (const s of sends)
      if (s.callbackData)
        perCallback.set(s.callbackData, (perCallback.get(s.callbackData) ?? 0) + 1);
    for (const [cb, n] of perCallback)
      if (n > 1) {
        duplicatedGraph++;
        problems.push(`${cb} accepted by Graph ${n} times`);
      }
    const roots = slack.messages(CHANNEL).filter((m) => !m.thread_ts).length;
    if (roots > humans.length + kb.length) duplicatedSlack += roots - humans.length - kb.length;
    latencies.sort((a, b) => a - b);
    return {
      customerMessages: inbound.length,
      agentReplies: agentReplies.length,
      lostInbound,
      lostAgentReplies,
      duplicatedGraph,
      duplicatedSlack,
      late,
      deadJobs,
      latencies,
      problems,
    };
  };

  const close = async () => {
    closed = true;
    await (child as ServiceChild | null)?.kill();
    await Promise.allSettled([...pendingDeliveries]);
    await graphProxy.close();
    await slackProxy.close();
    await graph.close();
    await slack.close();
    // CHAOS_KEEP=1 keeps the database for a look afterwards.
    if (process.env.CHAOS_KEEP === "1") log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };

  return {
    graph,
    slack,
    graphProxy,
    slackProxy,
    env,
    dbPath,
    refusals,
    random,
    get child() {
      return child;
    },
    startChild,
    stopChild,
    setupHumans,
    customerWrites,
    agentWrites,
    traffic,
    openJobs,
    settle,
    dbBytes,
    dbLogicalBytes,
    tally,
    close,
  };
}

export type World = Awaited<ReturnType<typeof startWorld>>;
