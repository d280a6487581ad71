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

/** Burst handling: customer messages this close together are answered as one turn. */
export interface IngestOptions {
  burstMs: number;
  /** A turn is never delayed more than this after its first message, however chatty the burst. */
  maxBurstMs: number;
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
  /** When the earliest turn this delivery queued or moved is due (null: none). */
  nextTurnAt: number | null;
}

/**
 * Stores one webhook delivery in a single transaction: contacts upserted, conversations found or
 * opened, new messages inserted (known WhatsApp ids skipped), windows refreshed from the
 * messages' own timestamps, statuses and template updates applied, and one turn job per
 * conversation queued (or its start pushed back while a burst is still arriving).
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
    const at = scheduleTurn(db, conversationId, state === "bot" ? opts.burstMs : 0, opts, now);
    result.nextTurnAt = Math.min(result.nextTurnAt ?? at, at);
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
 * Queues the conversation's next turn `burstMs` from now. If a turn is queued and has not
 * started yet, it is pushed back instead, so a burst of messages becomes one turn; the push is
 * capped at `maxBurstMs` after that turn was queued so a steady stream still gets answers.
 */
function scheduleTurn(
  db: Db,
  conversationId: ConversationId,
  burstMs: number,
  opts: IngestOptions,
  now: number,
): number {
  const key = conversationKey(conversationId);
  // One statement for the common case (a turn of this burst is already waiting): push it back.
  const pushed = prepared(
    db,
    `UPDATE jobs SET run_at = max(run_at, min(@candidate, created_at + @maxBurst)), updated_at = @now
     WHERE id = (SELECT id FROM jobs
                 WHERE order_key = @key AND kind = 'turn' AND state = 'pending' AND attempts = 0
                 ORDER BY id DESC LIMIT 1)
     RETURNING run_at AS runAt`,
  ).get({ candidate: now + burstMs, maxBurst: opts.maxBurstMs, now, key }) as
    | { runAt: number }
    | undefined;
  if (pushed) return pushed.runAt;
  enqueueJob(
    db,
    {
      kind: "turn",
      payload: { conversationId },
      orderKey: key,
      runAt: now + burstMs,
      maxAttempts: opts.maxAttempts,
    },
    now,
  );
  return now + burstMs;
}
