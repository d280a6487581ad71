import type { ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type ParsedRequest, startAnthropicEmulator } from "../../src/emulators/anthropic.ts";
import { type EmulatedSend, startGraphEmulator } from "../../src/emulators/graph.ts";
import {
  type MetaWebhookPayload,
  serializeLikeMeta,
  signLikeMeta,
  statusUpdate,
  textMessage,
} from "../../src/emulators/meta-webhook.ts";
import { startSlackEmulator } from "../../src/emulators/slack.ts";
import {
  eventCallback,
  messageEvent,
  type SlackRequestBody,
  sendSlackRequest,
} from "../../src/emulators/slack-requests.ts";
import { createTestPgDatabase } from "../../src/store/testing.ts";
import { type ServiceChild, startServiceChild } from "../../test/helpers/child.ts";
import {
  ACCESS_TOKEN,
  APP_SECRET,
  PHONE_NUMBER_ID,
  SLACK_SIGNING_SECRET,
  testEnv,
} from "../../test/helpers/harness.ts";
import { AGENT, CHANNEL, quantile, rng, sleep } from "./common.ts";

// The multi-instance SIGKILL campaign (issue 13, point 4): several service processes share one
// PostgreSQL database behind a load balancer played here, and are SIGKILLed at random moments
// while customers write on WhatsApp (the AI answers through the Anthropic emulator, or a person
// does) and agents answer in Slack threads. Everything is checked at the end from the emulators'
// records (what the customers and the agents actually saw), the database only saying which jobs
// are left and which conversation a thread root belongs to.

/** What a multi-instance campaign does. */
export interface MultiCampaignOptions {
  /** Service processes sharing the database (default 3). */
  instances?: number;
  /** SIGKILLs in all, at random moments, of random live instances. */
  kills: number;
  /** Customers the AI answers (the Anthropic emulator echoes their message tokens). */
  aiCustomers: number;
  /** Customers who ask for a person first: one thread each, agents reply in it. */
  humanCustomers: number;
  /** Pause between two kills, ms: uniform in [min, max] (default 1,500–4,000). */
  killGapMs?: [number, number];
  /** Share of the kill moments with one instance up at which that last one is killed (default 0.1). */
  lastInstanceKillShare?: number;
  /** Pause before a killed instance is started again, ms (default 200–1,000). */
  restartPauseMs?: [number, number];
  /** Keep the traffic going after the last kill until at least this many customer messages. */
  minMessages?: number;
  /** The services' JOB_LEASE_MS (default 5,000). */
  leaseMs?: number;
  /** The services' JOB_HEARTBEAT_MS: a killed worker's jobs are taken after three (default 1,000). */
  heartbeatMs?: number;
  /** Stop waiting for the end state after this long (default 120 s). */
  settleTimeoutMs?: number;
  seed?: number;
  /** Extra environment for the services. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

/** Counted at the end from the emulators' records (and the job table). */
export interface MultiCampaignResult {
  campaign: "multi";
  instances: number;
  kills: number;
  restarts: number;
  /** Restarts that failed (the service exited before "started"); retried. */
  failedStarts: number;
  customerMessages: number;
  agentReplies: number;
  /** Conversations handed to a person (one thread root expected each). */
  handoffs: number;
  /** Webhooks and Slack events the load balancer delivered (each counted once, when taken). */
  deliveries: { webhooks: number; statusWebhooks: number; slackEvents: number };
  /** Deliveries tried again on the next instance: refused or reset, or answered other than 200. */
  retries: { total: number; refused: number; non200: number };
  /** Accepted deliveries Meta sent again anyway (duplicates the service must ignore). */
  redeliveries: number;
  /** Customer messages with no answer nor mirror, and agent replies never sent to WhatsApp. */
  lost: { customerMessages: number; agentReplies: number };
  /** Customer messages answered or mirrored more than once; agent replies or sends accepted twice. */
  duplicated: { customerMessages: number; agentReplies: number; graphSends: number };
  /** Agent replies sent to WhatsApp in another order than the agent wrote them (per conversation). */
  outOfOrder: number;
  /** Thread roots per handed-off conversation: [fewest, most]; roots of no known conversation. */
  rootsPerConversation: { min: number; max: number; orphans: number };
  /** Jobs still pending or running once settled, and jobs dead. */
  openJobs: number;
  deadJobs: number;
  /** From the end of the traffic (all instances up) to no open job and no delivery in flight. */
  settleMs: number | null;
  /** Customer message accepted → its answer on WhatsApp or its mirror in the thread. */
  answerLatencyMsP50: number | null;
  answerLatencyMsP95: number | null;
  /** Agent reply accepted from Slack → accepted by the Graph API. */
  agentReplyLatencyMsP50: number | null;
  agentReplyLatencyMsP95: number | null;
  /** How long an instance took to start (process spawned → "jembatan started"), median. */
  startMsP50: number | null;
  durationMs: number;
  /**
   * Model requests of a turn whose history already held a newer customer message (ingested by
   * another instance between the turn's read of its messages and its read of the history): that
   * message is answered by the next turn, and the model saw it one turn early.
   */
  contextRaces: number;
  /**
   * The instances' warnings and errors. `leaseLost`: a live instance's job was taken over by
   * another (its heartbeat or lease looked stale: a stalled event loop, not a kill), the case in
   * which a remote call may be made twice. `resentAfterUnknownOutcome`: a send cut off by a kill
   * with no status webhook within WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS, sent again. `top`: every
   * warning and error by message (job ids left out), most frequent first.
   */
  logs: {
    errors: number;
    leaseLost: number;
    resentAfterUnknownOutcome: number;
    top: Record<string, number>;
  };
  /** The first problems found, for the log. */
  problems: string[];
}

/** Anything the campaign must never report. */
export function multiBroken(r: MultiCampaignResult): number {
  return (
    r.lost.customerMessages +
    r.lost.agentReplies +
    r.duplicated.customerMessages +
    r.duplicated.agentReplies +
    r.duplicated.graphSends +
    r.outOfOrder +
    r.contextRaces +
    r.openJobs +
    r.deadJobs +
    r.rootsPerConversation.orphans +
    (r.handoffs > 0 && (r.rootsPerConversation.min !== 1 || r.rootsPerConversation.max !== 1)
      ? 1
      : 0)
  );
}

interface Slot {
  index: number;
  child: ServiceChild | null;
  upSince: number;
}

interface CustomerMessage {
  token: string;
  wa: string;
  /** Accepted (answered 200 by some instance). */
  at: number;
  /** The handoff request that opened a human customer's thread. */
  handoffRequest: boolean;
}

interface AgentReply {
  token: string;
  wa: string;
  /** Position in its conversation, in the order the agent wrote them. */
  seq: number;
  at: number;
}

interface GraphSend {
  to: string;
  text: string;
  callbackData: string | null;
  at: number;
}

const QUESTION_TOKEN = /\bQ\d+Q\b/g;
const ANY_TOKEN = /\b(?:Q\d+Q|H\d+H|A\d+A)\b/g;
const PERSON_REQUEST = "saya mau bicara dengan orang beneran";

/**
 * The turn's own message tokens in a decision request. The service sends the conversation as
 * history, then the turn's messages, one text block each, and merges the history's trailing
 * customer messages into the turn's user message. The turn's blocks are therefore the trailing
 * run of increasing tokens (tokens grow with time); a block before that run with a larger token
 * is a customer message that arrived after the turn read its messages, shown as history (see
 * `contextRaces`). Each answer echoes only its turn's tokens, so a message answered by two
 * turns shows up as two answers carrying its token.
 */
export function turnTokens(req: ParsedRequest): { turn: string[]; newerInHistory: string[] } {
  const last = req.body.messages.at(-1);
  const texts =
    last === undefined
      ? []
      : typeof last.content === "string"
        ? [last.content]
        : last.content.filter((b) => b.type === "text").map((b) => String(b.text ?? ""));
  const tokens = texts
    .map((t) => t.match(QUESTION_TOKEN)?.[0])
    .filter((t): t is string => t !== undefined);
  const num = (t: string) => Number(t.slice(1, -1));
  let start = tokens.length - 1;
  while (start > 0 && num(tokens[start - 1]!) < num(tokens[start]!)) start--;
  const turn = tokens.slice(Math.max(0, start));
  const first = turn[0] === undefined ? Number.POSITIVE_INFINITY : num(turn[0]);
  return {
    turn,
    newerInHistory: tokens.slice(0, Math.max(0, start)).filter((t) => num(t) > first),
  };
}

/**
 * Runs one multi-instance campaign: a fresh PostgreSQL database (JEMBATAN_TEST_PG_URL's server),
 * the Graph, Slack and Anthropic emulators in this process, `instances` service processes on the
 * one database, and a load balancer sending each webhook and Slack event to the next live
 * instance (a refused or failed delivery goes to the next one, as Meta and Slack retry).
 */
export async function runMultiInstanceCampaign(
  opts: MultiCampaignOptions,
): Promise<MultiCampaignResult> {
  const started = Date.now();
  const random = rng(opts.seed ?? 13);
  const log = opts.log ?? (() => {});
  const n = opts.instances ?? 3;
  const between = ([a, b]: [number, number]) => a + random() * (b - a);
  const dir = mkdtempSync(join(tmpdir(), "jembatan-multi-"));
  const database = createTestPgDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  const graph = await startGraphEmulator({
    accessToken: ACCESS_TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
  });
  const slack = await startSlackEmulator();
  const model = await startAnthropicEmulator();
  // Decision requests whose history carried a customer message newer than the turn's own.
  let contextRaces = 0;
  model.respond((req) => {
    // Free text (no structured output): the handoff summary.
    if (!req.schema) return { text: "Wants: to talk to a person.\nTried: nothing.\nMood: calm." };
    const handoff = req.lastUserText.includes("orang beneran");
    const { turn, newerInHistory } = turnTokens(req);
    if (newerInHistory.length > 0) {
      contextRaces++;
      log(`model request for ${turn.join(" ")} also shows newer ${newerInHistory.join(" ")}`);
    }
    return {
      json: {
        reply: handoff
          ? "Baik Kak, kami sambungkan ke tim kami."
          : `Toko kami buka Senin-Sabtu 09.00-21.00 WIB, Kak. (${turn.join(" ")})`,
        handoff,
        reason: handoff ? "customer_request" : "answered_from_knowledge",
        confidence: 0.9,
        language: "id",
        needs_smart: false,
      },
    };
  });
  const env = testEnv(graph.url, dir, {
    DATABASE_URL: database.url,
    LOG_LEVEL: "info",
    SLACK_API_URL: slack.url,
    SLACK_BOT_TOKEN: slack.botToken,
    ANTHROPIC_API_KEY: model.apiKey,
    ANTHROPIC_BASE_URL: model.url,
    AI_TIMEOUT_MS: "30000",
    AI_MAX_RETRIES: "1",
    // Customers here write far more than a person would, and a long campaign asks the model
    // thousands of times: no one is handed off for the rate limit or the daily token budget
    // (both are still checked on every turn, from the store).
    AI_RATE_LIMIT_PER_MINUTE: "10000",
    AI_DAILY_TOKEN_BUDGET: "1000000000",
    // A killed instance's jobs are taken over three heartbeats after its last one. Shorter than
    // this, a live instance whose event loop stalls (a busy 2-core machine running three of
    // them, each blocking on PostgreSQL) is taken for dead and its job runs twice; fencing keeps
    // the database right, but a remote call may be made twice (see `logs.leaseLost`).
    JOB_LEASE_MS: String(opts.leaseMs ?? 5000),
    JOB_HEARTBEAT_MS: String(opts.heartbeatMs ?? 1000),
    JOB_BURST_MS: "0",
    // Wake-ups across instances come by LISTEN/NOTIFY; the poll is only the fallback.
    JOB_POLL_MS: "250",
    // WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS stays at its default (45 s): a send cut off by a kill
    // waits that long for Meta's status webhook before sending again, and on a loaded machine a
    // status webhook can take longer than a shorter wait to be taken by a live instance.
    ...opts.env,
  });
  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await pool.query(sql, params)).rows as T[];

  // --- The instances and the load balancer -------------------------------------------------
  const slots: Slot[] = Array.from({ length: n }, (_, index) => ({
    index,
    child: null,
    upSince: 0,
  }));
  let kills = 0;
  let restarts = 0;
  let failedStarts = 0;
  let closed = false;
  const retries = { total: 0, refused: 0, non200: 0 };
  const deliveries = { webhooks: 0, statusWebhooks: 0, slackEvents: 0 };
  let redeliveries = 0;
  const problems: string[] = [];
  const isUp = (c: ServiceChild | null): c is ServiceChild =>
    c !== null && c.proc.exitCode === null && c.proc.signalCode === null;

  // Warnings and errors of the instances, by message: not failures by themselves (a killed
  // instance's peers log what they take over), but where an engine problem would show first.
  const warnings = new Map<string, number>();
  const logs = { errors: 0, leaseLost: 0, resentAfterUnknownOutcome: 0 };
  // CHAOS_LOG_DIR=<folder> keeps every instance's log lines there, one file per slot.
  const logDir = process.env.CHAOS_LOG_DIR;
  const harvest = (c: ServiceChild, slot: number) => {
    const lines = c.lines.splice(0);
    if (logDir)
      appendFileSync(
        join(logDir, `instance-${slot}.log`),
        lines.map((l) => `${JSON.stringify(l)}\n`).join(""),
      );
    for (const line of lines) {
      if (typeof line.level !== "number" || line.level < 40) continue;
      const msg = String(line.msg);
      if (line.level >= 50) logs.errors++;
      if (msg.startsWith("job lease lost")) logs.leaseLost++;
      if (msg.startsWith("earlier send attempt left no trace")) logs.resentAfterUnknownOutcome++;
      const err = line.err as { message?: string } | undefined;
      const key = `${line.level >= 50 ? "error" : "warn"}: ${msg}${
        err?.message ? `: ${err.message.slice(0, 160)}` : ""
      }`.replace(/\bjob \d+/g, "job N");
      warnings.set(key, (warnings.get(key) ?? 0) + 1);
    }
  };
  const startTimes: number[] = [];
  // Every service process spawned and not yet exited, started or still starting.
  const spawned = new Set<ChildProcess>();
  const startSlot = async (slot: Slot) => {
    for (;;) {
      const t0 = Date.now();
      try {
        const child = await startServiceChild(env, undefined, [], (proc) => {
          spawned.add(proc);
          proc.once("exit", () => spawned.delete(proc));
        });
        slot.child = child;
        slot.upSince = Date.now();
        startTimes.push(slot.upSince - t0);
        return;
      } catch (err) {
        failedStarts++;
        log(`instance ${slot.index} failed to start: ${(err as Error).message.slice(0, 2000)}`);
        if (closed) return;
        await sleep(500);
      }
    }
  };

  let rr = 0;
  /** The next live instance in turn, or null when none is up. */
  const nextLive = (): Slot | null => {
    for (let i = 0; i < n; i++) {
      const slot = slots[rr++ % n]!;
      if (isUp(slot.child)) return slot;
    }
    return null;
  };

  /** Delivers until an instance answers 200; each failure goes to the next live instance. */
  const deliver = async (
    send: (port: number, attempt: number) => Promise<number>,
    deadline = Date.now() + 600_000,
  ): Promise<number> => {
    let attempt = 0;
    while (Date.now() < deadline && !closed) {
      const slot = nextLive();
      if (!slot) {
        await sleep(50);
        continue;
      }
      attempt++;
      try {
        const status = await send(slot.child!.port, attempt);
        if (status === 200) return attempt;
        retries.non200++;
      } catch {
        retries.refused++;
      }
      retries.total++;
      await sleep(20 + random() * 80);
    }
    throw new Error("a delivery could not be made before the deadline");
  };

  const deliverMeta = (payload: MetaWebhookPayload) => {
    const body = serializeLikeMeta(payload);
    return deliver(async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/whatsapp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "facebookexternalua",
          "x-hub-signature-256": signLikeMeta(APP_SECRET, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await res.text();
      return res.status;
    });
  };

  const deliverSlack = (body: SlackRequestBody) =>
    deliver(
      async (port, attempt) =>
        (
          await sendSlackRequest(
            `http://127.0.0.1:${port}/slack/events`,
            SLACK_SIGNING_SECRET,
            body,
            attempt > 1 ? { retryNum: attempt - 1, retryReason: "http_error" } : {},
          )
        ).status,
    );

  // Background deliveries (status webhooks) still in flight.
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    inFlight.add(p);
    p.catch((err) => problems.push(`delivery: ${(err as Error).message}`)).finally(() =>
      inFlight.delete(p),
    );
  };

  // --- What the customer's phone receives --------------------------------------------------
  const sends: GraphSend[] = [];
  graph.onSend((send: EmulatedSend) => {
    const text =
      send.type === "text" ? String((send.body.text as { body?: string })?.body ?? "") : "";
    const record: GraphSend = {
      to: send.to,
      text,
      callbackData: send.callbackData,
      at: Date.now(),
    };
    sends.push(record);
    for (const t of new Set(tokensIn(text)))
      sendsByToken.set(t, [...(sendsByToken.get(t) ?? []), record]);
    // Meta's "sent" status, delivered asynchronously and retried until taken.
    const status = statusUpdate({
      id: send.waMessageId,
      status: "sent",
      recipientId: send.to,
      ...(send.callbackData ? { callbackData: send.callbackData } : {}),
    });
    track(
      sleep(50 + random() * 200)
        .then(() => deliverMeta(status))
        .then(() => {
          deliveries.statusWebhooks++;
        }),
    );
  });

  /** Tokens a text carries (customer messages Q…Q / H…H, agent replies A…A). */
  const tokensIn = (text: string) => text.match(ANY_TOKEN) ?? [];
  // Graph sends by the tokens they carry, kept up to date as they happen.
  const sendsByToken = new Map<string, GraphSend[]>();
  // Slack posts (answered ok) by the tokens their arguments mention, indexed as calls are answered.
  const postsByToken = new Map<string, { at: number; reply: boolean }[]>();
  let slackCursor = 0;
  const indexSlack = () => {
    const calls = slack.calls;
    while (slackCursor < calls.length && calls[slackCursor]!.response !== undefined) {
      const c = calls[slackCursor++]!;
      if (c.method !== "chat.postMessage" || c.response?.ok !== true) continue;
      for (const t of new Set(tokensIn(JSON.stringify(c.args)))) {
        const list = postsByToken.get(t) ?? [];
        list.push({ at: c.at, reply: c.args.thread_ts != null });
        postsByToken.set(t, list);
      }
    }
  };
  /** A customer message's outcome so far: its answer on WhatsApp or its mirror in a thread. */
  const outcomeOf = (m: CustomerMessage): number | null => {
    indexSlack();
    const answer = (sendsByToken.get(m.token) ?? []).find((s) => s.to === m.wa);
    const mirror = (postsByToken.get(m.token) ?? []).find((p) => p.reply);
    const times = [answer?.at, mirror?.at].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : null;
  };

  // Whatever happens to this process, the instances it started do not outlive it.
  const killAll = () => {
    for (const proc of spawned) proc.kill("SIGKILL");
  };
  process.on("exit", killAll);
  const shutdown = async () => {
    closed = true;
    process.off("exit", killAll);
    await Promise.all(slots.map((s) => s.child?.kill()));
    killAll(); // any instance still starting
    await Promise.allSettled([...inFlight]);
    await pool.end();
    await graph.close();
    await slack.close();
    await model.close();
    if (process.env.CHAOS_KEEP === "1") log(`kept database ${database.url}`);
    else database.drop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await campaign();
  } finally {
    await shutdown();
  }

  async function campaign(): Promise<MultiCampaignResult> {
    // --- Start ---------------------------------------------------------------------------------
    // All instances at once on the fresh database, as a deploy would start them.
    await Promise.all(slots.map((s) => startSlot(s)));
    log(`${n} instances up after ${Date.now() - started} ms`);

    let stopTraffic = false;
    let seq = 0;
    const customerMessages: CustomerMessage[] = [];
    const agentReplies: AgentReply[] = [];
    const humanRoots = new Map<string, string>();

    /** A customer writes: delivered like Meta (and now and then delivered again). */
    const write = async (wa: string, text: string, token: string, handoffRequest = false) => {
      const payload = textMessage(`${text} ${token}`, { id: `wamid.MULTI${token}`, from: wa });
      await deliverMeta(payload);
      deliveries.webhooks++;
      const m: CustomerMessage = { token, wa, at: Date.now(), handoffRequest };
      customerMessages.push(m);
      if (random() < 0.1) {
        redeliveries++;
        track(deliverMeta(payload));
      }
      return m;
    };

    /** Waits (up to `ms`) until `m` was answered or mirrored. */
    const awaitOutcome = async (m: CustomerMessage, ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until && !closed && outcomeOf(m) === null) await sleep(50);
    };

    const aiCustomer = async (i: number) => {
      const wa = `62814000${String(i).padStart(4, "0")}`;
      await sleep(random() * 1000);
      while (!stopTraffic) {
        const m = await write(wa, "jam buka toko kapan?", `Q${seq++}Q`);
        // Mostly a chat: the next question once answered; sometimes a burst of two.
        if (random() < 0.75) await awaitOutcome(m, 30_000);
        await sleep(100 + random() * 900);
      }
    };

    /** A customer who asks for a person, then writes in their thread while an agent replies. */
    const humanCustomer = async (i: number) => {
      const wa = `62815000${String(i).padStart(4, "0")}`;
      await sleep(random() * 3000);
      await write(wa, PERSON_REQUEST, `H${seq++}H`, true);
      // The thread's root, as the agents see it (the database says which conversation is whose).
      let rootTs: string | null = null;
      while (rootTs === null && !stopTraffic) {
        const row = (
          await query<{ root_ts: string | null }>(
            `select t.root_ts from slack_threads t join conversations c on c.id = t.conversation_id
           join contacts k on k.id = c.contact_id where k.wa_id = $1 and t.root_ts is not null`,
            [wa],
          )
        )[0];
        if (row?.root_ts && slack.message(CHANNEL, row.root_ts)) rootTs = row.root_ts;
        else await sleep(100);
      }
      if (rootTs === null) return;
      humanRoots.set(wa, rootTs);
      const agent = (async () => {
        let n = 0;
        while (!stopTraffic) {
          await sleep(300 + random() * 1500);
          const token = `A${seq++}A`;
          const text = `baik kak, kami cek dulu ${token}`;
          const posted = slack.addMessage(CHANNEL, { user: AGENT, text, thread_ts: rootTs });
          // The agent writes the next reply once Slack has delivered this one's event.
          await deliverSlack(
            eventCallback(
              messageEvent({
                channel: CHANNEL,
                user: AGENT,
                text,
                threadTs: rootTs,
                ts: posted.ts,
              }),
            ),
          );
          deliveries.slackEvents++;
          agentReplies.push({ token, wa, seq: n++, at: Date.now() });
        }
      })();
      while (!stopTraffic) {
        const m = await write(wa, "pesanan saya sudah sampai mana?", `Q${seq++}Q`);
        if (random() < 0.75) await awaitOutcome(m, 30_000);
        await sleep(300 + random() * 2000);
      }
      await agent;
    };

    const traffic = Promise.all([
      ...Array.from({ length: opts.aiCustomers }, (_, i) => aiCustomer(i)),
      ...Array.from({ length: opts.humanCustomers }, (_, i) => humanCustomer(i)),
    ]).catch((err) => {
      problems.push(`traffic: ${(err as Error).message}`);
    });

    // --- The killer --------------------------------------------------------------------------
    const restarting = new Set<Promise<void>>();
    const [gapMin, gapMax] = opts.killGapMs ?? [1500, 4000];
    const pause = opts.restartPauseMs ?? [200, 1000];
    while (kills < opts.kills) {
      await sleep(between([gapMin, gapMax]));
      // A live instance that has been up a moment (a kill during start-up only measures start-up).
      const candidates = slots.filter((s) => isUp(s.child) && Date.now() - s.upSince > 300);
      // Mostly an instance dies while another one is up to take over its work; now and then the
      // last one goes too, and the load balancer has nowhere to send anything for a moment.
      const up = slots.filter((s) => isUp(s.child)).length;
      if (candidates.length === 0 || (up < 2 && random() > (opts.lastInstanceKillShare ?? 0.1)))
        continue;
      const slot = candidates[Math.floor(random() * candidates.length)]!;
      const child = slot.child!;
      slot.child = null;
      await child.kill();
      log(`kill ${kills + 1}: instance ${slot.index} at ${Date.now()}`);
      harvest(child, slot.index);
      kills++;
      const p: Promise<void> = sleep(between(pause))
        .then(() => startSlot(slot))
        .then(() => {
          restarts++;
        })
        .finally(() => restarting.delete(p));
      restarting.add(p);
    }
    while (customerMessages.length < (opts.minMessages ?? 0)) await sleep(200);
    stopTraffic = true;
    await traffic;
    await Promise.all(restarting);
    log(`traffic done after ${Date.now() - started} ms: ${kills} kills, all instances up`);

    // --- Settle --------------------------------------------------------------------------------
    const settleFrom = Date.now();
    const settleTimeout = opts.settleTimeoutMs ?? 120_000;
    const openJobs = async () =>
      Number(
        (
          await query<{ n: string }>(
            "select count(*) n from jobs where state in ('pending', 'running')",
          )
        )[0]!.n,
      );
    let settleMs: number | null = null;
    for (;;) {
      if (inFlight.size === 0 && (await openJobs()) === 0) {
        settleMs = Date.now() - settleFrom;
        break;
      }
      if (Date.now() - settleFrom > settleTimeout) {
        const rows = await query(
          `select id, kind, state, attempts, run_at - $1::bigint as due_in, locked_by, last_error
         from jobs where state in ('pending', 'running') order by id limit 20`,
          [Date.now()],
        );
        problems.push(`settle timeout: ${inFlight.size} deliveries, jobs ${JSON.stringify(rows)}`);
        break;
      }
      await sleep(100);
    }
    // A duplicate would have every chance to show up by now; give it one more moment.
    await sleep(1000);

    // --- Tally ---------------------------------------------------------------------------------
    const lost = { customerMessages: 0, agentReplies: 0 };
    const duplicated = { customerMessages: 0, agentReplies: 0, graphSends: 0 };
    const latencies: number[] = [];
    const statusOf = new Map(
      (
        await query<{ id: string; status: string }>(
          "select wa_message_id id, status from messages where direction = 'in'",
        )
      ).map((r) => [r.id, r.status]),
    );
    // Every Slack call has been answered by now (the emulator is still up).
    indexSlack();
    for (const m of customerMessages) {
      const answers = (sendsByToken.get(m.token) ?? []).filter((s) => s.to === m.wa);
      const posts = postsByToken.get(m.token) ?? [];
      const mirrors = posts.filter((p) => p.reply);
      const status = statusOf.get(`wamid.MULTI${m.token}`);
      if (m.handoffRequest) {
        // Escalated: the thread root (counted per conversation below) shows it; nothing else.
        if (status !== "handled" || posts.length === 0) {
          lost.customerMessages++;
          problems.push(
            `${m.token} (handoff request) lost: status ${status}, posts ${posts.length}`,
          );
        } else if (answers.length + mirrors.length > 0) {
          duplicated.customerMessages++;
          problems.push(`${m.token} (handoff request) also answered or mirrored`);
        }
        continue;
      }
      const outcomes = answers.length + mirrors.length;
      if (status !== "handled" || outcomes === 0) {
        lost.customerMessages++;
        problems.push(`${m.token} from ${m.wa} lost: status ${status}, outcomes ${outcomes}`);
        continue;
      }
      if (outcomes > 1) {
        duplicated.customerMessages++;
        problems.push(
          `${m.token} from ${m.wa}: ${answers.length} answers, ${mirrors.length} mirrors`,
        );
      }
      latencies.push(Math.max(0, outcomeOf(m)! - m.at));
    }

    const agentLatencies: number[] = [];
    let outOfOrder = 0;
    for (const r of agentReplies) {
      const delivered = (sendsByToken.get(r.token) ?? []).filter((s) => s.to === r.wa);
      if (delivered.length === 0) {
        lost.agentReplies++;
        problems.push(`${r.token} (agent, to ${r.wa}) lost`);
        continue;
      }
      if (delivered.length > 1) {
        duplicated.agentReplies++;
        problems.push(`${r.token} (agent, to ${r.wa}) sent ${delivered.length} times`);
      }
      agentLatencies.push(Math.max(0, delivered[0]!.at - r.at));
    }
    for (const wa of humanRoots.keys()) {
      const written = new Map(
        agentReplies.filter((r) => r.wa === wa).map((r) => [r.token, r.seq] as const),
      );
      const order = sends
        .filter((s) => s.to === wa)
        .map((s) => written.get(/A\d+A/.exec(s.text)?.[0] ?? ""))
        .filter((q): q is number => q !== undefined);
      for (let i = 1; i < order.length; i++)
        if (order[i]! < order[i - 1]!) {
          outOfOrder++;
          problems.push(`${wa}: agent reply #${order[i]} sent after #${order[i - 1]}`);
        }
    }
    const perCallback = new Map<string, number>();
    for (const s of sends)
      if (s.callbackData)
        perCallback.set(s.callbackData, (perCallback.get(s.callbackData) ?? 0) + 1);
    for (const [cb, count] of perCallback)
      if (count > 1) {
        duplicated.graphSends++;
        problems.push(`${cb} accepted by the Graph API ${count} times`);
      }

    // Thread roots: top-level posts carrying a job's metadata; the job says whose conversation.
    const roots = slack.messages(CHANNEL).filter((m) => !m.thread_ts && m.metadata !== undefined);
    const jobConversation = new Map(
      (
        await query<{ id: number; conversation: number | null }>(
          "select id, (payload::json->>'conversationId')::int conversation from jobs where kind = 'handoff'",
        )
      ).map((r) => [String(r.id), r.conversation === null ? null : Number(r.conversation)]),
    );
    const handedOff = new Set(
      (
        await query<{ id: number }>(
          "select distinct conversation_id id from slack_threads where root_ts is not null",
        )
      ).map((r) => Number(r.id)),
    );
    // Every human customer's conversation must have its one root, whatever the threads table says.
    const humanWas = Array.from(
      { length: opts.humanCustomers },
      (_, i) => `62815000${String(i).padStart(4, "0")}`,
    );
    for (const r of await query<{ id: number }>(
      `select c.id from conversations c join contacts k on k.id = c.contact_id
     where k.wa_id = any($1::text[])`,
      [humanWas],
    ))
      handedOff.add(Number(r.id));
    const rootCount = new Map<number, number>([...handedOff].map((id) => [id, 0]));
    let orphans = 0;
    for (const root of roots) {
      const jobId = (root.metadata as { event_payload?: { job_id?: string } }).event_payload
        ?.job_id;
      const conversation = jobId === undefined ? undefined : jobConversation.get(jobId);
      if (conversation == null) {
        orphans++;
        problems.push(`thread root ${root.ts} of no handoff (job ${jobId})`);
        continue;
      }
      rootCount.set(conversation, (rootCount.get(conversation) ?? 0) + 1);
    }
    for (const [conversation, count] of rootCount)
      if (count !== 1) problems.push(`conversation ${conversation} has ${count} thread roots`);
    const counts = [...rootCount.values()];

    const remaining = await openJobs();
    const deadJobs = Number(
      (await query<{ n: string }>("select count(*) n from jobs where state = 'dead'"))[0]!.n,
    );
    if (deadJobs > 0)
      problems.push(
        `dead jobs: ${JSON.stringify(await query("select id, kind, attempts, last_error from jobs where state = 'dead' limit 10"))}`,
      );

    for (const s of slots) if (s.child) harvest(s.child, s.index);
    latencies.sort((a, b) => a - b);
    agentLatencies.sort((a, b) => a - b);
    return {
      campaign: "multi",
      instances: n,
      kills,
      restarts,
      failedStarts,
      customerMessages: customerMessages.length,
      agentReplies: agentReplies.length,
      handoffs: rootCount.size,
      deliveries,
      retries,
      redeliveries,
      lost,
      duplicated,
      outOfOrder,
      rootsPerConversation: {
        min: counts.length > 0 ? Math.min(...counts) : 0,
        max: counts.length > 0 ? Math.max(...counts) : 0,
        orphans,
      },
      openJobs: remaining,
      deadJobs,
      settleMs,
      answerLatencyMsP50: quantile(latencies, 0.5),
      answerLatencyMsP95: quantile(latencies, 0.95),
      agentReplyLatencyMsP50: quantile(agentLatencies, 0.5),
      agentReplyLatencyMsP95: quantile(agentLatencies, 0.95),
      startMsP50: quantile(
        [...startTimes].sort((a, b) => a - b),
        0.5,
      ),
      durationMs: Date.now() - started,
      contextRaces,
      logs: {
        ...logs,
        top: Object.fromEntries([...warnings].sort((a, b) => b[1] - a[1]).slice(0, 15)),
      },
      problems: problems.slice(0, 30),
    };
  }
}
