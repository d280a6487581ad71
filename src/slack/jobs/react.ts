import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import type { SlackReactPayload } from "../enqueue.ts";

/** `slack.react`: a delivery-status reaction on an agent's message. */
export function createReactJob(deps: SlackDeps): JobHandler<SlackReactPayload> {
  return async (job) => {
    const p = job.payload;
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    const res = await slackCall(deps, log, "reactions.add", () =>
      deps.web.reactions.add({ channel: p.channel, timestamp: p.ts, name: p.name }),
    );
    if (!res.ok) return res.outcome;
  };
}
