import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, ne, sql } from "drizzle-orm";
import type { SummaryLine } from "../core/handoff-summary.ts";
import type { ConversationId, MessageId } from "../core/ids.ts";
import type { Db } from "../store/db.ts";
import { prepared, preparedQuery, updateRow } from "../store/prepared.ts";
import { jobs, messages, slackThreads, slackUsers } from "../store/schema.ts";

export type ThreadRow = typeof slackThreads.$inferSelect;
export type ThreadStatus = ThreadRow["status"];

/** The conversation's handoff thread, if one was opened. */
export function threadForConversation(
  db: Db,
  conversationId: ConversationId,
): ThreadRow | undefined {
  return preparedQuery(db, "threadForConversation", () =>
    db
      .select()
      .from(slackThreads)
      .where(eq(slackThreads.conversationId, sql.placeholder("conversationId")))
      .prepare(),
  ).get({ conversationId });
}

/** The thread rooted at (channel, ts): only threads the service opened are found. */
export function threadByRoot(db: Db, channel: string, rootTs: string): ThreadRow | undefined {
  return preparedQuery(db, "threadByRoot", () =>
    db
      .select()
      .from(slackThreads)
      .where(
        and(
          eq(slackThreads.channel, sql.placeholder("channel")),
          eq(slackThreads.rootTs, sql.placeholder("rootTs")),
        ),
      )
      .prepare(),
  ).get({ channel, rootTs });
}

/** Creates the thread row (root not posted yet); returns the existing one if there is one. */
export function createThread(
  db: Db,
  input: Pick<ThreadRow, "conversationId" | "channel" | "reason" | "confidence" | "language">,
  now: number,
): ThreadRow {
  const existing = threadForConversation(db, input.conversationId);
  if (existing) return existing;
  return db
    .insert(slackThreads)
    .values({ ...input, status: "waiting", createdAt: now, updatedAt: now })
    .returning()
    .get();
}

/** Updates fields of a thread. */
export function updateThread(db: Db, id: number, patch: Partial<ThreadRow>, now: number): void {
  updateRow(db, slackThreads, id, { ...patch, updatedAt: now });
}

/** What a thread's root message shows: the window end it was drawn with, and when. */
export interface RootShown {
  windowEndsAt: number | null;
  at: number;
}

/**
 * Records what the thread's root shows (or was just queued to show), the input of the
 * root-refresh rule. With `unlessNewer`, a record made later (a refresh queued while this
 * drawing was on its way) is kept.
 */
export function recordRootShown(
  db: Db,
  threadId: number,
  shown: RootShown,
  now: number,
  opts: { unlessNewer?: boolean } = {},
): void {
  if (opts.unlessNewer) {
    const current = db
      .select({ at: slackThreads.rootUpdatedAt })
      .from(slackThreads)
      .where(eq(slackThreads.id, threadId))
      .get();
    if (current?.at != null && current.at > shown.at) return;
  }
  updateThread(
    db,
    threadId,
    { rootWindowEndsAt: shown.windowEndsAt, rootUpdatedAt: shown.at },
    now,
  );
}

/** Threads where someone may be waiting: the SLA sweeper's work list. */
export function openThreads(db: Db): ThreadRow[] {
  return db
    .select()
    .from(slackThreads)
    .where(
      and(inArray(slackThreads.status, ["waiting", "in_progress"]), isNotNull(slackThreads.rootTs)),
    )
    .all();
}

/** The newest earlier thread of the same contact, to link from a fresh one. */
export function previousThreadOf(
  db: Db,
  previousConversationId: ConversationId | null,
): ThreadRow | undefined {
  if (previousConversationId === null) return undefined;
  return db
    .select()
    .from(slackThreads)
    .where(eq(slackThreads.conversationId, previousConversationId))
    .orderBy(desc(slackThreads.id))
    .get();
}

/** A Slack user's display name as resolved earlier. */
export function knownUserName(db: Db, userId: string): string | undefined {
  return preparedQuery(db, "knownUserName", () =>
    db
      .select({ displayName: slackUsers.displayName })
      .from(slackUsers)
      .where(eq(slackUsers.userId, sql.placeholder("userId")))
      .prepare(),
  ).get({ userId })?.displayName;
}

/** Keeps a resolved display name. */
export function rememberUserName(db: Db, userId: string, displayName: string, now: number): void {
  db.insert(slackUsers)
    .values({ userId, displayName, updatedAt: now })
    .onConflictDoUpdate({ target: slackUsers.userId, set: { displayName, updatedAt: now } })
    .run();
}

/** Records which Slack message shows (or originated) a WhatsApp message. */
export function linkSlackMessage(db: Db, messageId: MessageId, channel: string, ts: string): void {
  updateRow(db, messages, messageId, { slackChannel: channel, slackTs: ts });
}

/**
 * The last `limit` messages of a conversation up to `until` (the handoff: later ones are
 * mirrored into the thread), oldest first, for the root's transcript.
 */
export function recentTranscript(
  db: Db,
  conversationId: ConversationId,
  limit: number,
  until: number | null = null,
) {
  return db
    .select({
      direction: messages.direction,
      author: messages.author,
      text: messages.text,
      at: messages.createdAt,
    })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, conversationId),
        // Events (reactions, edits, ...) are shown beside their messages, not as lines.
        ne(messages.direction, "event"),
        until === null ? undefined : lte(messages.createdAt, until),
      ),
    )
    .orderBy(desc(messages.id))
    .limit(limit)
    .all()
    .reverse();
}

/**
 * The conversation's words for a handoff summary, oldest first: the last `limit` messages with
 * text. Events, reactions, failed sends (the customer never read them) and the service's own
 * notices (bridge message, opt-out confirmation) are left out: they say nothing about the case.
 */
export function summaryLines(db: Db, conversationId: ConversationId, limit = 60): SummaryLine[] {
  return (
    prepared(
      db,
      `SELECT direction, author, text FROM messages
       WHERE conversation_id = ? AND direction <> 'event' AND kind <> 'reaction'
         AND text <> '' AND (direction = 'in' OR status IS NULL OR status <> 'failed')
         AND (direction = 'in' OR author IS NULL OR author <> 'system')
       ORDER BY id DESC LIMIT ?`,
    ).all(conversationId, limit) as {
      direction: "in" | "out";
      author: string | null;
      text: string;
    }[]
  )
    .reverse()
    .map((m) => ({
      from: m.direction === "in" ? "customer" : m.author === "agent" ? "agent" : "bot",
      text: m.text,
    }));
}

/** The outbound message a Slack message originated (agent replies), if any. */
export function messageBySlackTs(db: Db, channel: string, ts: string) {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.slackChannel, channel), eq(messages.slackTs, ts)))
    .orderBy(asc(messages.id))
    .get();
}

/**
 * Whether a handoff in `channel` may have posted its thread root without recording it yet: a
 * thread row there whose root ts is still null. The handoff job writes the row before it posts
 * the root and records the ts in its commit, so a root posted by a run that crashed or lost
 * Slack's answer is in exactly this state until the retry finds it. (A handoff job without such
 * a row has not posted anything; a reopened thread keeps its recorded root.)
 */
export function unrecordedRootIn(db: Db, channel: string): boolean {
  return (
    preparedQuery(db, "slack.unrecordedRootIn", () =>
      db
        .select({ id: slackThreads.id })
        .from(slackThreads)
        .where(
          and(eq(slackThreads.channel, sql.placeholder("channel")), isNull(slackThreads.rootTs)),
        )
        .limit(1)
        .prepare(),
    ).get({ channel }) !== undefined
  );
}

/** Whether a job with this order key is still pending or running. */
export function hasOpenJobs(db: Db, orderKey: string): boolean {
  return (
    preparedQuery(db, "slack.hasOpenJobs", () =>
      db
        .select({ id: jobs.id })
        .from(jobs)
        .where(
          and(
            eq(jobs.orderKey, sql.placeholder("orderKey")),
            inArray(jobs.state, ["pending", "running"]),
          ),
        )
        .limit(1)
        .prepare(),
    ).get({ orderKey }) !== undefined
  );
}
