import type { ClaimedJob, JobOutcome } from "../../jobs/types.ts";
import type { Logger } from "../../logger.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import { findJobPost, jobPostMetadata } from "../post-once.ts";
import { unrecordedRootIn } from "../store.ts";

/**
 * How long a thread reply whose thread is not (yet) known waits for a handoff to record its root:
 * the handoff's retry after a crash (lease) or a lost Slack answer (backoff) comes well within it.
 */
export const UNMATCHED_REPLY_WAIT_MS = 10 * 60_000;

/** What the agent is told in the thread when the reply still matches no conversation. */
export const UNMATCHED_REPLY_TEXT =
  ":warning: This reply could not be matched to a conversation; it was not sent to the customer. Please send it again.";

/**
 * Order key of the relays of a thread that is not (yet) known: one at a time, in order. A reply
 * that arrives once the thread is known joins this key while relays are still waiting on it, so
 * that replies reach the customer in the order they were written.
 */
export const unmatchedThreadKey = (channel: string, threadTs: string) =>
  `slack:thread:${channel}:${threadTs}`;

/**
 * A thread reply whose (channel, thread_ts) matches no recorded thread root. A handoff may have
 * posted that root and not recorded it yet (the process died right after the post, or Slack's
 * answer was lost): while one may have (`unrecordedRootIn`), the relay waits, polling more
 * slowly as time passes, for up to UNMATCHED_REPLY_WAIT_MS after the reply arrived. After that,
 * or when no handoff could own the thread, it gives up: quietly when no handoff could own it
 * (a reply in a thread the service did not open), otherwise with a notice in the thread asking
 * the agent to send the reply again (posted once, found again on a retry like other posts).
 */
export async function relayUnmatched(
  deps: SlackDeps,
  log: Logger,
  job: ClaimedJob<{ channel: string; ts: string; threadTs: string }>,
): Promise<JobOutcome> {
  const p = job.payload;
  if (!unrecordedRootIn(deps.db, p.channel)) {
    log.debug(
      { channel: p.channel, ts: p.ts, threadTs: p.threadTs },
      "thread reply not relayed: not a thread the service opened",
    );
    return;
  }
  const waited = deps.now() - job.createdAt;
  if (waited < UNMATCHED_REPLY_WAIT_MS) {
    const delayMs = Math.min(10_000, Math.max(500, Math.round(waited / 10)));
    return {
      type: "reschedule",
      delayMs: Math.min(delayMs, Math.max(1, UNMATCHED_REPLY_WAIT_MS - waited)),
      reason: "thread root not recorded yet; a handoff may still record it",
    };
  }
  log.warn(
    { channel: p.channel, ts: p.ts, threadTs: p.threadTs, waitedMs: waited },
    "thread reply matched no conversation after waiting for pending handoffs; telling the agent",
  );
  const where = { channel: p.channel, threadTs: p.threadTs };
  if (job.attempt > 1) {
    const found = await slackCall(deps, log, "conversations.replies", () =>
      findJobPost(deps.web, where, job),
    );
    if (!found.ok) return found.outcome;
    if (found.value) return;
  }
  const res = await slackCall(deps, log, "chat.postMessage (unmatched reply)", () =>
    deps.web.chat.postMessage({
      channel: p.channel,
      thread_ts: p.threadTs,
      text: UNMATCHED_REPLY_TEXT,
      unfurl_links: false,
      metadata: jobPostMetadata(job.id),
    }),
  );
  if (!res.ok) return res.outcome;
  return;
}
