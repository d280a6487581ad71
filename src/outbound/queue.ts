import type { ConversationId, MessageId } from "../core/ids.ts";
import { conversationKey } from "../jobs/keys.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import { messages } from "../store/schema.ts";
import { type OutboundAuthor, type OutboundContent, outboundText } from "./types.ts";

export interface QueueOutboundInput {
  conversationId: ConversationId;
  content: OutboundContent;
  author: OutboundAuthor;
  /** Quote this customer message (its wamid). */
  replyTo?: string | null;
  maxAttempts?: number;
}

/**
 * Records an outbound message as `queued` and its `send` job, in the caller's transaction: the
 * message is never lost (the job exists as soon as the message does) and is sent in order with the
 * conversation's other jobs.
 */
export function queueOutbound(db: Db, input: QueueOutboundInput, now = Date.now()): MessageId {
  const row = db
    .insert(messages)
    .values({
      conversationId: input.conversationId,
      direction: "out",
      author: input.author,
      kind: input.content.kind,
      text: outboundText(input.content),
      payload: input.content,
      status: "queued",
      quotedWaMessageId: input.replyTo ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning({ id: messages.id })
    .get();
  enqueueJob(
    db,
    {
      kind: "send",
      payload: { messageId: row.id },
      orderKey: conversationKey(input.conversationId),
      dedupeKey: `send:${row.id}`,
      ...(input.maxAttempts ? { maxAttempts: input.maxAttempts } : {}),
    },
    now,
  );
  return row.id;
}

/** The value we put in `biz_opaque_callback_data` so status webhooks name our message. */
export const callbackDataFor = (id: MessageId) => `msg:${id}`;
