import { type BurstPolicy, burstWaitMs } from "../core/burst.ts";
import { aiMayAnswer } from "../core/conversation.ts";
import type { ConversationId, MessageId } from "../core/ids.ts";
import { noopObserver, type Observer } from "../http/observer.ts";
import type { JobHandler } from "../jobs/types.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { getConversation } from "../store/repositories/conversations.ts";
import { markHandled, unhandledInbound } from "../store/repositories/messages.ts";
import type { GraphClient } from "../whatsapp/graph/client.ts";
import type { TurnEffects, TurnProcessor } from "./types.ts";

export interface TurnJobPayload {
  conversationId: ConversationId;
}

export interface TurnJobDeps {
  db: Db;
  graph: Pick<GraphClient, "markRead">;
  processor: TurnProcessor;
  logger: Logger;
  /** How long the AI waits for a customer to finish typing (none: answer at once). */
  burst?: BurstPolicy;
  /** Told of each AI reply queued and each handoff, once, after the commit (default: nobody). */
  observer?: Pick<Observer, "aiReply" | "escalation">;
  now?: () => number;
}

/**
 * The `turn` job: takes the conversation's unhandled customer messages, waits (by rescheduling
 * itself) while the customer is still typing a burst to the AI, asks for the newest to be marked
 * read on an AI turn (the blue ticks tell the customer we got it; never waited for, never
 * failing the turn), hands the turn to the processor, and
 * commits the processor's writes together with "handled" and the job's completion. A turn for a
 * person is marked read by the Slack mirror, once the message is in the thread.
 */
export function createTurnJob(deps: TurnJobDeps): JobHandler<TurnJobPayload> {
  return async (job, ctx) => {
    const conversation = getConversation(deps.db, job.payload.conversationId);
    if (!conversation) {
      deps.logger.warn(
        { conversationId: job.payload.conversationId },
        "turn for an unknown conversation: nothing to do",
      );
      return;
    }
    const messages = unhandledInbound(deps.db, conversation.id);
    // An earlier turn of a burst may already have handled everything.
    if (messages.length === 0) return;
    if (deps.burst) {
      const waitMs = burstWaitMs(
        deps.burst,
        {
          state: conversation.state,
          queuedAt: job.createdAt,
          newestArrivedAt: Math.max(...messages.map((m) => m.createdAt)),
        },
        (deps.now ?? Date.now)(),
      );
      if (waitMs > 0)
        return { type: "reschedule", delayMs: waitMs, reason: "customer still typing (burst)" };
    }
    const newest = messages.at(-1)!.waMessageId;
    // For the AI the blue ticks come first (the customer sees we got it while the model thinks).
    // A read receipt never blocks an answer: it is not awaited, and a failure (even a transient
    // one) is logged and dropped rather than retried: it is a courtesy, and the next answered
    // message's receipt marks this one read too. (Stopping the turn for it once left customers
    // without an answer after a Graph outage outlived the turn's retries.)
    if (aiMayAnswer(conversation.state) && newest) void markRead(newest, conversation.id);
    const apply = await deps.processor.process({ conversation, messages }, ctx.signal);
    const done: { effects: TurnEffects | undefined } = { effects: undefined };
    ctx.commit(() => {
      done.effects = apply?.() ?? undefined;
      markHandled(
        deps.db,
        messages.map((m) => m.id as MessageId),
        Date.now(),
      );
    });
    // Counted after the commit, which also completed the job: a run that failed or lost its
    // lease threw above, and a completed turn never runs again, so each reply and handoff is
    // observed once.
    const observer = deps.observer ?? noopObserver;
    const { aiReply, handoff } = done.effects ?? {};
    if (aiReply) {
      // From the newest message: the customer's wait once they stopped writing (the burst wait
      // and the model calls), not the time they spent typing a burst.
      const arrived = Math.max(...messages.map((m) => m.createdAt));
      observer.aiReply(aiReply.tier, ((deps.now ?? Date.now)() - arrived) / 1000);
    }
    if (handoff) observer.escalation(handoff.reason);
  };

  async function markRead(waMessageId: string, conversationId: number) {
    try {
      await deps.graph.markRead(waMessageId);
    } catch (err) {
      deps.logger.warn({ err, conversationId }, "could not mark message as read; continuing");
    }
  }
}
