import type { ConversationRow } from "../store/repositories/conversations.ts";
import type { MessageRow } from "../store/repositories/messages.ts";

/** The customer messages one turn answers (a burst arriving close together is one turn). */
export interface Turn {
  conversation: ConversationRow;
  messages: MessageRow[];
}

/**
 * What acts on a turn: the AI responder, the Slack mirror, ... It may call remote services, and
 * returns the database writes to commit together with the turn's completion (so they happen
 * exactly once even if the process dies after the remote calls).
 */
export interface TurnProcessor {
  process(turn: Turn, signal: AbortSignal): Promise<(() => void) | undefined>;
}

/** Until the responder and the Slack side exist, a turn is only recorded as handled. */
export const recordOnlyProcessor: TurnProcessor = {
  async process() {
    return undefined;
  },
};
