import type { KnownBlock } from "@slack/types";
import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { customerMessageInThread } from "../blocks/index.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import type { SlackMarkPayload } from "../enqueue.ts";
import { messageBySlackTs } from "../store.ts";

/**
 * `slack.mark_message`: redraws a mirrored customer message in place after the customer deleted
 * or edited it on WhatsApp, rebuilt from the stored message so that a retry draws the same.
 */
export function createMarkMessageJob(deps: SlackDeps): JobHandler<SlackMarkPayload> {
  return async (job) => {
    const p = job.payload;
    const msg = messageBySlackTs(deps.db, p.channel, p.ts);
    if (msg?.direction !== "in") return;
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    const drawn = customerMessageInThread({
      text: msg.text,
      kind: msg.kind,
      at: msg.waTimestamp ?? msg.createdAt,
      mark: p.mark,
    });
    const res = await slackCall(deps, log, "chat.update (customer message)", () =>
      deps.web.chat.update({
        channel: p.channel,
        ts: p.ts,
        text: drawn.text,
        blocks: drawn.blocks as KnownBlock[],
      }),
    );
    if (!res.ok) return res.outcome;
  };
}
