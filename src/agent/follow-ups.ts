import { variableValues } from "../ai/prompt.ts";
import { fillVariables } from "../ai/prompt-file.ts";
import {
  AGENT_ACTION_JOB,
  type AgentActionJobPayload,
  type FollowUp,
} from "../core/agent-config.ts";
import {
  type FollowUpFacts,
  type FollowUpPlan,
  firstFollowUpAt,
  planFollowUp,
} from "../core/follow-ups.ts";
import type { ConversationId, JobId, MessageId } from "../core/ids.ts";
import { conversationKey } from "../jobs/keys.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { JobHandler } from "../jobs/types.ts";
import { lazyChild } from "../lazy-logger.ts";
import type { Logger } from "../logger.ts";
import { queueOutbound } from "../outbound/queue.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { getContactFields } from "../store/repositories/contact-fields.ts";
import { type ContactRow, getContact } from "../store/repositories/contacts.ts";
import { getConversation } from "../store/repositories/conversations.ts";

/** The durable job kind of one follow-up (see src/core/follow-ups.ts). */
export const FOLLOW_UP_JOB = "agent.follow_up";

/** The payload of an `agent.follow_up` job. */
export interface FollowUpJobPayload {
  conversationId: ConversationId;
  /** Position in the configured `followUps` (0 = the first). */
  index: number;
  /**
   * The customer's newest message when the chain was scheduled: any newer one cancels the chain.
   * Null when the customer had not written (not expected: a chain follows an answer to them).
   */
  anchorMessageId: MessageId | null;
  /** When the AI's reply that started the chain was queued: a handoff since then cancels it. */
  startedAt: number;
}

/** One dedupe key per follow-up of a chain, so a retried turn or job schedules it once. */
export const followUpDedupeKey = (
  conversationId: ConversationId,
  anchor: MessageId | null,
  index: number,
) => `follow-up:${conversationId}:${anchor ?? 0}:${index}`;

/** The customer's newest message in the conversation (group messages are not written to us). */
function newestCustomerMessage(db: Db, conversationId: ConversationId): MessageId | null {
  const row = prepared(
    db,
    `SELECT id FROM messages WHERE conversation_id = ? AND direction = 'in' AND status <> 'group'
     ORDER BY id DESC LIMIT 1`,
  ).get(conversationId) as { id: MessageId } | undefined;
  return row?.id ?? null;
}

/**
 * Schedules the first follow-up after the AI's reply queued at `at`, inside the transaction that
 * queues the reply (the responder's turn commit), so the reply and its follow-up commit together.
 * Returns the job id, or null when no follow-up is configured or it was already scheduled for
 * this customer message. An earlier chain of the conversation is not touched: its next job sees
 * the newer customer message and ends (the run-time check is the guarantee; no row update on the
 * reply's path).
 */
export function scheduleFollowUps(
  db: Db,
  followUps: readonly FollowUp[],
  input: { conversationId: ConversationId; at: number },
): JobId | null {
  const runAt = firstFollowUpAt(followUps, input.at);
  if (runAt === null) return null;
  const anchor = newestCustomerMessage(db, input.conversationId);
  const payload: FollowUpJobPayload = {
    conversationId: input.conversationId,
    index: 0,
    anchorMessageId: anchor,
    startedAt: input.at,
  };
  return enqueueJob(
    db,
    {
      kind: FOLLOW_UP_JOB,
      payload,
      // No order key: a job waiting hours for its time must not hold back the conversation's
      // turns and sends (a pending job with a key blocks every later job of that key).
      dedupeKey: followUpDedupeKey(input.conversationId, anchor, 0),
      runAt,
    },
    input.at,
  );
}

/** Reads what {@link planFollowUp} needs, as the conversation is now. */
export function readFollowUpFacts(
  db: Db,
  p: FollowUpJobPayload,
  now: number,
): FollowUpFacts | null {
  const conversation = getConversation(db, p.conversationId);
  if (!conversation) return null;
  const contact = getContact(db, conversation.contactId);
  const newest = prepared(
    db,
    `SELECT created_at AS at FROM messages WHERE conversation_id = ? AND direction IN ('in', 'out')
     ORDER BY id DESC LIMIT 1`,
  ).get(p.conversationId) as { at: number } | undefined;
  const agentWrote =
    prepared(
      db,
      `SELECT 1 FROM messages WHERE conversation_id = ? AND direction = 'out' AND author = 'agent'
       AND created_at >= ? LIMIT 1`,
    ).get(p.conversationId, p.startedAt) !== undefined;
  return {
    index: p.index,
    state: conversation.state,
    optedOut: contact?.optedOutAt != null,
    anchorMessageId: p.anchorMessageId,
    lastCustomerMessageId: newestCustomerMessage(db, p.conversationId),
    personInvolved:
      (conversation.handoffAt !== null && conversation.handoffAt >= p.startedAt) || agentWrote,
    lastMessageAt: newest?.at ?? p.startedAt,
    windowEndsAt: conversation.windowEndsAt,
    now,
  };
}

/**
 * The follow-up's text as the customer reads it: the prompt's `$contact.*` variables filled from
 * the contact and its stored fields, as the customer should see them (a value not known yet is
 * left out, a missing name becomes "Kak" / "there"; see `variableValues`).
 */
export function fillFollowUpText(
  db: Db,
  text: string,
  contact: ContactRow | undefined,
  now: number,
  customFields: readonly string[] = [],
): string {
  if (!contact) return text;
  const language = contact.language === "en" ? "en" : "id";
  return fillVariables(
    text,
    variableValues(contact, language, now, {
      fields: getContactFields(db, contact.id),
      custom: customFields,
      unknown: "customer",
    }),
  );
}

export interface FollowUpJobDeps {
  db: Db;
  /** The prompt's `agent.followUps`, read once at start. */
  followUps: readonly FollowUp[];
  /** The custom contact fields declared in the prompt (`agent.fields`), for `$contact.<field>`. */
  customFields?: readonly string[];
  logger: Logger;
  now?: () => number;
  /** Wakes the runner after the commit, so the queued send goes out at once. */
  wake?: () => void;
}

/**
 * The `agent.follow_up` job: asks the plan and applies it in one `ctx.commit` (the message with
 * its `send` job, the final action as an `agent.action` job, the next follow-up), so a crash or
 * a retry does it exactly once. The facts are read again inside the commit's transaction: a
 * customer message stored while the job ran cannot slip between the check and the send.
 */
export function createFollowUpJob(deps: FollowUpJobDeps): JobHandler<FollowUpJobPayload> {
  const { db, followUps } = deps;
  const clock = deps.now ?? Date.now;
  return async (job, ctx) => {
    const p = job.payload;
    const log = lazyChild(deps.logger, {
      jobId: job.id,
      conversationId: p.conversationId,
      followUp: p.index + 1,
    });
    const before = readFollowUpFacts(db, p, clock());
    if (!before) {
      log.info("follow-up: the conversation no longer exists");
      return;
    }
    const early = planFollowUp(before, followUps);
    if (early.kind === "wait")
      return {
        type: "reschedule",
        delayMs: Math.max(0, early.until - before.now),
        reason: "follow-up: a newer message moved its time",
      };
    let applied: Exclude<FollowUpPlan, { kind: "wait" }> | null = null;
    ctx.commit(() => {
      const at = clock();
      const facts = readFollowUpFacts(db, p, at);
      if (!facts) return;
      const plan = planFollowUp(facts, followUps);
      // Only a message stored between the two reads can do this: run again, and wait then.
      if (plan.kind === "wait") throw new Error("follow-up: a newer message moved its time");
      applied = plan;
      if (plan.kind === "cancel") return;
      if (plan.kind === "send") {
        const contact = getContact(db, getConversation(db, p.conversationId)!.contactId);
        queueOutbound(
          db,
          {
            conversationId: p.conversationId,
            author: "bot",
            content: {
              kind: "text",
              body: fillFollowUpText(db, plan.text, contact, at, deps.customFields),
            },
          },
          at,
        );
      }
      if (plan.action) {
        const payload: AgentActionJobPayload = {
          conversationId: p.conversationId,
          causeMessageId: null,
          source: "follow_up",
          request: plan.action,
        };
        enqueueJob(
          db,
          {
            kind: AGENT_ACTION_JOB,
            payload,
            // After the follow-up's own send (same key): "close" comes after the last word.
            orderKey: conversationKey(p.conversationId),
            dedupeKey: `follow-up-action:${p.conversationId}:${p.anchorMessageId ?? 0}:${p.index}`,
          },
          at,
        );
      }
      if (plan.next) {
        const next: FollowUpJobPayload = { ...p, index: plan.next.index };
        enqueueJob(
          db,
          {
            kind: FOLLOW_UP_JOB,
            payload: next,
            dedupeKey: followUpDedupeKey(p.conversationId, p.anchorMessageId, plan.next.index),
            runAt: plan.next.runAt,
          },
          at,
        );
      }
    });
    const plan = applied as Exclude<FollowUpPlan, { kind: "wait" }> | null;
    if (plan === null) log.info("follow-up: the conversation no longer exists");
    else if (plan.kind === "cancel") log.info({ reason: plan.reason }, "follow-up cancelled");
    else {
      log.info(
        { sent: plan.kind === "send", action: plan.action?.action ?? null, next: plan.next },
        plan.kind === "send"
          ? "follow-up queued"
          : "follow-up not sent: the 24-hour window will be closed (final action still runs)",
      );
      deps.wake?.();
    }
  };
}
