import { aiMayAnswer } from "../core/conversation.ts";
import type { ConversationId, MessageId } from "../core/ids.ts";
import { detectLanguage } from "../core/language.ts";
import type { ClaimedJob } from "../jobs/types.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { type ConversationRow, getConversation } from "../store/repositories/conversations.ts";
import { markHandled, unhandledInbound } from "../store/repositories/messages.ts";
import { applyOptOutTurn } from "./opt-out.ts";
import type { TurnJobPayload } from "./turn-job.ts";

/** What a dead turn hands over: the customer's unanswered messages. */
export interface DeadTurn {
  conversation: ConversationRow;
  /** The customer's messages, as one text (for the handoff's summary). */
  customerText: string;
  language: "id" | "en";
  /** Why the turn died (the job's last error). */
  error: string;
  at: number;
}

export interface TurnDeadDeps {
  db: Db;
  logger: Logger;
  /**
   * Hands an AI conversation to a person (service.ts: `requestHandoff`, which opens the Slack
   * thread and tells the customer someone will reply). False when it was no longer the AI's.
   */
  handOff(turn: DeadTurn): boolean;
  /** Posts a notice in the conversation's Slack thread; false when it has no thread. */
  notifyThread(conversationId: ConversationId, text: string): boolean;
  now?: () => number;
}

/**
 * What a dead `turn` leaves behind, in the transaction that marks it dead. The customer is never
 * left without anyone answering: an AI turn (the model or Graph kept failing past the retry
 * budget) becomes a handoff, committed like a turn that decided to hand off (the messages are
 * handled: the thread's root shows them); a turn of a conversation a person handles (its
 * messages were not mirrored) leaves the messages unhandled, so the customer's next message
 * mirrors them too, and says so in the thread.
 */
export function createTurnDeadHandler(deps: TurnDeadDeps) {
  return (job: ClaimedJob<TurnJobPayload>, error: string) => {
    const conversationId = job.payload.conversationId;
    const conversation = getConversation(deps.db, conversationId);
    if (!conversation) return;
    const messages = unhandledInbound(deps.db, conversation.id);
    if (messages.length === 0) return;
    const at = (deps.now ?? Date.now)();
    const customerText = messages.map((m) => m.text || `[${m.kind}]`).join("\n");
    if (aiMayAnswer(conversation.state)) {
      const handed = deps.handOff({
        conversation,
        customerText,
        language: detectLanguage(customerText),
        error,
        at,
      });
      if (handed) {
        // The messages count as handled, so the opt-out rule applies to them here: a customer
        // who wrote again after a STOP lifts it (else the bridge message would be held back).
        applyOptOutTurn(deps.db, {
          conversationId: conversation.id as ConversationId,
          contactId: conversation.contactId,
          texts: messages.map((m) => m.text),
          now: at,
        });
        markHandled(
          deps.db,
          messages.map((m) => m.id as MessageId),
          at,
        );
        deps.logger.error(
          { conversationId, jobId: job.id, alert: "operator" },
          "the AI could not answer within the retry budget; the conversation was handed to a person",
        );
        return;
      }
    }
    const shown = deps.notifyThread(
      conversationId,
      `:warning: ${messages.length} customer message(s) could not be shown here (${error}). They will appear with the customer's next message; please check the WhatsApp chat.`,
    );
    deps.logger.error(
      { conversationId, jobId: job.id, alert: "operator", notified: shown },
      "a turn died; its customer messages stay unhandled",
    );
  };
}

/** The part of a Slack mirror job's payload the dead handler reads. */
interface MirrorPayload {
  conversationId: ConversationId;
  /** `slack.post` of a customer message. */
  linkMessageId?: MessageId;
  /** `slack.mirror_media`. */
  messageId?: MessageId;
}

/**
 * What a dead `slack.post` / `slack.mirror_media` leaves behind: when it carried a mirrored
 * customer message, an operator alert naming it (the message keeps `slack_ts` null, so it can
 * be found: `SELECT * FROM messages WHERE direction = 'in' AND slack_ts IS NULL`). Another Slack
 * post would most likely die the same way, so nothing more is queued.
 */
export function mirrorDeadHandler(deps: Pick<TurnDeadDeps, "logger">) {
  return (job: ClaimedJob<MirrorPayload>, error: string) => {
    const messageId = job.payload?.linkMessageId ?? job.payload?.messageId;
    if (messageId === undefined) return;
    deps.logger.error(
      {
        alert: "operator",
        jobId: job.id,
        kind: job.kind,
        conversationId: job.payload.conversationId,
        messageId,
      },
      `a customer message was never shown in Slack: ${error}`,
    );
  };
}
