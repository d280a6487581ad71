import { eq } from "drizzle-orm";
import type { ConversationId } from "../core/ids.ts";
import { slackKey } from "../jobs/keys.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { transitionConversation } from "../store/repositories/conversations.ts";
import { conversations } from "../store/schema.ts";

/** Why a conversation went to a human. */
export type HandoffReason =
  /** The customer asked for a person (deterministic trigger). */
  | "customer_request"
  /** The model set `handoff`. */
  | "model_decision"
  /** The model's confidence was under AI_CONFIDENCE_THRESHOLD. */
  | "low_confidence"
  /** Every model stage failed or was skipped by the circuit breaker, and nothing else answered. */
  | "model_unavailable"
  /** No ANTHROPIC_API_KEY and no strong knowledge-base match. */
  | "offline"
  /** The kill switch is off. */
  | "ai_off"
  | "rate_limited"
  | "token_budget";

/** The `handoff` job's payload: everything the Slack side needs to open a thread. */
export interface HandoffPayload {
  conversationId: ConversationId;
  reason: HandoffReason;
  /** More detail (the model's own reason, the error, the trigger's evidence). */
  detail: string | null;
  /** The model's confidence when a decision was made, else null. */
  confidence: number | null;
  /** Rolling summary of the conversation, when there is one. */
  summary: string | null;
  /** The customer's messages of the turn that was handed off. */
  lastCustomerText: string;
  language: "id" | "en";
  /**
   * The responder already sent the customer a message about this handoff (AI off, over a limit,
   * model unavailable): the handler must not send a bridge message. When false, the handler
   * sends the bridge ("a person will reply").
   */
  customerNotified: boolean;
  at: number;
}

/** Effectively unlimited: at the 5-minute backoff cap this is weeks of retrying. */
export const HANDOFF_MAX_ATTEMPTS = 10_000;

/** The job kind the Slack side registers a handler for. */
export const HANDOFF_JOB = "handoff";

/**
 * The handoff seam. Call inside the turn's commit: moves the conversation `bot → escalated`
 * (compare-and-set: false when it is no longer `bot`), records the reason, and queues a durable
 * `handoff` job in the same transaction, first in the conversation's Slack-side queue (the
 * mirrored messages of later turns queue behind it). The Slack side's handler
 * (src/slack/jobs/handoff.ts) opens the thread and sends the bridge message.
 */
export function requestHandoff(db: Db, payload: HandoffPayload): boolean {
  if (!transitionConversation(db, payload.conversationId, "bot", "escalated", payload.at))
    return false;
  db.update(conversations)
    .set({ handoffReason: payload.reason, handoffAt: payload.at })
    .where(eq(conversations.id, payload.conversationId))
    .run();
  enqueueHandoffJob(db, payload);
  return true;
}

/**
 * Queues the `handoff` job alone, for a conversation already with a person whose thread must be
 * (re)opened, e.g. moved to a team's channel: the job posts the root where the thread row says.
 */
export function enqueueHandoffJob(db: Db, payload: HandoffPayload): void {
  enqueueJob(
    db,
    {
      kind: HANDOFF_JOB,
      payload,
      // On the Slack side's queue, ahead of the thread posts the next turns will queue.
      orderKey: slackKey(payload.conversationId),
      dedupeKey: `handoff:${payload.conversationId}:${payload.at}`,
      // A handoff must not be given up: nobody would ever see the conversation. Slack outages
      // are retried with capped backoff; configuration errors are rescheduled by the job.
      maxAttempts: HANDOFF_MAX_ATTEMPTS,
    },
    payload.at,
  );
}

/**
 * Calls `fn` once the transaction in which {@link requestHandoff} recorded `payload` (and
 * returned true) has committed, and never when it rolled back. For a caller inside a transaction
 * it does not end itself: a dead turn's handler runs in the job runner's death transaction,
 * which rolls back (and the turn dies again later) if anything in it throws, so counting the
 * handoff there could count it twice. Transactions are synchronous (src/store/tx.ts), so by the
 * next microtask this one has ended, and the conversation's row says whether it kept this
 * handoff (its `handoff_at` is this handoff's time only if the write was committed).
 */
export function whenHandoffCommitted(
  db: Db,
  payload: Pick<HandoffPayload, "conversationId" | "reason" | "at">,
  fn: () => void,
): void {
  queueMicrotask(() => {
    let kept: unknown;
    try {
      kept = prepared(
        db,
        "SELECT 1 FROM conversations WHERE id = ? AND handoff_at = ? AND handoff_reason = ?",
      ).get(payload.conversationId, payload.at, payload.reason);
    } catch {
      // The database was closed meanwhile (shutdown): the observation is lost with the process.
      return;
    }
    if (kept) fn();
  });
}
