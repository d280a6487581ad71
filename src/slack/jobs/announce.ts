import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { truncateMrkdwn } from "../blocks/index.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";

/** Payload of `slack.announce`: a message in a channel (not a thread), e.g. a template's review. */
export interface SlackAnnouncePayload {
  /** Default: the escalation channel. */
  channel?: string;
  text: string;
}

/**
 * `slack.announce`: one top-level message for the team. Unlike thread posts it is not looked
 * for again before a retry: an announcement repeated after a lost answer is harmless, and
 * searching a busy channel's history for it is not.
 */
export function createAnnounceJob(deps: SlackDeps): JobHandler<SlackAnnouncePayload> {
  return async (job) => {
    const log = lazyChild(deps.logger, { jobId: job.id });
    const channel = job.payload.channel ?? deps.settings.escalationChannel;
    // The channel is named so that a refused alert channel raises no alert about itself.
    const res = await slackCall(
      deps,
      log,
      "chat.postMessage",
      () =>
        deps.web.chat.postMessage({
          channel,
          // Bounded: a fuzzed or hostile value inside (a template name) must not make Slack
          // refuse the post for good (msg_too_long).
          text: truncateMrkdwn(job.payload.text, 3000),
          unfurl_links: false,
        }),
      channel,
    );
    if (!res.ok) return res.outcome;
  };
}
