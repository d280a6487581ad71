import { and, asc, eq, sql } from "drizzle-orm";
import type { EventTarget } from "../../core/events.ts";
import type { ConversationId, MessageId } from "../../core/ids.ts";
import type { InboundEvent, InboundMessage, Referral } from "../../core/inbound.ts";
import { type OutboundStatus, statusAdvances } from "../../core/status.ts";
import type { StatusUpdate } from "../../whatsapp/webhook/types.ts";
import type { Db } from "../db.ts";
import { prepared, preparedQuery } from "../prepared.ts";
import { messages } from "../schema.ts";

export type MessageRow = typeof messages.$inferSelect;

/**
 * JSON of a payload to store, never throwing: `JSON.stringify` recurses, and a raw webhook item
 * nested thousands of levels deep (the route cuts those, but this must hold for any caller)
 * overflows the stack with a `RangeError` that would fail the whole delivery. Then, and for
 * anything else that cannot be written (a BigInt, a cycle), the raw item is replaced by a marker
 * and the rest (the normalised content, bounded by the parser) is kept.
 */
const UNSTORABLE = "[raw payload could not be stored]";

function rawJson(raw: unknown): string {
  try {
    return JSON.stringify(raw) ?? "null";
  } catch {
    return JSON.stringify(UNSTORABLE);
  }
}

function payloadJson(payload: Record<string, unknown> & { raw?: unknown }): string {
  try {
    return JSON.stringify(payload);
  } catch {
    try {
      return JSON.stringify({ ...payload, raw: UNSTORABLE });
    } catch {
      return JSON.stringify({ raw: UNSTORABLE });
    }
  }
}

/**
 * Stores an inbound message unless its WhatsApp id is already known; returns the new id or null.
 * `received` messages wait for a turn; `group` messages are kept without one.
 */
export function insertInbound(
  db: Db,
  conversationId: ConversationId,
  msg: InboundMessage,
  now: number,
  status: "received" | "group" = "received",
): MessageId | null {
  const row = prepared(
    db,
    `INSERT INTO messages (conversation_id, direction, wa_message_id, kind, text, payload, status,
       quoted_wa_message_id, wa_timestamp, created_at, updated_at)
     VALUES (?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING id`,
  ).get(
    conversationId,
    msg.waMessageId,
    msg.content.kind,
    msg.text,
    payloadJson({
      content: msg.content,
      context: msg.context,
      ...(msg.referral ? { referral: msg.referral } : {}),
      ...(msg.groupId ? { groupId: msg.groupId } : {}),
      raw: msg.raw,
    }),
    status,
    msg.context?.quotedId ?? null,
    msg.sentAt,
    now,
    now,
  ) as { id: MessageId } | undefined;
  return row?.id ?? null;
}

/** Inbound messages of a conversation no turn has handled yet, oldest first. */
export function unhandledInbound(db: Db, conversationId: ConversationId): MessageRow[] {
  return preparedQuery(db, "unhandledInbound", () =>
    db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.conversationId, sql.placeholder("conversationId")),
          eq(messages.direction, "in"),
          eq(messages.status, "received"),
        ),
      )
      .orderBy(asc(messages.waTimestamp), asc(messages.id))
      .prepare(),
  ).all({ conversationId });
}

/** Marks inbound messages as handled by a turn. */
export function markHandled(db: Db, ids: MessageId[], now: number): void {
  const mark = prepared(
    db,
    "UPDATE messages SET status = 'handled', updated_at = ? WHERE id = ? AND status = 'received'",
  );
  for (const id of ids) mark.run(now, id);
}

/** The outcome of applying one status report. */
export type StatusApplied = "applied" | "duplicate" | "stale" | "unknown_message";

/**
 * Records a status report (deduplicated on message id + status) and moves the matching outbound
 * message forward; never backwards, and `failed` keeps its code, title and details. A report for
 * a message we do not know yet is kept in status_events and applied when the send records its id.
 */
export function applyStatus(db: Db, update: StatusUpdate, now: number): StatusApplied {
  const err = update.errors[0];
  const code = err?.code ?? null;
  const title = err?.title ?? err?.message ?? null;
  const detail = err?.details ?? null;
  const inserted = prepared(
    db,
    `INSERT INTO status_events (wa_message_id, status, at, callback_data, error_code, error_title,
       error_detail, payload, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
  ).get(
    update.waMessageId,
    update.status,
    update.at,
    update.callbackData,
    code,
    title,
    detail,
    rawJson(update.raw ?? null),
    now,
  );
  if (!inserted) return "duplicate";
  const msg = prepared(
    db,
    "SELECT id, status FROM messages WHERE wa_message_id = ? AND direction = 'out'",
  ).get(update.waMessageId) as { id: MessageId; status: OutboundStatus } | undefined;
  if (!msg) return "unknown_message";
  if (!statusAdvances(msg.status, update.status)) return "stale";
  const failed = update.status === "failed";
  prepared(
    db,
    `UPDATE messages SET status = ?, status_at = ?, updated_at = ?,
       error_code = CASE WHEN ? THEN ? ELSE error_code END,
       error_title = CASE WHEN ? THEN ? ELSE error_title END,
       error_detail = CASE WHEN ? THEN ? ELSE error_detail END
     WHERE id = ?`,
  ).run(update.status, update.at, now, +failed, code, +failed, title, +failed, detail, msg.id);
  return "applied";
}

/** Loads a message by id. */
export function getMessage(db: Db, id: MessageId): MessageRow | undefined {
  return preparedQuery(db, "getMessage", () =>
    db
      .select()
      .from(messages)
      .where(eq(messages.id, sql.placeholder("id")))
      .prepare(),
  ).get({ id });
}

/** Loads a message by its WhatsApp id. */
export function messageByWaId(db: Db, waMessageId: string): MessageRow | undefined {
  return db.select().from(messages).where(eq(messages.waMessageId, waMessageId)).get();
}

/**
 * Stores an event (direction `event`, status `event`: no turn ever takes it) unless its WhatsApp
 * id is already known; the message it refers to is kept in `quoted_wa_message_id`. Returns the
 * new id or null for a duplicate.
 */
export function insertEvent(
  db: Db,
  conversationId: ConversationId,
  event: InboundEvent,
  targetId: string | null,
  now: number,
): MessageId | null {
  const row = prepared(
    db,
    `INSERT INTO messages (conversation_id, direction, wa_message_id, kind, text, payload, status,
       quoted_wa_message_id, wa_timestamp, created_at, updated_at)
     VALUES (?, 'event', ?, ?, ?, ?, 'event', ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING id`,
  ).get(
    conversationId,
    event.waMessageId,
    event.event.kind,
    event.text,
    payloadJson({ event: event.event, raw: event.raw }),
    targetId,
    event.sentAt,
    now,
    now,
  ) as { id: MessageId } | undefined;
  return row?.id ?? null;
}

/** The message an event refers to, with where it shows in Slack. */
export function eventTarget(
  db: Db,
  waMessageId: string,
): { conversationId: ConversationId; target: EventTarget } | undefined {
  const row = prepared(
    db,
    `SELECT conversation_id AS conversationId, direction, author, kind, text,
            slack_channel AS slackChannel, slack_ts AS slackTs
     FROM messages WHERE wa_message_id = ? AND direction <> 'event'`,
  ).get(waMessageId) as
    | {
        conversationId: ConversationId;
        direction: "in" | "out";
        author: EventTarget["author"];
        kind: string;
        text: string;
        slackChannel: string | null;
        slackTs: string | null;
      }
    | undefined;
  if (!row) return undefined;
  return {
    conversationId: row.conversationId,
    target: {
      direction: row.direction,
      author: row.author,
      kind: row.kind,
      text: row.text,
      slack:
        row.slackChannel && row.slackTs ? { channel: row.slackChannel, ts: row.slackTs } : null,
    },
  };
}

/** The emoji of the customer's latest reaction to a message before event `before`, if any. */
export function previousReaction(db: Db, targetId: string, before: MessageId): string | null {
  const rows = prepared(
    db,
    `SELECT payload FROM messages
     WHERE quoted_wa_message_id = ? AND direction = 'event' AND kind = 'reaction' AND id < ?
     ORDER BY id DESC LIMIT 1`,
  ).all(targetId, before) as { payload: string }[];
  const payload = rows[0]
    ? (JSON.parse(rows[0].payload) as { event?: { emoji?: string | null } })
    : null;
  return payload?.event?.emoji ?? null;
}

/** How many of the newest customer messages are searched for an ad referral. */
export const REFERRAL_LOOKBACK = 50;

/**
 * The click-to-WhatsApp ad of the conversation's newest customer message that carried one, among
 * its last {@link REFERRAL_LOOKBACK} customer messages: every turn asks, so the cost must not
 * grow with the conversation (and an ad clicked 50 messages ago no longer explains the chat).
 */
export function latestReferral(db: Db, conversationId: ConversationId): Referral | null {
  const row = prepared(
    db,
    `SELECT json_extract(payload, '$.referral') AS referral FROM (
       SELECT payload, id FROM messages
       WHERE conversation_id = ? AND direction = 'in'
       ORDER BY id DESC LIMIT ${REFERRAL_LOOKBACK})
     WHERE json_extract(payload, '$.referral') IS NOT NULL
     ORDER BY id DESC LIMIT 1`,
  ).get(conversationId) as { referral: string } | undefined;
  if (!row) return null;
  try {
    return JSON.parse(row.referral) as Referral;
  } catch {
    return null;
  }
}
