import { whatsappToSlack } from "../../core/format/index.ts";
import type { InboundContent } from "../../core/inbound.ts";
import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { getMessage } from "../../store/repositories/messages.ts";
import { GraphApiError } from "../../whatsapp/graph/errors.ts";
import { escapeMrkdwn } from "../blocks/index.ts";
import { slackCall } from "../call.ts";
import type { SlackDeps } from "../deps.ts";
import type { SlackMirrorMediaPayload } from "../enqueue.ts";
import { markReadAfterMirror } from "../read-receipt.ts";
import { threadForConversation } from "../store.ts";

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "video/mp4": "mp4",
  "application/pdf": "pdf",
};

/**
 * `slack.mirror_media`: downloads a customer's image, voice note, video, document or sticker from
 * WhatsApp and uploads it into the thread. Media WhatsApp no longer has (ids live 7 days) is
 * reported in the thread instead. Either way the message is then marked read on WhatsApp when
 * the turn asked for it.
 */
export function createMirrorMediaJob(deps: SlackDeps): JobHandler<SlackMirrorMediaPayload> {
  return async (job) => {
    const { conversationId, messageId, markRead } = job.payload;
    const thread = threadForConversation(deps.db, conversationId);
    const msg = getMessage(deps.db, messageId);
    if (!thread?.rootTs || !msg)
      throw Object.assign(new Error("thread not open yet"), { retryable: true });
    const content = (msg.payload as { content?: InboundContent }).content;
    const media = content && "media" in content ? content.media : null;
    if (!media) return;
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId });
    let file: { bytes: Uint8Array; mimeType: string };
    try {
      file = await deps.graph.downloadMedia(media.mediaId);
    } catch (err) {
      if (err instanceof GraphApiError && !err.retryable) {
        const res = await slackCall(deps, log, "chat.postMessage", () =>
          deps.web.chat.postMessage({
            channel: thread.channel,
            thread_ts: thread.rootTs!,
            // The caption is the customer's own words: it must reach the agent even when the
            // file cannot.
            text: `:warning: The customer sent a ${content?.kind} that could not be downloaded from WhatsApp (${escapeMrkdwn(err.message)}).${
              media.caption?.trim()
                ? `\n💬 *Caption:* ${whatsappToSlack(media.caption.trim())}`
                : ""
            }`,
          }),
        );
        if (!res.ok) return res.outcome;
        if (markRead) await markReadAfterMirror(deps, log, markRead);
        return;
      }
      throw err;
    }
    const base =
      media.filename ?? `${content?.kind}-${messageId}.${EXTENSIONS[file.mimeType] ?? "bin"}`;
    const res = await slackCall(deps, log, "files.uploadV2", () =>
      deps.web.filesUploadV2({
        channel_id: thread.channel,
        thread_ts: thread.rootTs!,
        file: Buffer.from(file.bytes),
        filename: base,
        initial_comment: `:speech_balloon: Customer sent a ${content?.kind}${media.caption ? `: ${whatsappToSlack(media.caption)}` : ""}`,
      }),
    );
    if (!res.ok) return res.outcome;
    if (markRead) await markReadAfterMirror(deps, log, markRead);
  };
}
