import type { ConversationId, MessageId } from "../core/ids.ts";
import { conversationKey } from "../jobs/keys.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
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
  // A cached statement: this runs for every reply and relayed message (bench/relay).
  const row = prepared(
    db,
    `INSERT INTO messages (conversation_id, direction, author, kind, text, payload, status,
       quoted_wa_message_id, created_at, updated_at)
     VALUES (?, 'out', ?, ?, ?, ?, 'queued', ?, ?, ?) RETURNING id`,
  ).get(
    input.conversationId,
    input.author,
    input.content.kind,
    outboundText(input.content),
    JSON.stringify(input.content),
    input.replyTo ?? null,
    now,
    now,
  ) as { id: MessageId };
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

/** Our message id in a status webhook's `biz_opaque_callback_data`, or null when not ours. */
export function messageIdOfCallback(data: string | null): MessageId | null {
  const m = data === null ? null : /^msg:(\d{1,15})$/.exec(data);
  return m ? (Number(m[1]) as MessageId) : null;
}
