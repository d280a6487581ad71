import { analysisText } from "./analysis-text.ts";
import { detectTriggers } from "./triggers.ts";

/**
 * Opt-out ("STOP", "berhenti", "jangan kirim pesan lagi"...): pure rules, shared by the AI
 * responder, the Slack mirror (a person owns the conversation, or it was closed meanwhile) and
 * the send job, so an opt-out means the same in every state and on every outbound path.
 *
 * - **Recognised in every state.** A turn (the customer messages handled together) that contains
 *   an opt-out marks the contact opted out, unless it already is. An opt-out anywhere in the turn
 *   wins over the turn's other messages: honouring it is the safe side, and the customer's next
 *   message lifts it anyway. The customer gets one confirmation (the canned `optOut` text); a
 *   repeated STOP while opted out changes nothing and is not confirmed again.
 * - **Lifted by the customer's next message.** Any later customer message that is not itself an
 *   opt-out (a question, "START", "halo", a photo...) lifts it. WhatsApp treats a customer-
 *   initiated message as consent to be answered within the 24-hour window, and a customer who
 *   writes to a business after saying STOP expects an answer. Events (reactions, edits, deletes)
 *   are not messages and lift nothing.
 * - **Enforced on every send.** While a contact is opted out nothing is sent to them (AI replies,
 *   agent replies, templates, bridge messages) except the opt-out confirmation itself. A message
 *   queued before the opt-out and not sent yet is not sent either.
 */
export type OptOutChange =
  /** Mark the contact opted out now and confirm once. */
  | { kind: "opt_out"; evidence: string }
  /** The customer wrote again: clear the opt-out. */
  | { kind: "opt_in" }
  /** Nothing changes (no opt-out involved, or a repeated STOP). */
  | { kind: "none" };

/** What the customer messages of one turn do to the contact's opt-out. */
export function decideOptOut(input: {
  /** The contact is opted out now. */
  optedOut: boolean;
  /** The texts of the turn's customer messages (an empty text for media without a caption). */
  texts: readonly string[];
}): OptOutChange {
  if (input.texts.length === 0) return { kind: "none" };
  for (const text of input.texts) {
    // The same analysis as every trigger: the first ANALYSIS_MAX_CHARS characters.
    const hit = detectTriggers(analysisText(text)).optOut;
    if (hit) return input.optedOut ? { kind: "none" } : { kind: "opt_out", evidence: hit.evidence };
  }
  return input.optedOut ? { kind: "opt_in" } : { kind: "none" };
}

/** Why an outbound message may be sent while its contact is opted out. */
export type OutboundPurpose = "opt_out_confirmation";

/**
 * Whether the contact's opt-out stops this outbound message: everything is stopped while the
 * contact is opted out, except the confirmation of the opt-out itself.
 */
export function blockedByOptOut(
  optedOutAt: number | null,
  purpose: OutboundPurpose | null | undefined,
): boolean {
  return optedOutAt !== null && purpose !== "opt_out_confirmation";
}

/** The reason recorded on (and shown to the agent for) a message the opt-out stopped. */
export const OPTED_OUT_REASON =
  "the customer asked not to be messaged any more (STOP); nothing is sent until they write again";
