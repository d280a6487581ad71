import type { ConversationState } from "../core/conversation.ts";
import type { ConversationId } from "../core/ids.ts";
import type { Sender } from "../core/inbound.ts";
import { refreshWindow } from "../core/window.ts";
import { conversationKey } from "../jobs/keys.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { upsertContact } from "../store/repositories/contacts.ts";
import {
  type ConversationRow,
  findOrOpenConversation,
  touchCustomerActivity,
} from "../store/repositories/conversations.ts";
import { applyStatus, insertInbound, type StatusApplied } from "../store/repositories/messages.ts";
import { upsertTemplateStatus } from "../store/repositories/templates.ts";
import { inTransaction } from "../store/tx.ts";
import type { NormalizedDelivery, StatusUpdate } from "./webhook/types.ts";

/** How ingest queues turns. */
export interface IngestOptions {
  /**
   * A new turn for the AI is first due this long after its first message; the turn itself waits
   * longer while the burst goes on (see `burstWaitMs`).
   */
  burstMs: number;
  /** Attempts before a turn job is given up as dead. */
  maxAttempts: number;
  /** Called inside the transaction for each status that moved an outbound message forward. */
  onStatusApplied?: (db: Db, update: StatusUpdate) => void;
}

/** What one delivery changed, for logs and tests. */
export interface IngestResult {
  inserted: number;
  duplicates: number;
  skipped: number;
  statuses: Record<StatusApplied, number>;
  templates: number;
  conversations: ConversationId[];
  /** When the earliest turn this delivery queued is due (null: none queued). */
  nextTurnAt: number | null;
}

/**
 * Stores one webhook delivery in a single transaction: contacts upserted, conversations found or
 * opened, new messages inserted (known WhatsApp ids skipped), windows refreshed from the
 * messages' own timestamps, statuses and template updates applied, and one turn job per
 * conversation queued unless one is already waiting (it will take these messages too).
 */
export function ingestDelivery(
  db: Db,
  delivery: NormalizedDelivery,
  opts: IngestOptions,
  now = Date.now(),
): IngestResult {
  return inTransaction(db, () => storeDelivery(db, delivery, opts, now));
}

/** The writes of {@link ingestDelivery}, for a caller that already holds a transaction. */
export function storeDelivery(
  db: Db,
  delivery: NormalizedDelivery,
  opts: IngestOptions,
  now: number,
): IngestResult {
  const result: IngestResult = {
    inserted: 0,
    duplicates: 0,
    skipped: 0,
    statuses: { applied: 0, duplicate: 0, stale: 0, unknown_message: 0 },
    templates: 0,
    conversations: [],
    nextTurnAt: null,
  };
  // Conversation → its state: only the AI waits for a burst to end; a human sees each message.
  const touched = new Map<ConversationId, ConversationState>();
  for (const msg of delivery.messages) {
    let conversation: OpenConversation | undefined = knownOpenConversation(db, msg.sender);
    if (!conversation) {
      const contact = upsertContact(db, msg.sender, now);
      if (!contact) {
        result.skipped++;
        continue;
      }
      conversation = findOrOpenConversation(db, contact.id, now);
    }
    const id = insertInbound(db, conversation.id, msg, now);
    if (id === null) {
      result.duplicates++;
      continue;
    }
    result.inserted++;
    touchCustomerActivity(
      db,
      conversation.id,
      refreshWindow(conversation.windowEndsAt, msg.sentAt),
      Math.max(conversation.lastCustomerMessageAt ?? 0, msg.sentAt),
      now,
    );
    touched.set(conversation.id, conversation.state);
  }
  for (const [conversationId, state] of touched) {
    const at = queueTurn(db, conversationId, state === "bot" ? opts.burstMs : 0, opts, now);
    if (at !== null) result.nextTurnAt = Math.min(result.nextTurnAt ?? at, at);
  }
  for (const status of delivery.statuses) {
    const applied = applyStatus(db, status, now);
    result.statuses[applied]++;
    if (applied === "applied") opts.onStatusApplied?.(db, status);
  }
  for (const template of delivery.templates) {
    upsertTemplateStatus(db, template, now);
    result.templates++;
  }
  result.conversations = [...touched.keys()];
  return result;
}

/** What ingest needs of a customer's open conversation. */
type OpenConversation = Pick<
  ConversationRow,
  "id" | "state" | "windowEndsAt" | "lastCustomerMessageAt"
>;

/**
 * The fast path for a returning customer: contact and open conversation in one query, when the
 * sender brings nothing new to record (same profile name, no newly learnt id). Anything else
 * goes through the full upsert.
 */
function knownOpenConversation(db: Db, sender: Sender): OpenConversation | undefined {
  if (!sender.waId) return undefined;
  const row = prepared(
    db,
    `SELECT c.id, c.state, c.window_ends_at AS windowEndsAt,
            c.last_customer_message_at AS lastCustomerMessageAt,
            k.user_id AS userId, k.profile_name AS profileName
     FROM contacts k JOIN conversations c ON c.contact_id = k.id AND c.state <> 'closed'
     WHERE k.wa_id = ?`,
  ).get(sender.waId) as
    | (OpenConversation & { userId: string | null; profileName: string | null })
    | undefined;
  if (!row) return undefined;
  if (sender.profileName !== null && sender.profileName !== row.profileName) return undefined;
  if (sender.userId !== null && sender.userId !== row.userId) return undefined;
  return row;
}

/**
 * Queues the conversation's next turn `delayMs` from now, unless a turn that has not started yet
 * is already waiting: that one answers these messages too (a burst becomes one turn; the turn
 * itself waits for the burst to end). Returns when the new turn is due, or null if none was
 * queued. A read and, once per turn, an insert: no job row is rewritten per message.
 */
function queueTurn(
  db: Db,
  conversationId: ConversationId,
  delayMs: number,
  opts: IngestOptions,
  now: number,
): number | null {
  const key = conversationKey(conversationId);
  const waiting = prepared(
    db,
    `SELECT 1 FROM jobs
     WHERE order_key = ? AND kind = 'turn' AND state = 'pending' AND attempts = 0 LIMIT 1`,
  ).get(key);
  if (waiting) return null;
  enqueueJob(
    db,
    {
      kind: "turn",
      payload: { conversationId },
      orderKey: key,
      runAt: now + delayMs,
      maxAttempts: opts.maxAttempts,
    },
    now,
  );
  return now + delayMs;
}
