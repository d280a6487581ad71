import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Db, openDatabase } from "../../src/store/db.ts";

/** The shape of a generated history. */
export interface HistorySize {
  conversations: number;
  messages: number;
  /** Days the history spans, ending at the anchor. */
  days: number;
  seed: number;
}

/** A generated database file and the instant its history ends at ("now" for the figures). */
export interface GeneratedHistory {
  path: string;
  anchor: number;
}

// Bumped whenever the generator changes what it writes, so a cached file is never stale.
const GENERATOR_VERSION = 1;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Shares of a real history (what operators of a mid-size shop see). */
const SHARES = {
  /** Conversations handed to a human at some point. */
  escalated: 0.2,
  /** Conversations open in the Home tab's queue now (escalated or owned by an agent). */
  queueOpen: 300,
  /** Outbound messages that ended failed, with WhatsApp error codes. */
  failed: 0.015,
  /** Outbound bot replies that needed a second (smart-tier) model call. */
  smartCall: 0.15,
  /** Contacts per conversation: returning customers start new conversations. */
  contactsPerConversation: 0.7,
};

/** WhatsApp error codes seen on failed sends, most common first. */
const ERROR_CODES = [131047, 131026, 131049, 130472, 131000, 131053, null] as const;

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same history. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where a history of this size is cached (`.tmp/` is git-ignored). */
export function cachePath(root: string, s: HistorySize): string {
  return join(
    root,
    ".tmp",
    "bench-home",
    `c${s.conversations}-m${s.messages}-d${s.days}-s${s.seed}-v${GENERATOR_VERSION}.sqlite`,
  );
}

/**
 * Returns a database file holding the history, generating it (with the service's own migrations)
 * only when no cached copy exists. The anchor is kept beside the file so a rerun sees the same
 * "today".
 */
export function generatedHistory(
  root: string,
  s: HistorySize,
  log: (line: string) => void,
): GeneratedHistory {
  const path = cachePath(root, s);
  const metaPath = `${path}.json`;
  if (existsSync(path) && existsSync(metaPath)) {
    const { anchor } = JSON.parse(readFileSync(metaPath, "utf8")) as { anchor: number };
    return { path, anchor };
  }
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  for (const f of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  const anchor = Date.now();
  const started = performance.now();
  const db = openDatabase(partial);
  writeHistory(db, s, anchor);
  db.$client.pragma("wal_checkpoint(TRUNCATE)");
  db.$client.close();
  renameSync(partial, path);
  for (const f of [`${partial}-wal`, `${partial}-shm`]) rmSync(f, { force: true });
  writeFileSync(metaPath, JSON.stringify({ anchor, ...s }));
  log(
    `generated ${s.conversations} conversations / ${s.messages} messages over ${s.days} days in ${((performance.now() - started) / 1000).toFixed(1)} s → ${path}`,
  );
  return { path, anchor };
}

/**
 * Writes a history into a freshly migrated database in one transaction with prepared
 * statements, the way the service would have left it: closed conversations with their messages,
 * a fifth of them escalated with a Slack thread, a few hundred open in the queue, failed sends with
 * WhatsApp error codes, an ai_calls row per AI turn and every job finished (`done`).
 */
export function writeHistory(db: Db, s: HistorySize, anchor: number): void {
  const c = db.$client;
  const random = rng(s.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  // Generation only: a crash here just means generating again.
  c.pragma("synchronous = OFF");
  // Rows are written child-first within each conversation; the transaction is all-or-nothing.
  c.pragma("foreign_keys = OFF");
  c.pragma("cache_size = -262144");
  const start = anchor - s.days * DAY;
  const nContacts = Math.max(
    SHARES.queueOpen * 2,
    Math.ceil(s.conversations * SHARES.contactsPerConversation),
  );
  const perConversation = s.messages / Math.max(1, s.conversations);

  const insContact = c.prepare(
    "INSERT INTO contacts (id, wa_id, profile_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
  );
  const insConversation = c.prepare(
    `INSERT INTO conversations (id, contact_id, state, window_ends_at, last_customer_message_at,
       handoff_reason, handoff_at, ai_calls, ai_cost_usd, created_at, updated_at, closed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insMessage = c.prepare(
    `INSERT INTO messages (conversation_id, direction, author, wa_message_id, kind, text, payload,
       status, error_code, error_title, wa_timestamp, status_at, ai_tier, ai_confidence, cost_usd,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, 'text', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const insStatus = c.prepare(
    `INSERT INTO status_events (wa_message_id, status, at, callback_data, error_code, payload, created_at)
     VALUES (?, ?, ?, ?, ?, '{}', ?)`,
  );
  const insAiCall = c.prepare(
    `INSERT INTO ai_calls (conversation_id, turn_message_id, purpose, tier, model, outcome,
       input_tokens, output_tokens, cost_usd, latency_ms, created_at)
     VALUES (?, ?, 'answer', ?, ?, 'ok', ?, ?, ?, ?, ?)`,
  );
  const insJob = c.prepare(
    `INSERT INTO jobs (kind, payload, order_key, dedupe_key, state, attempts, max_attempts, run_at,
       created_at, updated_at, finished_at)
     VALUES (?, ?, ?, ?, ?, 1, 1000, ?, ?, ?, ?)`,
  );
  const insThread = c.prepare(
    `INSERT INTO slack_threads (conversation_id, channel, root_ts, status, agent_user_id, agent_name,
       reason, confidence, language, customer_waiting_since, first_human_reply_at, created_at, updated_at)
     VALUES (?, 'C0BENCHQUEUE', ?, ?, ?, ?, ?, 0.3, 'id', ?, ?, ?, ?)`,
  );

  const REASONS = ["low_confidence", "customer_asked", "complaint", "refund", "order_problem"];
  const AGENTS = ["Ayu", "Budi", "Citra", "Dewi", "Eko"];

  c.transaction(() => {
    for (let k = 1; k <= nContacts; k++) {
      const at = start + Math.floor((k / nContacts) * s.days * DAY * 0.5);
      insContact.run(k, `628${String(1_000_000_000 + k)}`, `Customer ${k}`, at, at);
    }
    // The newest conversations are the open ones; giving them distinct contacts keeps the
    // one-open-conversation-per-contact rule.
    const openFrom = s.conversations - SHARES.queueOpen * 2;
    let threadSeq = 0;
    for (let i = 1; i <= s.conversations; i++) {
      // Evenly spread over the span with some jitter: a constant daily volume.
      const created = Math.min(
        anchor - MINUTE,
        start + Math.floor(((i - 1 + random()) / s.conversations) * s.days * DAY),
      );
      const contactId = ((i - 1) % nContacts) + 1;
      const isOpenSlot = i > openFrom;
      const inQueue = isOpenSlot && i % 2 === 0;
      const escalated = inQueue || (!isOpenSlot && random() < SHARES.escalated);
      const state = inQueue
        ? random() < 0.5
          ? "escalated"
          : "agent"
        : isOpenSlot
          ? "bot"
          : "closed";
      const nMessages = Math.max(2, Math.round(perConversation * (0.5 + random())));
      const handoffAt = escalated ? created + (2 + Math.floor(random() * 20)) * MINUTE : null;
      let t = created;
      let aiCalls = 0;
      let aiCost = 0;
      let lastIn = created;
      const convJobKey = `conversation:${i}`;
      for (let m = 0; m < nMessages; m++) {
        const inbound = m % 2 === 0;
        const human = handoffAt !== null && t >= handoffAt;
        if (inbound) {
          lastIn = t;
          const wamid = `wamid.in.${i}.${m}`;
          insMessage.run(
            i,
            "in",
            null,
            wamid,
            "halo kak, mau tanya",
            '{"type":"text"}',
            "handled",
            null,
            null,
            t,
            null,
            null,
            null,
            null,
            t,
            t,
          );
          insJob.run(
            "turn",
            `{"conversationId":${i}}`,
            convJobKey,
            null,
            "done",
            t,
            t,
            t + 800,
            t + 800,
          );
        } else {
          const failed = random() < SHARES.failed;
          const code = failed ? pick(ERROR_CODES) : null;
          const author = human ? "agent" : "bot";
          const cost = author === "bot" ? 0.0004 + random() * 0.002 : null;
          const row = insMessage.get(
            i,
            "out",
            author,
            failed ? null : `wamid.out.${i}.${m}`,
            "baik kak, kami bantu",
            '{"kind":"text","body":"baik kak"}',
            failed ? "failed" : random() < 0.7 ? "read" : "delivered",
            code,
            failed ? "Message failed" : null,
            null,
            t + 2_000,
            author === "bot" ? pick(["fast", "smart", "kb", "cache"]) : null,
            author === "bot" ? 0.6 + random() * 0.4 : null,
            cost,
            t,
            t + 2_000,
          ) as { id: number };
          insJob.run(
            "send",
            `{"messageId":${row.id}}`,
            convJobKey,
            `send:${row.id}`,
            "done",
            t,
            t,
            t + 600,
            t + 600,
          );
          if (!failed && anchor - t < 30 * DAY) {
            insStatus.run(
              `wamid.out.${i}.${m}`,
              "delivered",
              t + 1_500,
              `msg:${row.id}`,
              null,
              t + 1_500,
            );
          } else if (failed) {
            insStatus.run(
              `wamid.failed.${row.id}`,
              "failed",
              t + 1_500,
              `msg:${row.id}`,
              code,
              t + 1_500,
            );
          }
          if (author === "bot" && cost !== null) {
            const calls = random() < SHARES.smartCall ? 2 : 1;
            for (let k = 0; k < calls; k++) {
              const tier = k === 0 ? "fast" : "smart";
              const callCost = cost / calls;
              insAiCall.run(
                i,
                row.id - 1,
                tier,
                `${tier}-model`,
                900,
                120,
                callCost,
                700 + Math.floor(random() * 2000),
                t - 500,
              );
              aiCalls++;
              aiCost += callCost;
            }
          }
        }
        t += (1 + Math.floor(random() * 6)) * MINUTE;
      }
      if (handoffAt !== null) {
        threadSeq++;
        const open = state === "escalated" || state === "agent";
        const replied = state !== "escalated" && random() < 0.9;
        const agent = replied ? pick(AGENTS) : null;
        insThread.run(
          i,
          `${Math.floor(handoffAt / 1000)}.${String(threadSeq).padStart(6, "0")}`,
          open ? (state === "agent" ? "in_progress" : "waiting") : "closed",
          agent ? `U0${agent.toUpperCase()}` : null,
          agent,
          pick(REASONS),
          state === "escalated" ? lastIn : null,
          replied ? handoffAt + (1 + Math.floor(random() * 30)) * MINUTE : null,
          handoffAt,
          t,
        );
        insJob.run(
          "slack.post",
          `{"conversationId":${i}}`,
          `slack:conversation:${i}`,
          null,
          "done",
          handoffAt,
          handoffAt,
          handoffAt + 900,
          handoffAt + 900,
        );
      }
      const closedAt = state === "closed" ? t + HOUR : null;
      insConversation.run(
        i,
        contactId,
        state,
        lastIn + DAY,
        lastIn,
        escalated ? pick(REASONS) : null,
        handoffAt,
        aiCalls,
        aiCost,
        created,
        closedAt ?? t,
        closedAt,
      );
    }
    // The few unfinished jobs a running service has: a turn waiting, a send retrying, two dead.
    const now = anchor;
    insJob.run(
      "turn",
      "{}",
      `conversation:${s.conversations}`,
      null,
      "pending",
      now + 2_000,
      now,
      now,
      null,
    );
    insJob.run(
      "send",
      "{}",
      `conversation:${s.conversations - 1}`,
      null,
      "pending",
      now + 30_000,
      now,
      now,
      null,
    );
    insJob.run(
      "slack.post",
      "{}",
      "slack:conversation:1",
      null,
      "dead",
      now - DAY,
      now - DAY,
      now - DAY,
      null,
    );
    insJob.run(
      "templates.sync",
      "null",
      null,
      null,
      "dead",
      now - 2 * DAY,
      now - 2 * DAY,
      now - 2 * DAY,
      null,
    );
  })();
  c.pragma("foreign_keys = ON");
}
