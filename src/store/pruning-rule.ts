/**
 * What housekeeping deletes, and when (the SQL lives in src/store/pruning.ts). Pure.
 *
 * - Finished jobs (`done`) are deleted `jobDoneHours` after they finished. A job's dedupe key
 *   only guards against a second enqueue while its row exists, so the floor of
 *   DEDUPE_KEY_MIN_KEEP_MS keeps every key far longer than anything that repeats one: Slack
 *   retries an event within minutes (`relay:…`), and the keys derived from WhatsApp webhooks
 *   (`event:…`, `react:…`, `failed:…`) are guarded first by rows kept much longer (messages,
 *   and status events below). `send:<message id>` is enqueued once, with its message. Dead,
 *   pending and running jobs are never deleted.
 * - Status events are deleted `statusEventDays` after they were stored, never before
 *   STATUS_EVENT_MIN_KEEP_MS: they deduplicate status webhooks, which Meta redelivers for up to
 *   7 days. Whatever the age, a status event naming (`msg:<id>`) a message still `queued` or
 *   `sending` is kept: it may be the only proof that an earlier send attempt with an unknown
 *   outcome reached Meta (src/outbound/send-job.ts), so it is needed until the send is decided.
 */

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** How long finished jobs and status events are kept. */
export interface PruningSettings {
  /** Hours after which a finished (`done`) job is deleted (JOB_DONE_RETENTION_HOURS). */
  jobDoneHours: number;
  /** Days after which a status event is deleted (STATUS_EVENT_RETENTION_DAYS). */
  statusEventDays: number;
  /** The send job's wait for a status webhook after an unknown outcome (ms). */
  unknownOutcomeWaitMs: number;
}

/** A finished job keeps its dedupe key at least this long, whatever the setting. */
export const DEDUPE_KEY_MIN_KEEP_MS = DAY_MS;
/** Meta redelivers a webhook for up to 7 days; its status events deduplicate it meanwhile. */
export const STATUS_EVENT_MIN_KEEP_MS = 7 * DAY_MS;

/** Pruning runs shortly after start (not during it), then hourly: each run is small. */
export const PRUNING_FIRST_RUN_MS = 2 * 60_000;
export const PRUNING_EVERY_MS = HOUR_MS;

/** Rows deleted per transaction: each batch holds the write lock for a few milliseconds only. */
export const PRUNING_BATCH = 500;

/** The cutoffs in force at `now` (Unix ms): rows stored or finished before them are due. */
export interface PruningCutoffs {
  /** `done` jobs whose `finished_at` is before this are deleted. */
  jobsDoneBefore: number;
  /** Status events whose `created_at` is before this are deleted (unless still needed). */
  statusEventsBefore: number;
}

/** The cutoffs at `now`, with the floors that keep dedupe keys and send proofs working. */
export function pruningCutoffs(now: number, s: PruningSettings): PruningCutoffs {
  const jobKeep = Math.max(s.jobDoneHours * HOUR_MS, DEDUPE_KEY_MIN_KEEP_MS);
  const statusKeep = Math.max(
    s.statusEventDays * DAY_MS,
    STATUS_EVENT_MIN_KEEP_MS,
    // Never within the unknown-outcome wait, even if that were configured to last for weeks.
    2 * s.unknownOutcomeWaitMs,
  );
  return { jobsDoneBefore: now - jobKeep, statusEventsBefore: now - statusKeep };
}

/** The facts about a status event the rule looks at. */
export interface StatusEventFacts {
  createdAt: number;
  /** The status of the message its `msg:<id>` callback data names, if any. */
  messageStatus: string | null;
}

/** Whether a status event is due for deletion under `cutoffs`. */
export function statusEventDue(e: StatusEventFacts, cutoffs: PruningCutoffs): boolean {
  if (e.createdAt >= cutoffs.statusEventsBefore) return false;
  return e.messageStatus !== "queued" && e.messageStatus !== "sending";
}

/** The facts about a job the rule looks at. */
export interface JobFacts {
  state: string;
  finishedAt: number | null;
}

/** Whether a job is due for deletion under `cutoffs`. */
export function jobDue(j: JobFacts, cutoffs: PruningCutoffs): boolean {
  return j.state === "done" && j.finishedAt !== null && j.finishedAt < cutoffs.jobsDoneBefore;
}
