import type { ThreadEventView } from "../core/events.ts";
import type { ConversationId, MessageId } from "../core/ids.ts";
import { slackReactionName } from "../core/reaction-name.ts";
import type { Db } from "../store/db.ts";
import { contextLine, escapeMrkdwn } from "./blocks/index.ts";
import { enqueueMark, enqueueReaction, enqueueThreadPost } from "./enqueue.ts";
import { threadForConversation } from "./store.ts";

/** Whether a handoff thread shows the conversation (asked by ingest before showing an event). */
export function hasThread(db: Db, conversationId: ConversationId): boolean {
  return threadForConversation(db, conversationId) !== undefined;
}

/** A one-line context note in a thread (text is plain: escaped so it cannot ping or link). */
export function eventNote(text: string): { text: string; blocks: unknown[] } {
  const safe = escapeMrkdwn(text);
  return { text: safe, blocks: [contextLine(safe)] };
}

/**
 * Called inside the ingest transaction for an event a person should see: queues, on the
 * conversation's Slack key (so it lands after the messages it refers to), a reaction on the Slack
 * message it concerns, a redraw of a mirrored message the customer edited or deleted, or a
 * context note. Each is deduplicated on the event, so a redelivered webhook shows nothing twice.
 */
export function showEvent(
  db: Db,
  shown: { conversationId: ConversationId; eventId: MessageId; view: ThreadEventView },
  now = Date.now(),
): void {
  const { conversationId, eventId, view } = shown;
  const key = `event:${eventId}`;
  switch (view.type) {
    case "react":
    case "unreact": {
      const name = slackReactionName(view.emoji);
      if (name) {
        enqueueReaction(
          db,
          {
            conversationId,
            channel: view.channel,
            ts: view.ts,
            name,
            ...(view.type === "unreact"
              ? { remove: true }
              : { fallbackText: eventNote(view.fallback).text }),
          },
          now,
          key,
        );
      } else if (view.type === "react") {
        enqueueThreadPost(db, { conversationId, ...eventNote(view.fallback) }, key, now);
      }
      return;
    }
    case "mark":
      enqueueMark(
        db,
        { conversationId, channel: view.channel, ts: view.ts, mark: view.mark },
        key,
        now,
      );
      return;
    case "note":
      enqueueThreadPost(db, { conversationId, ...eventNote(view.text) }, key, now);
      return;
  }
}
