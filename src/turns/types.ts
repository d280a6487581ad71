import type { ConversationRow } from "../store/repositories/conversations.ts";
import type { MessageRow } from "../store/repositories/messages.ts";

/** The customer messages one turn answers (a burst arriving close together is one turn). */
export interface Turn {
  conversation: ConversationRow;
  messages: MessageRow[];
}

/**
 * What a turn's committed writes did that the service counts (the `/metrics` histograms and
 * counters): returned by the writes, reported by the turn job only after its commit.
 */
export interface TurnEffects {
  /** The AI's reply was queued for sending; `tier` is where its text came from. */
  aiReply?: { tier: string };
  /** The conversation was handed to a person, for `reason` (a HandoffReason). */
  handoff?: { reason: string };
}

/**
 * What acts on a turn: the AI responder, the Slack mirror, ... It may call remote services, and
 * returns the database writes to commit together with the turn's completion (so they happen
 * exactly once even if the process dies after the remote calls). The writes may say what they
 * did ({@link TurnEffects}).
 */
export interface TurnProcessor {
  process(
    turn: Turn,
    signal: AbortSignal,
    // biome-ignore lint/suspicious/noConfusingVoidType: writes that report nothing stay `() => void`
  ): Promise<(() => TurnEffects | void) | undefined>;
}

/** Until the responder and the Slack side exist, a turn is only recorded as handled. */
export const recordOnlyProcessor: TurnProcessor = {
  async process() {
    return undefined;
  },
};
