import type { MessageMetadata } from "@slack/types";
import type { WebClient } from "@slack/web-api";
import type { JobId } from "../core/ids.ts";

/** The `event_type` of the metadata on every message a job posts. */
export const JOB_POST_EVENT = "jembatan_job";

// Enough for the messages posted between a job's creation and its retry (seconds to minutes),
// in a thread or at the top of the channel; the search starts at the job's creation, so a long
// thread's older messages are never read.
const THREAD_PAGES = 5;
const CHANNEL_PAGES = 2;
const PAGE_SIZE = 200;

/**
 * Slack has no idempotency key, so each post carries its job's id as message metadata: when a
 * call times out or fails after Slack posted (or the process died before recording the ts), the
 * retry finds the earlier post instead of posting it twice.
 */
export function jobPostMetadata(jobId: JobId): MessageMetadata {
  return { event_type: JOB_POST_EVENT, event_payload: { job_id: String(jobId) } };
}

/**
 * How far before the job's creation the search starts: Slack's clock (which stamps `ts`) and
 * this machine's may differ; a post cannot be older than the job that made it.
 */
export const CLOCK_MARGIN_MS = 10 * 60_000;

/**
 * The ts of the message an earlier attempt of job `job.id` posted in the thread `threadTs` (or at
 * the top of the channel when no thread is given), or null. Only worth calling on a retry. Reads
 * only what was posted since the job was created (`job.createdAt`, Unix ms, less
 * CLOCK_MARGIN_MS): a thread's replies come oldest first, so without that bound a thread longer
 * than the pages read would hide the post and it would be posted twice.
 */
export async function findJobPost(
  web: WebClient,
  where: { channel: string; threadTs?: string },
  job: { id: JobId; createdAt: number },
): Promise<string | null> {
  const wanted = String(job.id);
  const oldest = ((job.createdAt - CLOCK_MARGIN_MS) / 1000).toFixed(6);
  let cursor: string | undefined;
  const pages = where.threadTs === undefined ? CHANNEL_PAGES : THREAD_PAGES;
  for (let page = 0; page < pages; page++) {
    const res =
      where.threadTs === undefined
        ? await web.conversations.history({
            channel: where.channel,
            include_all_metadata: true,
            oldest,
            limit: PAGE_SIZE,
            ...(cursor ? { cursor } : {}),
          })
        : await web.conversations.replies({
            channel: where.channel,
            ts: where.threadTs,
            include_all_metadata: true,
            oldest,
            limit: PAGE_SIZE,
            ...(cursor ? { cursor } : {}),
          });
    for (const m of res.messages ?? []) {
      const meta = m.metadata;
      const payload = meta?.event_payload as Record<string, unknown> | undefined;
      if (meta?.event_type === JOB_POST_EVENT && payload?.job_id === wanted && m.ts) {
        return m.ts;
      }
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) return null;
  }
  return null;
}
