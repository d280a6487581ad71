import type { JobId } from "../core/ids.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import type { ClaimedJob, EnqueueOptions } from "./types.ts";

export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Inserts a job. Call inside the transaction that writes the data the job acts on. Returns the
 * new id, or null when `dedupeKey` was already queued.
 */
export function enqueueJob(db: Db, opts: EnqueueOptions, now = Date.now()): JobId | null {
  const row = prepared(
    db,
    `INSERT INTO jobs (kind, payload, order_key, dedupe_key, run_at, max_attempts, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
  ).get(
    opts.kind,
    JSON.stringify(opts.payload ?? null),
    opts.orderKey ?? null,
    opts.dedupeKey ?? null,
    opts.runAt ?? now,
    opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    now,
    now,
  ) as { id: JobId } | undefined;
  return row?.id ?? null;
}

/** A job with an order key runs only when no earlier job with that key is unfinished. */
const FIRST_IN_ORDER = `(j.order_key IS NULL OR NOT EXISTS (
    SELECT 1 FROM jobs p
    WHERE p.order_key = j.order_key AND p.id < j.id AND p.state IN ('pending', 'running')))`;

/**
 * Claims up to `limit` due jobs for `workerId`: pending jobs whose time has come, and running
 * jobs whose lease expired (their worker died). A job with an order key is only due when no
 * earlier job with that key is unfinished, which keeps each conversation's jobs in order.
 * Must run inside an immediate transaction so two workers never claim the same row.
 */
export function claimDueJobs(
  db: Db,
  workerId: string,
  limit: number,
  leaseMs: number,
  now: number,
): ClaimedJob[] {
  // Two index-ordered queries merged here rather than one with an OR: the OR made SQLite build a
  // row set and a temporary sort tree on every claim, which took several times longer, and the
  // runner claims on every wake (bench/relay).
  const pending = prepared(
    db,
    `SELECT id, run_at AS runAt FROM jobs j
     WHERE j.state = 'pending' AND j.run_at <= ? AND ${FIRST_IN_ORDER}
     ORDER BY j.run_at, j.id LIMIT ?`,
  ).all(now, limit) as { id: JobId; runAt: number }[];
  const expired = prepared(
    db,
    `SELECT id, run_at AS runAt FROM jobs j
     WHERE j.state = 'running' AND j.lease_until <= ? AND ${FIRST_IN_ORDER}`,
  ).all(now) as { id: JobId; runAt: number }[];
  const candidates =
    expired.length === 0
      ? pending
      : [...pending, ...expired].sort((a, b) => a.runAt - b.runAt || a.id - b.id).slice(0, limit);
  const claimed: ClaimedJob[] = [];
  const claim = prepared(
    db,
    `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?, locked_by = ?,
       updated_at = ?
     WHERE id = ?
     RETURNING id, kind, payload, order_key AS orderKey, attempts, max_attempts AS maxAttempts,
       created_at AS createdAt`,
  );
  for (const { id } of candidates) {
    const row = claim.get(now + leaseMs, workerId, now, id) as
      | (Omit<ClaimedJob, "attempt" | "payload"> & { attempts: number; payload: string | null })
      | undefined;
    if (!row) continue;
    claimed.push({
      id: row.id,
      kind: row.kind,
      payload: row.payload === null ? null : JSON.parse(row.payload),
      orderKey: row.orderKey,
      attempt: row.attempts,
      maxAttempts: row.maxAttempts,
      createdAt: row.createdAt,
    });
  }
  return claimed;
}

// Every statement below that changes a claimed job carries the same guard: this run still owns
// it (the attempt count is the fencing token). They are plain cached statements rather than
// drizzle builders because they run for every job: building the query each time was a tenth of
// the Slack relay's CPU time (bench/relay).
const OWNED = "id = @id AND state = 'running' AND attempts = @attempt AND locked_by = @workerId";
const owner = (job: ClaimedJob, workerId: string) => ({
  id: job.id,
  attempt: job.attempt,
  workerId,
});

/**
 * Whether the run still owns the job. Inside a transaction the answer holds until it commits:
 * SQLite has one writer, so no other worker can take the job over in between.
 */
export function ownsJob(db: Db, job: ClaimedJob, workerId: string): boolean {
  return prepared(db, `SELECT 1 FROM jobs WHERE ${OWNED}`).get(owner(job, workerId)) !== undefined;
}

/** Pushes the lease forward; false when the run no longer owns the job. */
export function extendLease(db: Db, job: ClaimedJob, workerId: string, until: number): boolean {
  const res = prepared(db, `UPDATE jobs SET lease_until = @until WHERE ${OWNED}`).run({
    ...owner(job, workerId),
    until,
  });
  return res.changes === 1;
}

/** Marks the job done; false when the run no longer owns it. */
export function completeJob(db: Db, job: ClaimedJob, workerId: string, now: number): boolean {
  const res = prepared(
    db,
    `UPDATE jobs SET state = 'done', finished_at = @now, lease_until = NULL, updated_at = @now,
       last_error = NULL
     WHERE ${OWNED}`,
  ).run({ ...owner(job, workerId), now });
  return res.changes === 1;
}

/** Puts the job back in the queue for `runAt`; `countAttempt: false` undoes this run's attempt. */
export function rescheduleJob(
  db: Db,
  job: ClaimedJob,
  workerId: string,
  runAt: number,
  lastError: string | null,
  countAttempt: boolean,
  now: number,
): boolean {
  const res = prepared(
    db,
    `UPDATE jobs SET state = 'pending', run_at = @runAt, lease_until = NULL, locked_by = NULL,
       last_error = @lastError, updated_at = @now, attempts = attempts - @undo
     WHERE ${OWNED}`,
  ).run({ ...owner(job, workerId), runAt, lastError, now, undo: countAttempt ? 0 : 1 });
  return res.changes === 1;
}

/** Gives up on the job, keeping the last error for operators. */
export function killJob(
  db: Db,
  job: ClaimedJob,
  workerId: string,
  lastError: string,
  now: number,
): boolean {
  const res = prepared(
    db,
    `UPDATE jobs SET state = 'dead', last_error = @lastError, finished_at = @now,
       lease_until = NULL, updated_at = @now
     WHERE ${OWNED}`,
  ).run({ ...owner(job, workerId), lastError, now });
  return res.changes === 1;
}

/**
 * After a job's run: when the next pending job of its order key, or the job itself if it was put
 * back for a retry, is due (null: neither is pending).
 */
export function nextAfter(db: Db, job: Pick<ClaimedJob, "id" | "orderKey">): number | null {
  const row = prepared(
    db,
    "SELECT min(run_at) AS t FROM jobs WHERE state = 'pending' AND (id = ? OR order_key = ?)",
  ).get(job.id, job.orderKey) as { t: number | null };
  return row.t;
}

/** Earliest time a pending job becomes due, to sleep until then (null when none is pending). */
export function nextDueAt(db: Db): number | null {
  const row = prepared(
    db,
    // Same ordering rule as the claim: a job waiting behind an earlier one of its key is not
    // "due", otherwise the runner would spin on it while the earlier one runs or backs off.
    `SELECT min(t) AS t FROM (
         SELECT min(j.run_at) AS t FROM jobs j WHERE j.state = 'pending' AND ${FIRST_IN_ORDER}
         UNION ALL SELECT min(lease_until) FROM jobs WHERE state = 'running')`,
  ).get() as { t: number | null };
  return row.t;
}
