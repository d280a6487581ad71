import { eq } from "drizzle-orm";
import type { ConversationId } from "../core/ids.ts";
import { isWindowOpen } from "../core/window.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { JobHandler } from "../jobs/types.ts";
import type { Logger } from "../logger.ts";
import { queueOutbound } from "../outbound/queue.ts";
import type { Db } from "../store/db.ts";
import { getConversation, transitionConversation } from "../store/repositories/conversations.ts";
import { conversations } from "../store/schema.ts";
import { conversationKey } from "../whatsapp/ingest.ts";
import { canned } from "./canned.ts";

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

/** The job kind the Slack side registers a handler for. */
export const HANDOFF_JOB = "handoff";

/**
 * The handoff seam. Call inside the turn's commit: moves the conversation `bot → escalated`
 * (compare-and-set: false when it is no longer `bot`), records the reason, and queues a durable
 * `handoff` job in the same transaction, ordered after the messages queued before it. The Slack
 * side registers the real handler for that job (thread, summary, buttons, bridge message);
 * without it {@link createDefaultHandoffJob} logs it and sends a plain bridge message.
 */
export function requestHandoff(db: Db, payload: HandoffPayload): boolean {
  if (!transitionConversation(db, payload.conversationId, "bot", "escalated", payload.at))
    return false;
  db.update(conversations)
    .set({ handoffReason: payload.reason, handoffAt: payload.at })
    .where(eq(conversations.id, payload.conversationId))
    .run();
  enqueueJob(
    db,
    {
      kind: HANDOFF_JOB,
      payload,
      orderKey: conversationKey(payload.conversationId),
      dedupeKey: `handoff:${payload.conversationId}:${payload.at}`,
    },
    payload.at,
  );
  return true;
}

/**
 * The default `handoff` handler until the Slack side plugs in: logs the handoff and, unless the
 * responder already told the customer, queues a short bridge message ("a person will reply")
 * so that a handed-off customer is never left in silence.
 */
export function createDefaultHandoffJob(deps: {
  db: Db;
  logger: Logger;
  now?: () => number;
}): JobHandler<HandoffPayload> {
  const clock = deps.now ?? Date.now;
  return async (job, ctx) => {
    const p = job.payload;
    deps.logger.info(
      {
        conversationId: p.conversationId,
        reason: p.reason,
        detail: p.detail,
        confidence: p.confidence,
      },
      "conversation handed off to a human (no Slack handler registered)",
    );
    if (p.customerNotified) return;
    const now = clock();
    ctx.commit(() => {
      const conversation = getConversation(deps.db, p.conversationId);
      if (!conversation || !isWindowOpen(conversation.windowEndsAt, now)) return;
      queueOutbound(
        deps.db,
        {
          conversationId: p.conversationId,
          author: "system",
          content: { kind: "text", body: canned("handoff", p.language) },
        },
        now,
      );
    });
  };
}
