import { type ActionRequest, type FollowUp, MAX_FOLLOW_UPS, parseDelay } from "./agent-config.ts";
import type { ConversationState } from "./conversation.ts";

/**
 * Follow-ups: the business's "if nobody answers in 6 hours, follow up; after two follow-ups,
 * close" (agent config `followUps`). A chain starts when the AI's reply to a customer is queued;
 * each step is a durable job that asks {@link planFollowUp} what to do when it runs. Cancellation
 * is decided here, at run time, from the conversation as it is then, so a reply, a handoff, a
 * close or an opt-out that happened while the job waited always wins.
 */

/**
 * A follow-up is sent as free text only if the 24-hour window is still open this long after the
 * job runs: the `send` job usually goes out within seconds, but a backlog or a Graph hiccup could
 * push it past the window, where it would fail (131047) and alarm the agent for nothing.
 */
export const FOLLOW_UP_WINDOW_MARGIN_MS = 5 * 60_000;

/** What the plan knows when follow-up `index` comes due; all read by the job in one transaction. */
export interface FollowUpFacts {
  /** Position in `followUps` of the follow-up due (0 = the first). */
  index: number;
  state: ConversationState;
  optedOut: boolean;
  /** The customer's newest message when the chain was scheduled (null: none). */
  anchorMessageId: number | null;
  /** The customer's newest message now (null: none). */
  lastCustomerMessageId: number | null;
  /**
   * A person was involved since the chain started (handed off, or an agent wrote), even if the
   * conversation has since been handed back to the AI: that chain belongs to another exchange.
   */
  personInvolved: boolean;
  /** The newest message of the conversation (either side): the delay counts from it. */
  lastMessageAt: number;
  /** When the 24-hour customer-service window closes (null: never opened). */
  windowEndsAt: number | null;
  now: number;
}

/** Why a follow-up is not sent and its chain ends. */
export type FollowUpCancel =
  | "customer_replied"
  | "closed"
  | "person_involved"
  | "opted_out"
  | "not_configured";

/** The next follow-up of the chain, when there is one. */
export interface NextFollowUp {
  index: number;
  runAt: number;
}

/** What the follow-up job does now. */
export type FollowUpPlan =
  /** Nothing: the chain ends. */
  | { kind: "cancel"; reason: FollowUpCancel }
  /** Too early (a newer message moved "the previous message"): run again at `until`. */
  | { kind: "wait"; until: number }
  /**
   * Send `text`; then queue `action` (the follow-up's final action) and schedule `next`.
   * `skip`: the same without the text, because the window will be closed when it would go out
   * (a follow-up outside the window would need a paid template; the final action still runs).
   */
  | {
      kind: "send" | "skip";
      text: string;
      action: ActionRequest | null;
      next: NextFollowUp | null;
    };

/** The delay of a configured follow-up in ms (the schema guarantees it parses). */
export function followUpDelayMs(followUp: FollowUp): number {
  const ms = parseDelay(followUp.after);
  if (ms === null || ms <= 0) throw new Error(`follow-up delay "${followUp.after}" is invalid`);
  return ms;
}

/**
 * When the first follow-up of a chain is due, for the AI's reply queued at `replyAt`; null when
 * no follow-up is configured.
 */
export function firstFollowUpAt(followUps: readonly FollowUp[], replyAt: number): number | null {
  const first = followUps[0];
  return first ? replyAt + followUpDelayMs(first) : null;
}

/** A follow-up's final action as the `agent.action` request it queues. */
export function followUpAction(
  followUp: FollowUp,
  index: number,
  count: number,
): ActionRequest | null {
  const then = followUp.then;
  if (!then) return null;
  if (then.action === "set_lifecycle_stage")
    return { action: "set_lifecycle_stage", stage: then.stage };
  return {
    action: "close_conversation",
    summary: `Closed automatically: no answer from the customer after follow-up ${index + 1} of ${count}.`,
  };
}

/**
 * Decides what follow-up `facts.index` does now. Pure and deterministic.
 *
 * Order: the chain is cancelled when the follow-up is no longer configured, the conversation is
 * closed, a person is or was involved, the customer opted out, or the customer wrote since the
 * chain was scheduled; it waits when its delay, counted from the conversation's newest message,
 * has not passed; otherwise it sends the message, or skips only the text when the window will be
 * closed at send time. Either way the final action is queued and the next follow-up scheduled
 * (none after a close: the conversation will be closed).
 */
export function planFollowUp(facts: FollowUpFacts, followUps: readonly FollowUp[]): FollowUpPlan {
  const count = Math.min(followUps.length, MAX_FOLLOW_UPS);
  const followUp = followUps[facts.index];
  if (!followUp || facts.index < 0 || facts.index >= count)
    return { kind: "cancel", reason: "not_configured" };
  if (facts.state === "closed") return { kind: "cancel", reason: "closed" };
  if (facts.state !== "bot" || facts.personInvolved)
    return { kind: "cancel", reason: "person_involved" };
  if (facts.optedOut) return { kind: "cancel", reason: "opted_out" };
  if ((facts.lastCustomerMessageId ?? 0) > (facts.anchorMessageId ?? 0))
    return { kind: "cancel", reason: "customer_replied" };
  const due = facts.lastMessageAt + followUpDelayMs(followUp);
  if (facts.now < due) return { kind: "wait", until: due };

  const action = followUpAction(followUp, facts.index, count);
  const nextIndex = facts.index + 1;
  const nextFollowUp = followUps[nextIndex];
  const next =
    nextFollowUp && nextIndex < count && followUp.then?.action !== "close_conversation"
      ? { index: nextIndex, runAt: facts.now + followUpDelayMs(nextFollowUp) }
      : null;
  const windowOpen =
    facts.windowEndsAt !== null && facts.now + FOLLOW_UP_WINDOW_MARGIN_MS < facts.windowEndsAt;
  return { kind: windowOpen ? "send" : "skip", text: followUp.message, action, next };
}
