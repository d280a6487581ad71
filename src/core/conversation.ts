/**
 * `bot`: the AI answers. `escalated`: handed off, waiting for a human. `agent`: a human owns it.
 * `closed`: finished; a new customer message opens a new conversation.
 */
export type ConversationState = "bot" | "escalated" | "agent" | "closed";

const transitions: Record<ConversationState, readonly ConversationState[]> = {
  bot: ["escalated", "agent", "closed"],
  escalated: ["agent", "bot", "closed"],
  agent: ["bot", "closed"],
  closed: [],
};

/** Whether a conversation may move from one state to another. */
export function canTransition(from: ConversationState, to: ConversationState): boolean {
  return transitions[from].includes(to);
}

/** Whether the AI may answer in this state (it never does while a human is involved). */
export function aiMayAnswer(state: ConversationState): boolean {
  return state === "bot";
}
