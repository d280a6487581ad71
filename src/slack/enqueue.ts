import type { ConversationId, MessageId } from "../core/ids.ts";
import { slackKey } from "../jobs/keys.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";

/** Payload of `slack.post`: a message in the conversation's thread. */
export interface SlackPostPayload {
  conversationId: ConversationId;
  text: string;
  blocks?: unknown[];
  /** Record the posted ts on this WhatsApp message (mirrored customer messages). */
  linkMessageId?: MessageId;
  /** Once posted, mark this WhatsApp message (and those before it) read. */
  markRead?: string;
}

/** Payload of `slack.mirror_media`: a customer's media file for the thread. */
export interface SlackMirrorMediaPayload {
  conversationId: ConversationId;
  messageId: MessageId;
  /** Once in the thread, mark this WhatsApp message (and those before it) read. */
  markRead?: string;
}

/** Payload of `slack.react`: a delivery-status reaction on an agent's message. */
export interface SlackReactPayload {
  conversationId: ConversationId;
  channel: string;
  ts: string;
  name: string;
}

/** Queues a post into the conversation's thread, in order with its other Slack jobs. */
export function enqueueThreadPost(
  db: Db,
  p: SlackPostPayload,
  dedupeKey?: string,
  now = Date.now(),
) {
  return enqueueJob(
    db,
    {
      kind: "slack.post",
      payload: p,
      orderKey: slackKey(p.conversationId),
      dedupeKey: dedupeKey ?? null,
    },
    now,
  );
}

/** Queues a refresh of the thread's root message (status line, buttons, window). */
export function enqueueRootUpdate(db: Db, conversationId: ConversationId, now = Date.now()) {
  return enqueueJob(
    db,
    { kind: "slack.update_root", payload: { conversationId }, orderKey: slackKey(conversationId) },
    now,
  );
}

/** Queues a reaction (deduplicated per message and reaction). */
export function enqueueReaction(db: Db, p: SlackReactPayload, now = Date.now()) {
  return enqueueJob(
    db,
    {
      kind: "slack.react",
      payload: p,
      orderKey: slackKey(p.conversationId),
      dedupeKey: `react:${p.channel}:${p.ts}:${p.name}`,
    },
    now,
  );
}

/** Queues the upload of a customer's media file into the thread. */
export function enqueueMediaMirror(db: Db, p: SlackMirrorMediaPayload, now = Date.now()) {
  return enqueueJob(
    db,
    {
      kind: "slack.mirror_media",
      payload: p,
      orderKey: slackKey(p.conversationId),
      dedupeKey: `mirror-media:${p.messageId}`,
    },
    now,
  );
}
