import type { KnownBlock } from "@slack/types";
import type { ConversationId } from "../../core/ids.ts";
import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import { buildRoot } from "../root.ts";
import { recordRootShown } from "../store.ts";

/**
 * `slack.update_root`: redraws the root message (status line, buttons, transcript, window) and
 * records the window it now shows, so the sweeper's refresh rule compares against the truth.
 */
export function createUpdateRootJob(
  deps: SlackDeps,
): JobHandler<{ conversationId: ConversationId }> {
  return async (job, ctx) => {
    const root = buildRoot(deps, job.payload.conversationId);
    if (!root?.thread.rootTs) return;
    const log = lazyChild(deps.logger, {
      jobId: job.id,
      conversationId: job.payload.conversationId,
    });
    const res = await slackCall(
      deps,
      log,
      "chat.update (root)",
      () =>
        deps.web.chat.update({
          channel: root.thread.channel,
          ts: root.thread.rootTs!,
          text: root.message.text,
          blocks: root.message.blocks as KnownBlock[],
        }),
      root.thread.channel,
    );
    if (!res.ok) return res.outcome;
    ctx.commit(() =>
      recordRootShown(deps.db, root.thread.id, root.shown, deps.now(), { unlessNewer: true }),
    );
  };
}
