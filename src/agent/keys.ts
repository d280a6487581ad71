/**
 * Order key of a conversation's agent actions: one at a time, in the order the model asked for
 * them, apart from its turns (conversation:…) and its Slack jobs (slack:conversation:…), so an
 * action waiting on Slack's user groups never holds back a reply.
 */
export const agentKey = (conversationId: number) => `agent:conversation:${conversationId}`;
