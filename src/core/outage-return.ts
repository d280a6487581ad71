/** What the sweeper knows about a conversation that may go back to the AI after a model outage. */
export interface OutageReturnFacts {
  state: "bot" | "escalated" | "agent" | "closed";
  handoffReason: string | null;
  handoffAt: number | null;
  /** A person claimed the thread (its agent is recorded). */
  claimed: boolean;
  /** An agent replied to the customer (or sent a template) since the handoff. */
  agentWroteSinceHandoff: boolean;
  /** The newest successful answer of the model anywhere in the service (null: none yet). */
  modelAnsweredAt: number | null;
  windowEndsAt: number | null;
  optedOut: boolean;
}

/** `AI_RETURN_AFTER_OUTAGE_MINUTES`: how long after the handoff a return is still allowed; 0: never. */
export interface OutageReturnPolicy {
  withinMs: number;
}

/** Why a conversation does or does not go back to the AI (the first rule that applies). */
export type OutageReturnDecision =
  | { return: true }
  | {
      return: false;
      why:
        | "disabled"
        | "not_an_outage_handoff"
        | "not_waiting_for_a_person"
        | "taken_up_by_a_person"
        | "too_late"
        | "model_still_down"
        | "window_closed"
        | "opted_out";
    };

/**
 * Whether a conversation handed off only because the model was unavailable goes back to the AI
 * now. It does when nobody has taken it up (unclaimed, no agent message), the model has answered
 * someone since the handoff (proof that it is back, rather than a guess from a timer), the
 * handoff is recent enough that the customer still waits for an answer, the 24-hour window is
 * open (the AI can only write free-form inside it) and the customer has not opted out.
 */
export function outageReturnDue(
  f: OutageReturnFacts,
  policy: OutageReturnPolicy,
  now: number,
): OutageReturnDecision {
  if (policy.withinMs <= 0) return { return: false, why: "disabled" };
  if (f.handoffReason !== "model_unavailable" || f.handoffAt === null)
    return { return: false, why: "not_an_outage_handoff" };
  if (f.state !== "escalated") return { return: false, why: "not_waiting_for_a_person" };
  if (f.claimed || f.agentWroteSinceHandoff) return { return: false, why: "taken_up_by_a_person" };
  if (now - f.handoffAt > policy.withinMs) return { return: false, why: "too_late" };
  if (f.modelAnsweredAt === null || f.modelAnsweredAt <= f.handoffAt)
    return { return: false, why: "model_still_down" };
  if (f.windowEndsAt === null || f.windowEndsAt <= now)
    return { return: false, why: "window_closed" };
  if (f.optedOut) return { return: false, why: "opted_out" };
  return { return: true };
}
