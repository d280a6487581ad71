import type { KnownBlock } from "@slack/types";
import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import type { SlackPostPayload } from "../enqueue.ts";
import { findJobPost, jobPostMetadata } from "../post-once.ts";
import { markReadAfterMirror } from "../read-receipt.ts";
import { linkSlackMessage, threadForConversation } from "../store.ts";

/**
 * `slack.post`: one message in the conversation's thread, after the root exists; for a mirrored
 * customer message, then the WhatsApp read receipt.
 */
export function createPostJob(deps: SlackDeps): JobHandler<SlackPostPayload> {
  return async (job, ctx) => {
    const p = job.payload;
    const thread = threadForConversation(deps.db, p.conversationId);
    const current = thread?.rootTs ? { channel: thread.channel, threadTs: thread.rootTs } : null;
    const where = p.at ?? current;
    if (!where) {
      // Queued behind the handoff in the same order key, so this only happens if that failed.
      throw Object.assign(new Error(`conversation ${p.conversationId}: thread not open yet`), {
        retryable: true,
      });
    }
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    // A retry may follow a post whose answer was lost: look for it before posting again.
    let ts: string | null | undefined = null;
    if (job.attempt > 1) {
      const found = await slackCall(
        deps,
        log,
        "conversations.replies",
        () => findJobPost(deps.web, where, job),
        where.channel,
      );
      if (!found.ok) return found.outcome;
      ts = found.value;
      if (ts) log.info({ ts }, "found this job's earlier post in the thread; not posting again");
    }
    if (!ts) {
      const res = await slackCall(
        deps,
        log,
        "chat.postMessage",
        () =>
          deps.web.chat.postMessage({
            channel: where.channel,
            thread_ts: where.threadTs,
            text: p.text,
            ...(p.blocks ? { blocks: p.blocks as KnownBlock[] } : {}),
            unfurl_links: false,
            metadata: jobPostMetadata(job.id),
          }),
        where.channel,
      );
      if (!res.ok) return res.outcome;
      ts = res.value?.ts;
    }
    if (p.linkMessageId && ts)
      ctx.commit(() => linkSlackMessage(deps.db, p.linkMessageId!, where.channel, ts));
    if (p.markRead) await markReadAfterMirror(deps, log, p.markRead);
  };
}
