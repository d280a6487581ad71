import type { ConversationState } from "../core/conversation.ts";
import { planEvent, type ThreadEventView } from "../core/events.ts";
import type { ConversationId, MessageId } from "../core/ids.ts";
import type { InboundEvent, InboundMessage, Sender } from "../core/inbound.ts";
import { refreshWindow } from "../core/window.ts";
import { conversationKey } from "../jobs/keys.ts";
import { enqueueJob, wakeSendJob } from "../jobs/repository.ts";
import { messageIdOfCallback } from "../outbound/queue.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { moveContact, upsertContact } from "../store/repositories/contacts.ts";
import {
  type ConversationRow,
  findOrOpenConversation,
  getConversation,
  latestConversationId,
  touchCustomerActivity,
} from "../store/repositories/conversations.ts";
import {
  applyStatus,
  eventTarget,
  insertEvent,
  insertInbound,
  previousReaction,
  type StatusApplied,
} from "../store/repositories/messages.ts";
import { upsertTemplateStatus } from "../store/repositories/templates.ts";
import { inTransaction } from "../store/tx.ts";
import type { NormalizedDelivery, StatusUpdate, TemplateStatusUpdate } from "./webhook/types.ts";

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
  /**
   * Group messages (`group_id`): `store` keeps them without answering or escalating (the
   * default: a group is not a private customer-service chat); `handle` treats them like private
   * messages of their sender.
   */
  groupMessages?: "store" | "handle";
  /** Whether a handoff thread shows the conversation (events are shown only there). */
  hasThread?: (db: Db, conversationId: ConversationId) => boolean;
  /** Called inside the transaction for each new event that has something to show. */
  onEvent?: (db: Db, shown: ShownEvent) => void;
  /** Called for each template status change (inside the transaction), to announce it. */
  onTemplateStatus?: (db: Db, update: TemplateStatusUpdate, now: number) => void;
  /**
   * Offered each customer message first, inside the transaction: a message that answers
   * something the business asked outside a conversation (a tap on a CSAT survey button,
   * src/slack/csat.ts) is stored and acted on there (`taken`, or `duplicate` when its message
   * id is known), so no conversation is found, opened or refreshed for it and no turn is
   * queued. `null`: an ordinary message.
   */
  intercept?: (db: Db, msg: InboundMessage, now: number) => "taken" | "duplicate" | null;
}

/** An event to show in a conversation's thread, decided by `planEvent`. */
export interface ShownEvent {
  conversationId: ConversationId;
  /** The stored event row. */
  eventId: MessageId;
  view: ThreadEventView;
}

/** What one delivery changed, for logs and tests. */
export interface IngestResult {
  inserted: number;
  /** Events stored (reactions, edits, deletions, system notices, ...). */
  events: number;
  /** Group messages stored without a turn. */
  groupStored: number;
  /** Messages taken by `intercept` (survey answers): they may have queued sends and posts. */
  intercepted: number;
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
    events: 0,
    groupStored: 0,
    intercepted: 0,
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
    const taken = opts.intercept?.(db, msg, now) ?? null;
    if (taken === "duplicate") {
      result.duplicates++;
      continue;
    }
    if (taken === "taken") {
      result.intercepted++;
      continue;
    }
    let conversation: OpenConversation | undefined = knownOpenConversation(db, msg.sender);
    if (!conversation) {
      const contact = upsertContact(db, msg.sender, now);
      if (!contact) {
        result.skipped++;
        continue;
      }
      conversation = findOrOpenConversation(db, contact.id, now);
    }
    // A group is not a private chat: stored for the record, never answered or escalated.
    const groupOnly = msg.groupId !== null && opts.groupMessages !== "handle";
    const id = insertInbound(db, conversation.id, msg, now, groupOnly ? "group" : "received");
    if (id === null) {
      result.duplicates++;
      continue;
    }
    if (groupOnly) {
      result.groupStored++;
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
  for (const event of delivery.events) {
    const stored = storeEvent(db, event, opts, now);
    if (stored === "duplicate") result.duplicates++;
    else if (stored === "stored") result.events++;
    else result.skipped++;
  }
  for (const status of delivery.statuses) {
    const applied = applyStatus(db, status, now);
    result.statuses[applied]++;
    if (applied === "applied") opts.onStatusApplied?.(db, status);
    if (applied === "unknown_message") {
      // Our send whose answer was lost (a crash, a timeout): its job may be waiting for this.
      const ours = messageIdOfCallback(status.callbackData);
      if (ours !== null) wakeSendJob(db, ours, now);
    }
  }
  for (const template of delivery.templates) {
    upsertTemplateStatus(db, template, now);
    opts.onTemplateStatus?.(db, template, now);
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

/**
 * Stores one event on the conversation it concerns (the one holding the message it refers to,
 * else the customer's open or latest one) and applies its plan: a number change moves the
 * contact to the new number, and what a person should see is handed to `onEvent`. Nothing here
 * refreshes the window, queues a turn or marks the customer waiting.
 */
function storeEvent(
  db: Db,
  event: InboundEvent,
  opts: IngestOptions,
  now: number,
): "stored" | "duplicate" | "skipped" {
  const contact = upsertContact(db, event.sender, now);
  if (!contact) return "skipped";
  const e = event.event;
  const targetId = "targetId" in e ? e.targetId : null;
  const target = targetId ? eventTarget(db, targetId) : undefined;
  const conversationId =
    target?.conversationId ??
    latestConversationId(db, contact.id) ??
    findOrOpenConversation(db, contact.id, now).id;
  const eventId = insertEvent(db, conversationId, event, targetId, now);
  if (eventId === null) return "duplicate";
  const conversation = getConversation(db, conversationId);
  if (!conversation) return "stored";
  const newNumberTaken =
    e.kind === "number_change" && e.newWaId !== null
      ? prepared(db, "SELECT 1 FROM contacts WHERE wa_id = ? AND id <> ?").get(
          e.newWaId,
          contact.id,
        ) !== undefined
      : false;
  const plan = planEvent(e, {
    state: conversation.state,
    hasThread: opts.hasThread?.(db, conversationId) ?? false,
    target: target?.target ?? null,
    previousEmoji:
      e.kind === "reaction" && e.emoji === null && targetId
        ? previousReaction(db, targetId, eventId)
        : null,
    newNumberTaken,
  });
  if (plan.moveContactTo) moveContact(db, contact.id, plan.moveContactTo, now);
  if (plan.show) opts.onEvent?.(db, { conversationId, eventId, view: plan.show });
  return "stored";
}
