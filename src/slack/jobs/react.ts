import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import type { SlackReactPayload } from "../enqueue.ts";
import { threadForConversation } from "../store.ts";
import { classifySlackError } from "../web.ts";

/**
 * `slack.react`: a delivery-status reaction on an agent's message, or a customer's reaction on
 * the message they reacted to (added or removed). A customer emoji Slack does not know
 * (`invalid_name`) is posted in the thread as a note instead.
 */
export function createReactJob(deps: SlackDeps): JobHandler<SlackReactPayload> {
  return async (job) => {
    const p = job.payload;
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    const where = { channel: p.channel, timestamp: p.ts, name: p.name };
    if (p.remove) {
      const res = await slackCall(deps, log, "reactions.remove", () =>
        deps.web.reactions.remove(where),
      );
      if (!res.ok) return res.outcome;
      return;
    }
    if (p.fallbackText !== undefined) {
      try {
        await deps.web.reactions.add(where);
        return;
      } catch (err) {
        const failure = classifySlackError(err);
        if (!("error" in failure) || failure.error !== "invalid_name") {
          // Every other failure follows the usual policy (retry, operator alert, harmless...).
          const res = await slackCall(deps, log, "reactions.add", () => Promise.reject(err));
          if (!res.ok) return res.outcome;
          return;
        }
        const thread = threadForConversation(deps.db, p.conversationId);
        if (!thread?.rootTs) return;
        const res = await slackCall(deps, log, "chat.postMessage", () =>
          deps.web.chat.postMessage({
            channel: thread.channel,
            thread_ts: thread.rootTs!,
            text: p.fallbackText!,
            unfurl_links: false,
          }),
        );
        if (!res.ok) return res.outcome;
        return;
      }
    }
    const res = await slackCall(deps, log, "reactions.add", () => deps.web.reactions.add(where));
    if (!res.ok) return res.outcome;
  };
}
