import type { KnownBlock } from "@slack/types";
import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import type { SlackPostPayload } from "../enqueue.ts";
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
    if (!thread?.rootTs) {
      // Queued behind the handoff in the same order key, so this only happens if that failed.
      throw Object.assign(new Error(`conversation ${p.conversationId}: thread not open yet`), {
        retryable: true,
      });
    }
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    const res = await slackCall(deps, log, "chat.postMessage", () =>
      deps.web.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.rootTs!,
        text: p.text,
        ...(p.blocks ? { blocks: p.blocks as KnownBlock[] } : {}),
        unfurl_links: false,
      }),
    );
    if (!res.ok) return res.outcome;
    const ts = res.value?.ts;
    if (p.linkMessageId && ts)
      ctx.commit(() => linkSlackMessage(deps.db, p.linkMessageId!, thread.channel, ts));
    if (p.markRead) await markReadAfterMirror(deps, log, p.markRead);
  };
}
