import {
  contactDue,
  jobRedaction,
  messageRedaction,
  parseContactQuery,
  REDACTED_PAYLOAD,
  REDACTED_TEXT,
  RETENTION_BATCH,
  RETENTION_EVERY_MS,
  RETENTION_FIRST_RUN_MS,
  type RetentionSettings,
  retentionCutoffs,
} from "../core/retention.ts";
import { type BatchedTimer, startBatchedTimer } from "./batched-timer.ts";
import type { Db } from "./db.ts";
import { holdsSingleton } from "./singleton.ts";
import { inTransaction } from "./tx.ts";

/**
 * The SQL side of data retention (rules: src/core/retention.ts) and of the per-contact export and
 * delete (`npm run contact`). Retention runs in batches of RETENTION_BATCH rows, one short
 * transaction each, so the service's webhooks and jobs are never held up for long.
 *
 * Scans walk tables by primary key from a cursor kept in `settings` (`retention.cursor.*`):
 * every row at or below it is redacted or has nothing to redact, so a daily run reads only the
 * rows stored since the previous one. A row still in use (an unsent message, a pending job) holds
 * its table's cursor back until it is finished.
 */

export interface RetentionCounts {
  /** Message texts and payloads redacted (or due, in a dry run). */
  messages: number;
  /** Status reports whose raw webhook JSON was removed. */
  statusEvents: number;
  /** Finished jobs whose payload was removed. */
  jobPayloads: number;
  /** Conversation summaries cleared (inactive conversations and anonymised contacts). */
  summaries: number;
  /** Contacts anonymised. */
  contacts: number;
  /** Old messages and jobs left alone because they are still being worked on. */
  inUse: number;
}

export interface RetentionReport {
  dryRun: boolean;
  redactBefore: number | null;
  anonymiseInactiveBefore: number | null;
  counts: RetentionCounts;
}

const emptyCounts = (): RetentionCounts => ({
  messages: 0,
  statusEvents: 0,
  jobPayloads: 0,
  summaries: 0,
  contacts: 0,
  inUse: 0,
});

const CURSOR = {
  messages: "retention.cursor.messages",
  statusEvents: "retention.cursor.status_events",
  jobs: "retention.cursor.jobs",
} as const;

/** SQL twin of `isInUse` (src/core/retention.ts) for set-based updates; a test keeps them equal. */
export const IN_USE_SQL = `((direction = 'out' AND status IN ('queued', 'sending'))
  OR (direction = 'in' AND status = 'received'))`;

function readCursor(db: Db, key: string): number {
  const row = db.$client.prepare("SELECT value FROM settings WHERE key = ?").get(key) as
    | { value: string }
    | undefined;
  const n = row ? Number(row.value) : 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function writeCursor(db: Db, key: string, value: number, now: number): void {
  db.$client
    .prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    )
    .run(key, String(value), now);
}

/**
 * Walks `table` by id from its cursor in batches, each in one transaction. `decide` returns what
 * to do with a row; `redact` applies it. Stops at the first row stored after the cutoff (ids grow
 * with time). Yields after every batch.
 */
function* walk<R extends { id: number; createdAt: number }>(
  db: Db,
  opts: {
    cursorKey: string;
    select: string;
    cutoff: number;
    now: number;
    decide: (row: R) => "due" | "kept" | "in_use";
    redact: (row: R) => void;
    onDue: () => void;
    onInUse: () => void;
  },
): Generator<void> {
  let written = readCursor(db, opts.cursorKey);
  let scanned = written;
  let heldAt: number | null = null; // the first in-use row: the cursor may not pass it
  const select = db.$client.prepare(opts.select);
  for (;;) {
    const finished = inTransaction(db, () => {
      const rows = select.all(scanned, RETENTION_BATCH) as R[];
      let reachedCutoff = rows.length < RETENTION_BATCH; // the end of the table
      for (const row of rows) {
        if (row.createdAt >= opts.cutoff) {
          reachedCutoff = true;
          break;
        }
        scanned = row.id;
        const decision = opts.decide(row);
        if (decision === "due") {
          opts.redact(row);
          opts.onDue();
        } else if (decision === "in_use") {
          heldAt ??= row.id;
          opts.onInUse();
        }
      }
      const cursor = heldAt === null ? scanned : heldAt - 1;
      // Written only when it moves: a run with nothing to do leaves the database as it was.
      if (cursor !== written) writeCursor(db, opts.cursorKey, cursor, opts.now);
      written = cursor;
      return reachedCutoff;
    });
    if (finished) return;
    yield;
  }
}

/** What is due, counted without changing anything. */
export function planRetention(db: Db, settings: RetentionSettings, now: number): RetentionReport {
  const { redactBefore, anonymiseInactiveBefore } = retentionCutoffs(now, settings);
  const counts = emptyCounts();
  const c = db.$client;
  if (redactBefore !== null) {
    const one = (sql: string, ...params: unknown[]) =>
      (c.prepare(sql).get(...params) as { n: number }).n;
    const notRedacted = "NOT (text = ? AND payload = ?)";
    counts.messages = one(
      `SELECT count(*) AS n FROM messages WHERE id > ? AND created_at < ? AND ${notRedacted}
         AND NOT ${IN_USE_SQL}`,
      readCursor(db, CURSOR.messages),
      redactBefore,
      REDACTED_TEXT,
      REDACTED_PAYLOAD,
    );
    counts.inUse =
      one(
        `SELECT count(*) AS n FROM messages WHERE id > ? AND created_at < ? AND ${notRedacted}
           AND ${IN_USE_SQL}`,
        readCursor(db, CURSOR.messages),
        redactBefore,
        REDACTED_TEXT,
        REDACTED_PAYLOAD,
      ) +
      one(
        `SELECT count(*) AS n FROM jobs WHERE id > ? AND created_at < ? AND payload IS NOT NULL
           AND state NOT IN ('done', 'dead')`,
        readCursor(db, CURSOR.jobs),
        redactBefore,
      );
    counts.statusEvents = one(
      "SELECT count(*) AS n FROM status_events WHERE id > ? AND created_at < ? AND payload <> ?",
      readCursor(db, CURSOR.statusEvents),
      redactBefore,
      REDACTED_PAYLOAD,
    );
    counts.jobPayloads = one(
      `SELECT count(*) AS n FROM jobs WHERE id > ? AND created_at < ? AND payload IS NOT NULL
         AND state IN ('done', 'dead')`,
      readCursor(db, CURSOR.jobs),
      redactBefore,
    );
    counts.summaries =
      one(
        `SELECT count(*) AS n FROM conversations WHERE summary IS NOT NULL
         AND max(updated_at, coalesce(last_customer_message_at, 0)) < ?`,
        redactBefore,
      ) +
      one(
        `SELECT count(*) AS n FROM slack_threads t JOIN conversations c ON c.id = t.conversation_id
         WHERE t.handoff_summary IS NOT NULL
           AND max(c.updated_at, coalesce(c.last_customer_message_at, 0)) < ?`,
        redactBefore,
      );
  }
  if (anonymiseInactiveBefore !== null) {
    let after = 0;
    for (;;) {
      const batch = dueContacts(db, after, anonymiseInactiveBefore);
      counts.contacts += batch.due.length;
      if (batch.next === null) break;
      after = batch.next;
    }
  }
  return { dryRun: true, redactBefore, anonymiseInactiveBefore, counts };
}

/**
 * Applies retention step by step: the generator yields between batches (each batch is one
 * committed transaction), and its return value is the report.
 */
export function* retentionSteps(
  db: Db,
  settings: RetentionSettings,
  now: number,
): Generator<void, RetentionReport> {
  const { redactBefore, anonymiseInactiveBefore } = retentionCutoffs(now, settings);
  const counts = emptyCounts();
  const c = db.$client;
  if (redactBefore !== null) {
    const redactMessage = c.prepare(
      "UPDATE messages SET text = ?, payload = ?, updated_at = ? WHERE id = ?",
    );
    yield* walk<{
      id: number;
      createdAt: number;
      direction: string;
      status: string;
      text: string;
      payload: string;
    }>(db, {
      cursorKey: CURSOR.messages,
      select: `SELECT id, created_at AS createdAt, direction, status, text, payload
               FROM messages WHERE id > ? ORDER BY id LIMIT ?`,
      cutoff: redactBefore,
      now,
      decide: (m) => messageRedaction(m, redactBefore),
      redact: (m) => redactMessage.run(REDACTED_TEXT, REDACTED_PAYLOAD, now, m.id),
      onDue: () => counts.messages++,
      onInUse: () => counts.inUse++,
    });
    const redactStatus = c.prepare("UPDATE status_events SET payload = ? WHERE id = ?");
    yield* walk<{ id: number; createdAt: number; redacted: number }>(db, {
      cursorKey: CURSOR.statusEvents,
      select: `SELECT id, created_at AS createdAt, payload = '${REDACTED_PAYLOAD}' AS redacted
               FROM status_events WHERE id > ? ORDER BY id LIMIT ?`,
      cutoff: redactBefore,
      now,
      decide: (s) => (s.redacted ? "kept" : "due"),
      redact: (s) => redactStatus.run(REDACTED_PAYLOAD, s.id),
      onDue: () => counts.statusEvents++,
      onInUse: () => {},
    });
    const redactJob = c.prepare("UPDATE jobs SET payload = NULL WHERE id = ?");
    yield* walk<{ id: number; createdAt: number; state: string; hasPayload: number }>(db, {
      cursorKey: CURSOR.jobs,
      select: `SELECT id, created_at AS createdAt, state, payload IS NOT NULL AS hasPayload
               FROM jobs WHERE id > ? ORDER BY id LIMIT ?`,
      cutoff: redactBefore,
      now,
      decide: (j) => jobRedaction({ ...j, hasPayload: j.hasPayload === 1 }, redactBefore),
      redact: (j) => redactJob.run(j.id),
      onDue: () => counts.jobPayloads++,
      onInUse: () => counts.inUse++,
    });
    // Rolling summaries paraphrase the transcript: cleared once the conversation is quiet.
    const clearSummaries = c.prepare(
      `UPDATE conversations SET summary = NULL, summary_through_message_id = NULL
       WHERE id IN (SELECT id FROM conversations WHERE summary IS NOT NULL
                      AND max(updated_at, coalesce(last_customer_message_at, 0)) < ? LIMIT ?)`,
    );
    for (;;) {
      const n = inTransaction(db, () => clearSummaries.run(redactBefore, RETENTION_BATCH).changes);
      counts.summaries += n;
      if (n < RETENTION_BATCH) break;
      yield;
    }
    // So do the handoff summaries written for the agents (slack_threads.handoff_summary).
    const clearHandoffSummaries = c.prepare(
      `UPDATE slack_threads SET handoff_summary = NULL
       WHERE id IN (SELECT t.id FROM slack_threads t JOIN conversations c ON c.id = t.conversation_id
                    WHERE t.handoff_summary IS NOT NULL
                      AND max(c.updated_at, coalesce(c.last_customer_message_at, 0)) < ? LIMIT ?)`,
    );
    for (;;) {
      const n = inTransaction(
        db,
        () => clearHandoffSummaries.run(redactBefore, RETENTION_BATCH).changes,
      );
      counts.summaries += n;
      if (n < RETENTION_BATCH) break;
      yield;
    }
  }
  if (anonymiseInactiveBefore !== null) {
    let after = 0;
    for (;;) {
      const batch = dueContacts(db, after, anonymiseInactiveBefore);
      if (batch.due.length > 0) {
        inTransaction(db, () => {
          for (const id of batch.due) {
            // Re-checked inside the transaction: the customer may have written meanwhile.
            const again = dueContacts(db, id - 1, anonymiseInactiveBefore, 1);
            if (again.due[0] !== id) continue;
            const done = anonymiseContact(db, id, now);
            counts.contacts++;
            counts.messages += done.messages;
            counts.statusEvents += done.statusEvents;
            counts.jobPayloads += done.jobPayloads;
            counts.summaries += done.summaries;
          }
        });
      }
      if (batch.next === null) break;
      after = batch.next;
      yield;
    }
  }
  return { dryRun: false, redactBefore, anonymiseInactiveBefore, counts };
}

/** Applies retention in one go (the CLI). */
export function applyRetention(db: Db, settings: RetentionSettings, now: number): RetentionReport {
  const steps = retentionSteps(db, settings, now);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * Contacts after id `after` (up to `limit` examined) that are due for anonymisation, and the id
 * to continue from (null when there are no more).
 */
function dueContacts(
  db: Db,
  after: number,
  cutoff: number,
  limit = RETENTION_BATCH,
): { due: number[]; next: number | null } {
  const c = db.$client;
  const contacts = c
    .prepare(
      `SELECT id, wa_id AS waId, user_id AS userId, profile_name AS profileName,
              max(created_at, updated_at) AS lastActivityAt
       FROM contacts
       WHERE id > ? AND (wa_id IS NOT NULL OR user_id IS NOT NULL OR profile_name IS NOT NULL)
       ORDER BY id LIMIT ?`,
    )
    .all(after, limit) as {
    id: number;
    waId: string | null;
    userId: string | null;
    profileName: string | null;
    lastActivityAt: number;
  }[];
  if (contacts.length > 0) {
    // One pass over conversations per batch (contact_id has no full index); each conversation's
    // newest message comes from the (conversation_id, id) index.
    const ids = contacts.map((k) => k.id);
    const activity = c
      .prepare(
        `SELECT contact_id AS contactId,
                max(max(updated_at, coalesce(last_customer_message_at, 0),
                    coalesce((SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id
                              ORDER BY m.id DESC LIMIT 1), 0))) AS at
         FROM conversations c WHERE contact_id IN (${placeholders(ids.length)})
         GROUP BY contact_id`,
      )
      .all(...ids) as { contactId: number; at: number }[];
    const byContact = new Map(activity.map((a) => [a.contactId, a.at]));
    for (const k of contacts) {
      k.lastActivityAt = Math.max(k.lastActivityAt, byContact.get(k.id) ?? 0);
    }
  }
  const rows = contacts;
  return {
    due: rows.filter((r) => contactDue(r, cutoff)).map((r) => r.id),
    next: rows.length < limit ? null : (rows.at(-1)?.id ?? null),
  };
}

function conversationIds(db: Db, contactId: number): number[] {
  return (
    db.$client.prepare("SELECT id FROM conversations WHERE contact_id = ?").all(contactId) as {
      id: number;
    }[]
  ).map((r) => r.id);
}

const jobKeys = (conversationIds: number[]) =>
  conversationIds.flatMap((id) => [`conversation:${id}`, `slack:conversation:${id}`]);

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

/**
 * Anonymises one contact in the caller's transaction: identifiers and name nulled (the unique
 * indexes allow any number of NULLs, and a returning customer becomes a new contact), every
 * message of theirs redacted (except any still in use), their status reports' raw JSON and
 * finished jobs' payloads removed, their conversations' summaries cleared. Counts, statuses,
 * timestamps and costs stay for the statistics.
 */
function anonymiseContact(
  db: Db,
  contactId: number,
  now: number,
): { messages: number; statusEvents: number; jobPayloads: number; summaries: number } {
  const c = db.$client;
  c.prepare(
    "UPDATE contacts SET wa_id = NULL, user_id = NULL, profile_name = NULL, updated_at = ? WHERE id = ?",
  ).run(now, contactId);
  // What the agent filled in about them (email, company, ...) identifies them too.
  c.prepare("DELETE FROM contact_fields WHERE contact_id = ?").run(contactId);
  const convs = conversationIds(db, contactId);
  if (convs.length === 0) return { messages: 0, statusEvents: 0, jobPayloads: 0, summaries: 0 };
  const inConvs = `(${placeholders(convs.length)})`;
  // The agent's actions keep what was done, not the values (an email given to a field).
  c.prepare(
    `UPDATE agent_actions SET args = '{}', detail = NULL
     WHERE conversation_id IN ${inConvs} AND args <> '{}'`,
  ).run(...convs);
  const statusEvents = c
    .prepare(
      `UPDATE status_events SET payload = ? WHERE payload <> ? AND wa_message_id IN (
         SELECT wa_message_id FROM messages
         WHERE conversation_id IN ${inConvs} AND wa_message_id IS NOT NULL)`,
    )
    .run(REDACTED_PAYLOAD, REDACTED_PAYLOAD, ...convs).changes;
  const messages = c
    .prepare(
      `UPDATE messages SET text = ?, payload = ?, updated_at = ?
       WHERE conversation_id IN ${inConvs} AND NOT (text = ? AND payload = ?) AND NOT ${IN_USE_SQL}`,
    )
    .run(REDACTED_TEXT, REDACTED_PAYLOAD, now, ...convs, REDACTED_TEXT, REDACTED_PAYLOAD).changes;
  const keys = jobKeys(convs);
  const jobPayloads = c
    .prepare(
      `UPDATE jobs SET payload = NULL WHERE order_key IN (${placeholders(keys.length)})
         AND state IN ('done', 'dead') AND payload IS NOT NULL`,
    )
    .run(...keys).changes;
  const summaries = c
    .prepare(
      `UPDATE conversations SET summary = NULL, summary_through_message_id = NULL
       WHERE id IN ${inConvs} AND summary IS NOT NULL`,
    )
    .run(...convs).changes;
  const handoffSummaries = c
    .prepare(
      `UPDATE slack_threads SET handoff_summary = NULL
       WHERE conversation_id IN ${inConvs} AND handoff_summary IS NOT NULL`,
    )
    .run(...convs).changes;
  return { messages, statusEvents, jobPayloads, summaries: summaries + handoffSummaries };
}

export interface RetentionLogger {
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Retention's timer (see `startBatchedTimer`); resolves with the run's report. */
export type RetentionTimer = BatchedTimer<RetentionReport | null>;

/** A run with nothing to do (retention disabled): no batch, no result. */
// biome-ignore lint/correctness/useYield: a run with nothing to do has no batch to yield.
function* emptyRun(): Generator<never, null> {
  return null;
}

/**
 * Runs retention shortly after start and then daily, yielding to the event loop between
 * batches. The timers are unref'd: they never keep the process alive. Logs counts only.
 */
export function startRetentionTimer(opts: {
  db: Db;
  settings: RetentionSettings;
  logger: RetentionLogger;
  firstRunMs?: number;
  everyMs?: number;
  now?: () => number;
}): RetentionTimer {
  const { db, settings, logger } = opts;
  const disabled = settings.messageDays === 0 && settings.contactDays === 0;
  if (disabled) logger.info({ settings }, "retention disabled: personal data is kept forever");
  return startBatchedTimer({
    // Disabled: each run is an empty generator (nothing to redact, nothing logged).
    // Several instances on one PostgreSQL database: one of them applies retention.
    steps: disabled
      ? emptyRun
      : (startedAt) =>
          holdsSingleton(db, "retention") ? retentionSteps(db, settings, startedAt) : emptyRun(),
    done: (report, ms) => {
      if (report === null) return;
      const changed = Object.entries(report.counts).some(([k, v]) => k !== "inUse" && v > 0);
      (changed ? logger.info : logger.debug).call(
        logger,
        { counts: report.counts, ms },
        "retention applied",
      );
    },
    failed: (err) => logger.error({ err }, "retention run failed; retried at the next run"),
    firstRunMs: opts.firstRunMs ?? RETENTION_FIRST_RUN_MS,
    everyMs: opts.everyMs ?? RETENTION_EVERY_MS,
    ...(opts.now ? { now: opts.now } : {}),
  });
}

/** A contact found by `npm run contact`. */
export interface FoundContact {
  id: number;
  waId: string | null;
  userId: string | null;
}

/**
 * Looks a contact up by phone number (any formatting), contact id or business-scoped user id.
 * Returns the matches (none, one, or several when the input is ambiguous).
 */
export function findContacts(db: Db, input: string): FoundContact[] {
  const q = parseContactQuery(input);
  if (!q) return [];
  const rows = db.$client
    .prepare(
      `SELECT id, wa_id AS waId, user_id AS userId FROM contacts
       WHERE wa_id = ? OR id = ? OR user_id = ? ORDER BY id`,
    )
    .all(q.phone, q.contactId, q.userId) as FoundContact[];
  return rows;
}

/** Everything stored about one contact, as one JSON-ready document. */
export function exportContact(db: Db, contactId: number): Record<string, unknown> {
  const c = db.$client;
  const all = (sql: string, ...params: unknown[]) =>
    c.prepare(sql).all(...params) as Record<string, unknown>[];
  const contact = c.prepare("SELECT * FROM contacts WHERE id = ?").get(contactId);
  const convs = conversationIds(db, contactId);
  const inConvs = `(${placeholders(convs.length)})`;
  const keys = jobKeys(convs);
  const none = convs.length === 0;
  const parse = (row: Record<string, unknown>, column: string) => {
    const v = row[column];
    if (typeof v !== "string") return row;
    try {
      return { ...row, [column]: JSON.parse(v) };
    } catch {
      return row;
    }
  };
  return {
    contact,
    conversations: none ? [] : all(`SELECT * FROM conversations WHERE id IN ${inConvs}`, ...convs),
    messages: none
      ? []
      : all(`SELECT * FROM messages WHERE conversation_id IN ${inConvs} ORDER BY id`, ...convs).map(
          (r) => parse(r, "payload"),
        ),
    statusEvents: none
      ? []
      : all(
          `SELECT * FROM status_events WHERE wa_message_id IN (SELECT wa_message_id FROM messages
             WHERE conversation_id IN ${inConvs} AND wa_message_id IS NOT NULL) ORDER BY id`,
          ...convs,
        ).map((r) => parse(r, "payload")),
    slackThreads: none
      ? []
      : all(`SELECT * FROM slack_threads WHERE conversation_id IN ${inConvs}`, ...convs),
    aiCalls: none
      ? []
      : all(`SELECT * FROM ai_calls WHERE conversation_id IN ${inConvs} ORDER BY id`, ...convs),
    csatSurveys: none
      ? []
      : all(`SELECT * FROM csat_surveys WHERE conversation_id IN ${inConvs}`, ...convs),
    contactFields: all("SELECT * FROM contact_fields WHERE contact_id = ?", contactId),
    agentActions: none
      ? []
      : all(
          `SELECT * FROM agent_actions WHERE conversation_id IN ${inConvs} ORDER BY id`,
          ...convs,
        ).map((r) => parse(r, "args")),
    jobs: none
      ? []
      : all(
          `SELECT * FROM jobs WHERE order_key IN (${placeholders(keys.length)}) ORDER BY id`,
          ...keys,
        ).map((r) => parse(r, "payload")),
  };
}

/** Rows `deleteContact` removes (or would remove), by table. */
export type DeletionCounts = Record<
  | "contacts"
  | "conversations"
  | "messages"
  | "statusEvents"
  | "slackThreads"
  | "aiCalls"
  | "csatSurveys"
  | "contactFields"
  | "agentActions"
  | "jobs",
  number
>;

/**
 * Deletes a contact and everything stored about it in one transaction; with `dryRun` only counts
 * it. Queued jobs of its conversations are deleted too, so nothing is sent to it afterwards.
 */
export function deleteContact(db: Db, contactId: number, dryRun: boolean): DeletionCounts {
  return inTransaction(db, () => {
    const c = db.$client;
    const convs = conversationIds(db, contactId);
    const inConvs = `(${placeholders(convs.length)})`;
    const keys = jobKeys(convs);
    const inKeys = `(${placeholders(keys.length)})`;
    const statusWhere = `wa_message_id IN (SELECT wa_message_id FROM messages
        WHERE conversation_id IN ${inConvs} AND wa_message_id IS NOT NULL)
      OR callback_data IN (SELECT 'msg:' || id FROM messages WHERE conversation_id IN ${inConvs})`;
    const steps: [keyof DeletionCounts, string, unknown[]][] = [
      ["statusEvents", `status_events WHERE ${statusWhere}`, [...convs, ...convs]],
      ["jobs", `jobs WHERE order_key IN ${inKeys}`, keys],
      ["aiCalls", `ai_calls WHERE conversation_id IN ${inConvs}`, convs],
      ["slackThreads", `slack_threads WHERE conversation_id IN ${inConvs}`, convs],
      ["csatSurveys", `csat_surveys WHERE conversation_id IN ${inConvs}`, convs],
      ["agentActions", `agent_actions WHERE conversation_id IN ${inConvs}`, convs],
      ["messages", `messages WHERE conversation_id IN ${inConvs}`, convs],
      ["conversations", `conversations WHERE id IN ${inConvs}`, convs],
    ];
    const counts: DeletionCounts = {
      contacts: 0,
      conversations: 0,
      messages: 0,
      statusEvents: 0,
      slackThreads: 0,
      aiCalls: 0,
      csatSurveys: 0,
      contactFields: 0,
      agentActions: 0,
      jobs: 0,
    };
    if (convs.length > 0) {
      for (const [name, from, params] of steps) {
        counts[name] = dryRun
          ? (c.prepare(`SELECT count(*) AS n FROM ${from}`).get(...params) as { n: number }).n
          : c.prepare(`DELETE FROM ${from}`).run(...params).changes;
      }
    }
    // Not tied to a conversation: counted (or deleted) even for a contact without any.
    counts.contactFields = dryRun
      ? (
          c
            .prepare("SELECT count(*) AS n FROM contact_fields WHERE contact_id = ?")
            .get(contactId) as { n: number }
        ).n
      : c.prepare("DELETE FROM contact_fields WHERE contact_id = ?").run(contactId).changes;
    counts.contacts = dryRun
      ? (
          c.prepare("SELECT count(*) AS n FROM contacts WHERE id = ?").get(contactId) as {
            n: number;
          }
        ).n
      : c.prepare("DELETE FROM contacts WHERE id = ?").run(contactId).changes;
    return counts;
  });
}
