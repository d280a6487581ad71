import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type EmulatedSend, startGraphEmulator } from "../../src/emulators/graph.ts";
import {
  createMetaWebhookSender,
  type MetaWebhookPayload,
  statusUpdate,
  textMessage,
} from "../../src/emulators/meta-webhook.ts";
import { startSlackEmulator } from "../../src/emulators/slack.ts";
import { type ServiceChild, startServiceChild } from "../../test/helpers/child.ts";
import { ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, testEnv } from "../../test/helpers/harness.ts";
import { rng, sleep } from "./common.ts";

/** What a crash campaign does: customers write while the service is SIGKILLed over and over. */
export interface CrashCampaignOptions {
  customers: number;
  /** Customer messages in all. */
  messages: number;
  /** SIGKILLs in all: about half at random moments, half aimed at a Graph send in flight. */
  kills: number;
  /** The service's JOB_LEASE_MS (a crashed run's job is taken over after it). */
  leaseMs?: number;
  /** Extra environment for the service, e.g. a shorter unknown-outcome wait. */
  env?: Record<string, string>;
  /** A message counts as late when its answer came more than this after it was accepted. */
  lateAfterMs?: number;
  /** Stop waiting for the end state after this long. */
  settleTimeoutMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

/** Counted from the emulators' records and the database after the campaign. */
export interface CrashCampaignResult {
  campaign: "crash";
  kills: number;
  aimedKills: number;
  restarts: number;
  customerMessages: number;
  /** Webhooks Meta had to deliver again (refused while the service was down, or redelivered). */
  duplicateDeliveries: number;
  /** Accepted customer messages not stored, or never handled by a turn. */
  lostInbound: number;
  /** Replies queued but never accepted by the Graph API. */
  lostOutbound: number;
  /** Replies the customer received more than once (same outbound message sent twice). */
  duplicated: number;
  /** Customers whose last message was answered later than `lateAfterMs` after it was accepted. */
  late: number;
  answerLatencyMsP95: number | null;
  durationMs: number;
}

/**
 * Runs one crash campaign against the real service in a child process, the Graph and Slack
 * emulators in this process. Meta's behaviour is played faithfully: a webhook that was not
 * answered 200 is delivered again, some deliveries are repeated anyway, and every accepted send
 * gets a `sent` status webhook (delivered again until the service takes it).
 */
export async function runCrashCampaign(opts: CrashCampaignOptions): Promise<CrashCampaignResult> {
  const started = Date.now();
  const random = rng(opts.seed ?? 7);
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "jembatan-chaos-"));
  const graph = await startGraphEmulator({
    accessToken: ACCESS_TOKEN,
    phoneNumberId: PHONE_NUMBER_ID,
  });
  const slack = await startSlackEmulator();
  const env = testEnv(graph.url, dir, {
    LOG_LEVEL: "info",
    SLACK_API_URL: slack.url,
    SLACK_BOT_TOKEN: slack.botToken,
    JOB_LEASE_MS: String(opts.leaseMs ?? 2000),
    JOB_BURST_MS: "0",
    JOB_POLL_MS: "50",
    ...opts.env,
  });

  let child: ServiceChild | null = null;
  let restarts = 0;
  let kills = 0;
  let aimedKills = 0;
  let aimedLeft = Math.floor(opts.kills / 2);
  let stopping = false;

  const start = async () => {
    child = await startServiceChild(env);
    restarts++;
  };
  /** SIGKILLs the running service; false when none was up (an aimed kill got there first). */
  const kill = async (): Promise<boolean> => {
    const c = child;
    child = null;
    if (!c) return false;
    await c.kill();
    kills++;
    return true;
  };

  /** Delivers a webhook like Meta: again and again until the service answers 200. */
  const deliver = async (payload: MetaWebhookPayload, deadline: number): Promise<number> => {
    let attempts = 0;
    while (Date.now() < deadline) {
      attempts++;
      const c = child;
      if (c) {
        const sender = createMetaWebhookSender({
          targetUrl: `http://127.0.0.1:${c.port}/webhooks/whatsapp`,
          appSecret: APP_SECRET,
        });
        try {
          if ((await sender.send(payload)).status === 200) return attempts;
        } catch {
          // refused or reset: the service is down; Meta retries
        }
      }
      await sleep(100);
    }
    throw new Error("a webhook could not be delivered before the deadline");
  };

  const sendTimes = new Map<string, number>();
  const statusDeliveries: Promise<unknown>[] = [];
  const deadline = Date.now() + (opts.settleTimeoutMs ?? 120_000) * 3;
  graph.onSend((send: EmulatedSend) => {
    if (send.callbackData && !sendTimes.has(send.callbackData))
      sendTimes.set(send.callbackData, Date.now());
    // Meta's "sent" status, delivered asynchronously and retried until taken.
    const status = statusUpdate({
      id: send.waMessageId,
      status: "sent",
      recipientId: send.to,
      ...(send.callbackData ? { callbackData: send.callbackData } : {}),
    });
    statusDeliveries.push(
      sleep(50 + random() * 200)
        // Meta redelivers a status webhook for up to 7 days: until the campaign's own deadline.
        .then(() => deliver(status, deadline))
        .catch(() => {}),
    );
    // An aimed kill: the process dies while its Graph call is in flight (answer not yet read).
    if (!stopping && aimedLeft > 0 && child && random() < 0.35) {
      aimedLeft--;
      aimedKills++;
      void kill();
    }
  });

  await start();
  restarts = 0;
  const customers = Array.from(
    { length: opts.customers },
    (_, i) => `62811000${String(i).padStart(4, "0")}`,
  );
  const accepted = new Map<string, { at: number; from: string; text: string }>();
  let duplicateDeliveries = 0;

  // Random kills run beside the traffic, spread over it; aimed kills happen in onSend.
  const randomKills = opts.kills - Math.floor(opts.kills / 2);
  const killer = (async () => {
    // At least the random share, and then as many more as the aimed ones fell short by (an aimed
    // kill needs a send at the right moment), so that a run makes the kills it asked for.
    for (let k = 0; k < randomKills || kills < opts.kills; k++) {
      // Each kill hits a service that has been up for a while (300–1,200 ms), not one still
      // starting: back-to-back kills only measure start-up, and kept the service down for minutes.
      while (child === null) await sleep(20);
      await sleep(300 + random() * 900);
      if (!(await kill())) k--; // nothing was up: this kill is still owed
    }
  })();
  // The only place that starts a service after a kill, so that two never run side by side.
  let starting = false;
  const supervisor = (async () => {
    while (!stopping) {
      if (child === null && !starting) {
        starting = true;
        try {
          await start();
        } catch (err) {
          log(`restart failed: ${(err as Error).message}`);
        } finally {
          starting = false;
        }
      }
      await sleep(50);
    }
  })();

  for (let i = 0; i < opts.messages; i++) {
    const from = customers[Math.floor(random() * customers.length)]!;
    const id = `wamid.CHAOS${i}`;
    const text = `pesan ${i}: jam buka toko kapan?`;
    const payload = textMessage(text, { id, from });
    const attempts = await deliver(payload, deadline);
    duplicateDeliveries += attempts - 1;
    accepted.set(id, { at: Date.now(), from, text });
    // Meta sometimes delivers an accepted message again.
    if (random() < 0.2) {
      await deliver(payload, deadline);
      duplicateDeliveries++;
    }
    await sleep(random() * 120);
  }
  await killer;
  // Any aimed kills not yet spent are not forced: the campaign reports what it did.

  // Let the last service run finish everything.
  const dbPath = env.DATABASE_PATH!;
  const settleBy = Date.now() + (opts.settleTimeoutMs ?? 120_000);
  const open = () => new Database(dbPath, { readonly: true, fileMustExist: true });
  for (;;) {
    if (child !== null) {
      const db = open();
      const pending = db
        .prepare("select count(*) n from jobs where state in ('pending', 'running')")
        .get() as { n: number };
      db.close();
      if (pending.n === 0) break;
    }
    if (Date.now() > settleBy) {
      const db = open();
      log(
        `settle timeout: jobs still open: ${JSON.stringify(
          db
            .prepare(
              "select id, kind, state, attempts, run_at - ? AS dueIn, last_error from jobs where state in ('pending', 'running')",
            )
            .all(Date.now()),
        )}`,
      );
      db.close();
      break;
    }
    await sleep(200);
  }
  await Promise.all(statusDeliveries);
  stopping = true;
  await supervisor;

  const db = open();
  const inbound = new Map(
    (
      db.prepare("select wa_message_id id, status from messages where direction = 'in'").all() as {
        id: string;
        status: string;
      }[]
    ).map((r) => [r.id, r.status]),
  );
  let lostInbound = 0;
  for (const id of accepted.keys()) {
    const status = inbound.get(id);
    if (status !== "handled") lostInbound++;
  }
  const lostOutbound = (
    db
      .prepare(
        "select count(*) n from messages where direction = 'out' and status not in ('accepted', 'sent', 'delivered', 'read', 'played')",
      )
      .get() as { n: number }
  ).n;
  const perCallback = new Map<string, number>();
  for (const s of graph.sent) {
    if (s.callbackData) perCallback.set(s.callbackData, (perCallback.get(s.callbackData) ?? 0) + 1);
  }
  const duplicated = [...perCallback.values()].filter((n) => n > 1).length;

  // Answer latency: each customer's last accepted message to the first send to them after it.
  const lateAfter = opts.lateAfterMs ?? 30_000;
  const sendsTo = new Map<string, number[]>();
  const outRows = db
    .prepare(
      `select k.wa_id wa, m.id id from messages m join conversations c on c.id = m.conversation_id
       join contacts k on k.id = c.contact_id where m.direction = 'out'`,
    )
    .all() as { wa: string; id: number }[];
  for (const r of outRows) {
    const at = sendTimes.get(`msg:${r.id}`);
    if (at !== undefined) sendsTo.set(r.wa, [...(sendsTo.get(r.wa) ?? []), at]);
  }
  const latencies: number[] = [];
  let late = 0;
  // A person handles a handed-off conversation: there the outcome is the message in the thread.
  const slackPosts = slack.calls
    .filter((c) => c.method === "chat.postMessage" && c.response?.status === 200)
    .map((c) => ({ text: String(c.args.text ?? ""), at: c.at }));
  for (const wa of new Set([...accepted.values()].map((a) => a.from))) {
    const mine = [...accepted.values()].filter((a) => a.from === wa);
    const last = mine.reduce((a, b) => (b.at > a.at ? b : a));
    const head = last.text.split(":")[0]!;
    const candidates = [
      ...(sendsTo.get(wa) ?? []).filter((t) => t >= last.at - 1000),
      ...slackPosts.filter((p) => p.text.includes(`${head}:`)).map((p) => p.at),
    ].sort((a, b) => a - b);
    const answer = candidates[0];
    if (answer === undefined) {
      late++;
      log(`no outcome for ${wa}'s last message "${head}"`);
      continue;
    }
    latencies.push(Math.max(0, answer - last.at));
    if (answer - last.at > lateAfter) late++;
  }
  latencies.sort((a, b) => a - b);
  db.close();

  await (child as ServiceChild | null)?.kill();
  await graph.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    campaign: "crash",
    kills,
    aimedKills,
    restarts,
    customerMessages: accepted.size,
    duplicateDeliveries,
    lostInbound,
    lostOutbound,
    duplicated,
    late,
    answerLatencyMsP95:
      latencies.length > 0
        ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))]!
        : null,
    durationMs: Date.now() - started,
  };
}
