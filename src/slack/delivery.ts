import type { ConversationId, MessageId } from "../core/ids.ts";
import { OPTED_OUT_REASON } from "../core/opt-out.ts";
import { WINDOW_CLOSED_CODE } from "../outbound/send-job.ts";
import type { OutboundContent } from "../outbound/types.ts";
import type { Db } from "../store/db.ts";
import { getConversation } from "../store/repositories/conversations.ts";
import { getMessage, messageByWaId } from "../store/repositories/messages.ts";
import type { StatusUpdate } from "../whatsapp/webhook/types.ts";
import { deliveryReaction, threadNotice } from "./blocks/index.ts";
import { enqueueReaction, enqueueThreadPost } from "./enqueue.ts";
import { threadForConversation } from "./store.ts";

/**
 * Called inside the ingest transaction when a status moved an outbound message forward: the
 * agent's Slack message gets a reaction (sent, delivered, read), and a failure is explained in
 * the thread in plain words with its code.
 */
export function onStatusApplied(db: Db, update: StatusUpdate): void {
  const msg = messageByWaId(db, update.waMessageId);
  if (!msg) return;
  const messageId = msg.id as MessageId;
  const conversationId = msg.conversationId as ConversationId;
  if (msg.slackChannel && msg.slackTs && update.status !== "played") {
    enqueueReaction(db, {
      conversationId,
      channel: msg.slackChannel,
      ts: msg.slackTs,
      name: deliveryReaction(update.status),
    });
  }
  if (update.status === "failed") {
    const err = update.errors[0];
    notifyFailure(
      db,
      conversationId,
      messageId,
      err?.code ?? null,
      err?.details ?? err?.title ?? "delivery failed",
    );
  }
}

/** Explains a failed send in the conversation's thread (if it has one). */
export function notifyFailure(
  db: Db,
  conversationId: ConversationId,
  messageId: MessageId,
  code: number | null,
  reason: string,
): void {
  const thread = threadForConversation(db, conversationId);
  if (!thread?.rootTs) return;
  const windowEndsAt = getConversation(db, conversationId)?.windowEndsAt ?? Date.now();
  const notice =
    code === WINDOW_CLOSED_CODE
      ? threadNotice({ kind: "window_closed", windowEndsAt, conversationId })
      : code === null && reason === OPTED_OUT_REASON
        ? optedOutNotice(db, messageId)
        : threadNotice({ kind: "delivery_failed", code, reason });
  enqueueThreadPost(db, { conversationId, ...notice }, `failed:${messageId}`);
}

/** The notice for a message the send job held back because the customer opted out. */
function optedOutNotice(db: Db, messageId: MessageId) {
  const msg = getMessage(db, messageId);
  const content = msg?.payload as OutboundContent | undefined;
  return content?.kind === "template"
    ? threadNotice({
        kind: "not_sent_opted_out",
        what: "template",
        templateName: content.template.name,
      })
    : threadNotice({
        kind: "not_sent_opted_out",
        what: msg?.author === "agent" ? "reply" : "message",
      });
}
