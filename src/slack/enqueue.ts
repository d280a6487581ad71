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
  /**
   * Post in this thread instead of the conversation's current one: the old thread after the
   * conversation moved to another channel (its pointer to the new one).
   */
  at?: { channel: string; threadTs: string };
}

/** Payload of `slack.mirror_media`: a customer's media file for the thread. */
export interface SlackMirrorMediaPayload {
  conversationId: ConversationId;
  messageId: MessageId;
  /** Once in the thread, mark this WhatsApp message (and those before it) read. */
  markRead?: string;
}

/**
 * Payload of `slack.react`: a delivery-status reaction on an agent's message, or the customer's
 * own WhatsApp reaction on the Slack message showing what they reacted to.
 */
export interface SlackReactPayload {
  conversationId: ConversationId;
  channel: string;
  ts: string;
  name: string;
  /** Take the reaction away (the customer removed theirs). */
  remove?: boolean;
  /** Posted in the thread instead when Slack does not know the emoji (`invalid_name`). */
  fallbackText?: string;
}

/** Payload of `slack.mark_message`: redraw a mirrored customer message as edited or deleted. */
export interface SlackMarkPayload {
  conversationId: ConversationId;
  channel: string;
  ts: string;
  mark: { deleted: true } | { editedTo: string | null };
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

/**
 * Queues a refresh of the thread's root message (status line, buttons, window). Returns the job
 * id, or null when `dedupeKey` was already queued.
 */
export function enqueueRootUpdate(
  db: Db,
  conversationId: ConversationId,
  now = Date.now(),
  dedupeKey?: string,
) {
  return enqueueJob(
    db,
    {
      kind: "slack.update_root",
      payload: { conversationId },
      orderKey: slackKey(conversationId),
      dedupeKey: dedupeKey ?? null,
    },
    now,
  );
}

/**
 * Queues a reaction, deduplicated per message and reaction unless the caller gives its own key
 * (a customer may react, take it back and react again with the same emoji).
 */
export function enqueueReaction(
  db: Db,
  p: SlackReactPayload,
  now = Date.now(),
  dedupeKey?: string,
) {
  return enqueueJob(
    db,
    {
      kind: "slack.react",
      payload: p,
      orderKey: slackKey(p.conversationId),
      dedupeKey: dedupeKey ?? `react:${p.channel}:${p.ts}:${p.name}`,
    },
    now,
  );
}

/** Queues the redraw of a mirrored customer message the customer edited or deleted. */
export function enqueueMark(db: Db, p: SlackMarkPayload, dedupeKey: string, now = Date.now()) {
  return enqueueJob(
    db,
    { kind: "slack.mark_message", payload: p, orderKey: slackKey(p.conversationId), dedupeKey },
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
