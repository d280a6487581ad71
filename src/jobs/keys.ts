import type { ConversationId } from "../core/ids.ts";

/**
 * Order key of a conversation's WhatsApp-side jobs (turns, sends): one at a time, in order.
 */
export const conversationKey = (id: ConversationId) => `conversation:${id}`;

/**
 * Order key of a conversation's Slack-side jobs (handoff, thread posts, relays). Separate from
 * the WhatsApp side so that a Slack outage never holds back replies to the customer, and a
 * WhatsApp outage never hides a handoff from the agents.
 */
export const slackKey = (id: ConversationId | number) => `slack:conversation:${id}`;
