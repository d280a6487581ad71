/**
 * CSAT: a one-tap satisfaction question after a conversation a person handled was closed. Pure
 * rules only; the close (src/slack/controls.ts) asks and ingest (src/slack/csat.ts) takes the
 * tap, both inside their own transaction.
 */
import type { ConversationId } from "./ids.ts";
import type { InboundContent, Sender } from "./inbound.ts";
import type { Language } from "./language.ts";
import { isWindowOpen } from "./window.ts";

/** 1 = poor, 2 = okay, 3 = good (the stored `csat_surveys.rating`). */
export type CsatScore = 1 | 2 | 3;

/** Best first: the order of the buttons as the customer sees them. */
export const CSAT_SCORES: readonly CsatScore[] = [3, 2, 1];

/** What the close knows when it decides whether to ask. */
export interface CsatAskFacts {
  /** `CSAT_SURVEY`. */
  enabled: boolean;
  /** A person claimed the conversation or replied in its thread (the bot alone is not rated). */
  humanHandled: boolean;
  /** The 24-hour window: the buttons are free-form content, refused after it. */
  windowEndsAt: number | null;
  /** The customer said STOP: nothing but its confirmation may reach them. */
  optedOut: boolean;
  /** A survey row exists for the conversation (one question per conversation, ever). */
  alreadyAsked: boolean;
}

/** Why no question was asked (for logs and tests). */
export type CsatSkip = "disabled" | "not_human_handled" | "window_closed" | "opted_out" | "asked";

/** Whether closing the conversation at `now` asks the customer for a rating. */
export function decideCsatAsk(
  f: CsatAskFacts,
  now: number,
): { ask: true } | { ask: false; why: CsatSkip } {
  if (!f.enabled) return { ask: false, why: "disabled" };
  if (!f.humanHandled) return { ask: false, why: "not_human_handled" };
  if (f.alreadyAsked) return { ask: false, why: "asked" };
  if (f.optedOut) return { ask: false, why: "opted_out" };
  if (!isWindowOpen(f.windowEndsAt, now)) return { ask: false, why: "window_closed" };
  return { ask: true };
}

const PREFIX = "csat:";
// Conversation ids are SQLite row ids: positive and well inside 15 digits. The bound keeps a
// forged id from parsing into an imprecise number.
const ID_PATTERN = /^csat:([1-9]\d{0,14}):([123])$/;

/** What a tapped survey button says: which conversation, which score. */
export interface CsatTap {
  conversationId: ConversationId;
  score: CsatScore;
}

/** A button's id: `csat:<conversation id>:<score>`; it comes back in the customer's tap. */
export function csatButtonId(conversationId: number, score: CsatScore): string {
  return `${PREFIX}${conversationId}:${score}`;
}

/**
 * The conversation and score a tapped button's id carries, or null when the id is not one of
 * ours (another feature's button, a template's quick reply, a malformed or forged id).
 */
export function parseCsatButtonId(id: string): CsatTap | null {
  const m = ID_PATTERN.exec(id);
  if (!m) return null;
  return { conversationId: Number(m[1]) as ConversationId, score: Number(m[2]) as CsatScore };
}

/** A customer's tap on one of our survey buttons, or null for any other message. */
export function csatTapOf(content: InboundContent, groupId: string | null): CsatTap | null {
  // Surveys go to private chats only: a button reply in a group is the group's business.
  if (content.kind !== "button_reply" || groupId !== null) return null;
  return parseCsatButtonId(content.id);
}

const LABELS: Record<Language, Record<CsatScore, string>> = {
  id: { 3: "😊 Puas", 2: "😐 Biasa", 1: "😞 Kecewa" },
  en: { 3: "😊 Good", 2: "😐 Okay", 1: "😞 Poor" },
};

/** A score in words with its face, e.g. "😊 Good" (English for agents, or the customer's). */
export function csatLabel(score: CsatScore, language: Language = "en"): string {
  return LABELS[language][score];
}

const QUESTION: Record<Language, string> = {
  id: "Terima kasih sudah menghubungi kami. Bagaimana pelayanan kami tadi? Ketuk salah satu pilihan di bawah.",
  en: "Thank you for contacting us. How was our service? Tap one of the options below.",
};

const THANKS: Record<Language, string> = {
  id: "Terima kasih atas penilaian Anda! 🙏",
  en: "Thank you for your rating! 🙏",
};

/** The survey as WhatsApp interactive reply buttons (at most 3, titles ≤ 20 characters). */
export function csatQuestion(
  conversationId: number,
  language: Language,
): { body: string; buttons: { id: string; title: string }[] } {
  return {
    body: QUESTION[language],
    buttons: CSAT_SCORES.map((score) => ({
      id: csatButtonId(conversationId, score),
      title: csatLabel(score, language),
    })),
  };
}

/** The one short thank-you after the first rating. */
export function csatThanks(language: Language): string {
  return THANKS[language];
}

/** The surveyed conversation's customer, as far as a tap must match it. */
export interface SurveyedCustomer {
  waId: string | null;
  userId: string | null;
}

/**
 * Whether the tap's sender is the customer who was asked: a button id is only a number, so a
 * tap naming another customer's conversation (forged, or a forwarded survey) must not rate it.
 */
export function sameCustomer(customer: SurveyedCustomer, sender: Sender): boolean {
  return (
    (customer.waId !== null && customer.waId === sender.waId) ||
    (customer.userId !== null && customer.userId === sender.userId)
  );
}

/** What ingest knows about a tap on one of our survey buttons. */
export interface CsatTapFacts {
  /**
   * The survey of the conversation the button names, when it exists and was sent to this
   * sender; null otherwise (unknown conversation, never surveyed, someone else's).
   */
  survey: { rating: CsatScore | null } | null;
  /** The customer said STOP since: the rating is kept but nothing is sent. */
  optedOut: boolean;
}

/**
 * What a tap does:
 * - `not_ours`: the button names no survey of this customer. It is not a rating; the message
 *   goes the normal way (stored in the customer's conversation, answered by the AI or shown to
 *   the agent) so that nothing the customer sent is lost.
 * - `rate`: the first answer. Stored (first tap wins), the customer is thanked once (unless
 *   they opted out meanwhile) and the thread is told.
 * - `again`: a later tap on an answered survey (another button, or the same one twice; a
 *   redelivered webhook never gets here, its message id is known). Kept for the record on the
 *   surveyed conversation, changes nothing, thanks nobody again: one thank-you per survey.
 */
export type CsatTapDecision =
  | { action: "not_ours" }
  | { action: "rate"; score: CsatScore; thank: boolean }
  | { action: "again" };

/** Decides what a tap on one of our survey buttons does (see {@link CsatTapDecision}). */
export function decideCsatTap(score: CsatScore, f: CsatTapFacts): CsatTapDecision {
  if (f.survey === null) return { action: "not_ours" };
  if (f.survey.rating !== null) return { action: "again" };
  return { action: "rate", score, thank: !f.optedOut };
}
