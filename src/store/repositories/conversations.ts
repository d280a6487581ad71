import { and, eq, sql } from "drizzle-orm";
import type { ConversationState } from "../../core/conversation.ts";
import type { ContactId, ConversationId } from "../../core/ids.ts";
import type { Db } from "../db.ts";
import { prepared, preparedQuery } from "../prepared.ts";
import { conversations } from "../schema.ts";

export type ConversationRow = typeof conversations.$inferSelect;

const CONVERSATION_COLUMNS = `id, contact_id AS contactId, state, window_ends_at AS windowEndsAt,
  last_customer_message_at AS lastCustomerMessageAt, summary,
  previous_conversation_id AS previousConversationId, created_at AS createdAt,
  updated_at AS updatedAt, closed_at AS closedAt`;

/**
 * The contact's conversation that is not closed, opening a new one when there is none. A new
 * conversation after a closed one links back to it (its summary is useful context).
 */
export function findOrOpenConversation(db: Db, contactId: ContactId, now: number): ConversationRow {
  const open = prepared(
    db,
    `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE contact_id = ? AND state <> 'closed'`,
  ).get(contactId) as ConversationRow | undefined;
  if (open) return open;
  const previous = prepared(db, "SELECT max(id) AS id FROM conversations WHERE contact_id = ?").get(
    contactId,
  ) as { id: ConversationId | null };
  return prepared(
    db,
    `INSERT INTO conversations (contact_id, state, previous_conversation_id, created_at, updated_at)
     VALUES (?, 'bot', ?, ?, ?) RETURNING ${CONVERSATION_COLUMNS}`,
  ).get(contactId, previous.id, now, now) as ConversationRow;
}

/** Records a customer message's timestamp: refreshes the window end and last-message time. */
export function touchCustomerActivity(
  db: Db,
  id: ConversationId,
  windowEndsAt: number,
  lastCustomerMessageAt: number,
  now: number,
): void {
  prepared(
    db,
    `UPDATE conversations SET window_ends_at = ?, last_customer_message_at = ?, updated_at = ?
     WHERE id = ?`,
  ).run(windowEndsAt, lastCustomerMessageAt, now, id);
}

/** Loads a conversation by id. */
export function getConversation(db: Db, id: ConversationId): ConversationRow | undefined {
  return preparedQuery(db, "getConversation", () =>
    db
      .select()
      .from(conversations)
      .where(eq(conversations.id, sql.placeholder("id")))
      .prepare(),
  ).get({ id });
}

/**
 * Moves a conversation to `to` only if it is still in `from` (compare-and-set), so two actors
 * racing on one conversation cannot both win. Returns whether it moved.
 */
export function transitionConversation(
  db: Db,
  id: ConversationId,
  from: ConversationState,
  to: ConversationState,
  now: number,
): boolean {
  const res = db
    .update(conversations)
    .set({ state: to, updatedAt: now, ...(to === "closed" ? { closedAt: now } : {}) })
    .where(and(eq(conversations.id, id), eq(conversations.state, from)))
    .run();
  return res.changes === 1;
}

/** The contact's open conversation, else its newest one; null when it has none. */
export function latestConversationId(db: Db, contactId: ContactId): ConversationId | null {
  const row = prepared(
    db,
    `SELECT id FROM conversations WHERE contact_id = ?
     ORDER BY (state <> 'closed') DESC, id DESC LIMIT 1`,
  ).get(contactId) as { id: ConversationId } | undefined;
  return row?.id ?? null;
}
