import {
  type CsatSkip,
  csatQuestion,
  csatTapOf,
  csatThanks,
  decideCsatAsk,
  decideCsatTap,
  sameCustomer,
} from "../core/csat.ts";
import type { InboundMessage } from "../core/inbound.ts";
import type { Language } from "../core/language.ts";
import { refreshWindow } from "../core/window.ts";
import { queueOutbound } from "../outbound/queue.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { getContact } from "../store/repositories/contacts.ts";
import {
  type ConversationRow,
  getConversation,
  touchCustomerActivity,
} from "../store/repositories/conversations.ts";
import { createSurvey, recordRating, surveyFor } from "../store/repositories/csat.ts";
import { insertInbound } from "../store/repositories/messages.ts";
import { threadNotice } from "./blocks/index.ts";
import { enqueueThreadPost } from "./enqueue.ts";
import { knownUserName, type ThreadRow, threadForConversation } from "./store.ts";

/** The language the survey and its thank-you are written in: the thread's, else the contact's. */
function surveyLanguage(
  db: Db,
  conversation: ConversationRow,
  thread: ThreadRow | undefined,
): Language {
  if (thread?.language) return thread.language;
  return getContact(db, conversation.contactId)?.language === "en" ? "en" : "id";
}

/**
 * Called by Close inside its transaction, after the state changed: asks the customer for a
 * one-tap rating when the pure rule says so (`decideCsatAsk`). The survey row and the queued
 * button message are written together with the close, so a crash cannot ask twice or never.
 * `thread` is the thread as it was before the close: its agent is the one who handled the
 * conversation (claimed it or replied), not necessarily the one who closed it.
 */
export function askCsatOnClose(
  db: Db,
  conversation: ConversationRow,
  thread: ThreadRow,
  enabled: boolean,
  now: number,
): { asked: true } | { asked: false; why: CsatSkip } {
  const decision = decideCsatAsk(
    {
      enabled,
      humanHandled: thread.agentUserId !== null || thread.firstHumanReplyAt !== null,
      windowEndsAt: conversation.windowEndsAt,
      optedOut: (getContact(db, conversation.contactId)?.optedOutAt ?? null) !== null,
      alreadyAsked: surveyFor(db, conversation.id) !== undefined,
    },
    now,
  );
  if (!decision.ask) return { asked: false, why: decision.why };
  const agentUserId = thread.agentUserId;
  const agentName =
    thread.agentName ?? (agentUserId !== null ? (knownUserName(db, agentUserId) ?? null) : null);
  if (!createSurvey(db, { conversationId: conversation.id, agentUserId, agentName }, now)) {
    return { asked: false, why: "asked" };
  }
  const question = csatQuestion(conversation.id, surveyLanguage(db, conversation, thread));
  queueOutbound(
    db,
    {
      conversationId: conversation.id,
      author: "system",
      content: { kind: "buttons", body: question.body, buttons: question.buttons },
    },
    now,
  );
  return { asked: true };
}

/**
 * Ingest's hook for a customer message, inside the webhook's transaction: a tap on one of our
 * survey buttons is a rating, not a question. It is stored on the surveyed (closed)
 * conversation as handled, so it reopens nothing, starts no conversation and no turn, and never
 * reaches the AI. The first tap is recorded (compare-and-set), thanked once and shown in the
 * thread; a later tap is kept and changes nothing; a redelivered webhook is a duplicate (its
 * message id is known) and changes nothing at all. Returns null for anything else, including
 * a tap naming no survey of this customer, which then goes the normal way so nothing is lost.
 */
export function takeCsatTap(
  db: Db,
  msg: InboundMessage,
  now: number,
): "taken" | "duplicate" | null {
  const tap = csatTapOf(msg.content, msg.groupId);
  if (!tap) return null;
  const conversation = getConversation(db, tap.conversationId);
  const contact = conversation ? getContact(db, conversation.contactId) : undefined;
  if (!conversation || !contact) return null;
  const survey = sameCustomer(contact, msg.sender) ? surveyFor(db, conversation.id) : undefined;
  const decision = decideCsatTap(tap.score, {
    survey: survey ? { rating: survey.rating } : null,
    optedOut: contact.optedOutAt !== null,
  });
  if (decision.action === "not_ours") return null;

  const id = insertInbound(db, conversation.id, msg, now);
  if (id === null) return "duplicate";
  // Answered here, not by a turn: no turn may pick it up (and a later one of a reopened
  // conversation would not find it either, as it belongs to the closed one).
  prepared(db, "UPDATE messages SET status = 'handled' WHERE id = ?").run(id);
  // A tap is a customer message: WhatsApp opens the 24-hour window for it, which is what lets
  // the thank-you go out even when the survey was answered late.
  touchCustomerActivity(
    db,
    conversation.id,
    refreshWindow(conversation.windowEndsAt, msg.sentAt),
    Math.max(conversation.lastCustomerMessageAt ?? 0, msg.sentAt),
    now,
  );
  if (decision.action !== "rate" || !recordRating(db, conversation.id, decision.score, now)) {
    return "taken";
  }
  const thread = threadForConversation(db, conversation.id);
  if (decision.thank) {
    queueOutbound(
      db,
      {
        conversationId: conversation.id,
        author: "system",
        content: { kind: "text", body: csatThanks(surveyLanguage(db, conversation, thread)) },
      },
      now,
    );
  }
  if (thread) {
    enqueueThreadPost(
      db,
      {
        conversationId: conversation.id,
        ...threadNotice({ kind: "csat_rated", score: decision.score }),
      },
      `csat:${conversation.id}`,
      now,
    );
  }
  return "taken";
}
