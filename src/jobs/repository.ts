import type { JobId } from "../core/ids.ts";
import type { WorkerLife } from "../core/uptime.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import type { ClaimedJob, EnqueueOptions } from "./types.ts";

/**
 * A safety net only: a failing job gives up when its retry time budget (JOB_RETRY_BUDGET_MS,
 * counted from its first failure) is spent, which at the capped backoff is a few dozen attempts.
 */
export const DEFAULT_MAX_ATTEMPTS = 1000;

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
 * Claims up to `limit` due jobs for `workerId`: pending jobs whose time has come, running jobs
 * whose lease expired (their worker died), and running jobs of another worker whose heartbeat is
 * older than `staleBefore` or that announced a clean stop (see `workers`), which are taken over
 * at once rather than after their lease. A job with an order key is only due when no earlier job
 * with that key is unfinished, which keeps each conversation's jobs in order. Taking over a
 * running job counts as a failure for its retry budget (the worker may have died of it).
 * Must run inside an immediate transaction so two workers never claim the same row.
 */
export function claimDueJobs(
  db: Db,
  workerId: string,
  limit: number,
  leaseMs: number,
  now: number,
  staleBefore: number | null = null,
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
  // Running jobs are few (at most JOB_CONCURRENCY per live worker), so the worker lookup is cheap.
  const expired = prepared(
    db,
    `SELECT id, run_at AS runAt FROM jobs j
     WHERE j.state = 'running' AND (j.lease_until <= @now OR (j.locked_by <> @self AND EXISTS (
         SELECT 1 FROM workers w WHERE w.id = j.locked_by
           AND (w.stopped_at IS NOT NULL OR w.heartbeat_at <= @stale))))
       AND ${FIRST_IN_ORDER}`,
  ).all({ now, self: workerId, stale: staleBefore ?? -1 }) as { id: JobId; runAt: number }[];
  const candidates =
    expired.length === 0
      ? pending
      : [...pending, ...expired].sort((a, b) => a.runAt - b.runAt || a.id - b.id).slice(0, limit);
  const claimed: ClaimedJob[] = [];
  const claim = prepared(
    db,
    `UPDATE jobs SET attempts = attempts + 1, lease_until = @lease, locked_by = @workerId,
       updated_at = @now,
       first_failed_at = CASE WHEN state = 'running' THEN coalesce(first_failed_at, @now)
         ELSE first_failed_at END,
       state = 'running'
     WHERE id = @id
     RETURNING id, kind, payload, order_key AS orderKey, attempts, max_attempts AS maxAttempts,
       created_at AS createdAt, first_failed_at AS firstFailedAt`,
  );
  for (const { id } of candidates) {
    const row = claim.get({ lease: now + leaseMs, workerId, now, id }) as
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
      firstFailedAt: row.firstFailedAt ?? null,
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
       last_error = @lastError, updated_at = @now, attempts = attempts - @undo,
       first_failed_at = CASE WHEN @undo = 0 THEN coalesce(first_failed_at, @now)
         ELSE first_failed_at END
     WHERE ${OWNED}`,
  ).run({ ...owner(job, workerId), runAt, lastError, now, undo: countAttempt ? 0 : 1 });
  return res.changes === 1;
}

/**
 * Gives a job this run abandons (shutdown) back to the queue, due at once, without counting a
 * failure: no backoff, no retry budget. The attempt number still advances on the next claim, so
 * the handler knows its previous run may have got as far as a remote call (e.g. `slack.post`
 * looks for its earlier post); `max_attempts` is raised by one so that this cannot use up the
 * last attempt.
 */
export function releaseJob(db: Db, job: ClaimedJob, workerId: string, now: number): boolean {
  const res = prepared(
    db,
    `UPDATE jobs SET state = 'pending', run_at = @now, lease_until = NULL, locked_by = NULL,
       updated_at = @now, max_attempts = max(max_attempts, attempts + 1)
     WHERE ${OWNED}`,
  ).run({ ...owner(job, workerId), now });
  return res.changes === 1;
}

/**
 * Records a runner as alive (at start) and drops rows of workers gone for a day. A runner started
 * again under the same id begins a new life (`started_at`): the gap since it stopped is not uptime.
 */
export function registerWorker(db: Db, workerId: string, now: number): void {
  prepared(
    db,
    `INSERT INTO workers (id, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET
       started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
  ).run(workerId, process.pid, now, now);
  prepared(
    db,
    `DELETE FROM workers WHERE heartbeat_at < ? AND NOT EXISTS (
       SELECT 1 FROM jobs j WHERE j.state = 'running' AND j.locked_by = workers.id)`,
  ).run(now - 24 * 60 * 60_000);
}

/**
 * A runner whose heartbeat is this many heartbeats old is taken for dead: its running jobs are
 * taken over, and its life ends at that last heartbeat (see `workerLives`).
 */
export const STALE_HEARTBEATS = 3;

/**
 * Every recorded runner's life, for `serviceUpSince` (src/core/uptime.ts): alive while it has not
 * stopped and its heartbeat is newer than `staleBefore`; else until its stop or last heartbeat.
 */
export function workerLives(db: Db, staleBefore: number): WorkerLife[] {
  const rows = prepared(
    db,
    "SELECT started_at AS startedAt, heartbeat_at AS heartbeatAt, stopped_at AS stoppedAt FROM workers",
  ).all() as { startedAt: number; heartbeatAt: number; stoppedAt: number | null }[];
  return rows.map((r) => ({
    // Numbers on both engines (PostgreSQL's bigint arrives as a string through some drivers).
    startedAt: Number(r.startedAt),
    until:
      r.stoppedAt === null && Number(r.heartbeatAt) > staleBefore
        ? null
        : Number(r.stoppedAt ?? r.heartbeatAt),
  }));
}

/** The runner's heartbeat: it is alive and still owns the jobs it locked. */
export function heartbeatWorker(db: Db, workerId: string, now: number): void {
  prepared(db, "UPDATE workers SET heartbeat_at = ? WHERE id = ?").run(now, workerId);
}

/** A clean stop: whatever this worker still holds may be taken over at once. */
export function stopWorker(db: Db, workerId: string, now: number): void {
  prepared(db, "UPDATE workers SET stopped_at = ?, heartbeat_at = ? WHERE id = ?").run(
    now,
    now,
    workerId,
  );
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

/**
 * Makes a waiting `send` job of this message due now: a status webhook just proved that an
 * earlier attempt whose outcome was unknown reached Meta, so the job can record it at once
 * instead of sleeping out the rest of its unknown-outcome wait (holding the conversation's later
 * jobs back meanwhile).
 */
export function wakeSendJob(db: Db, messageId: number, now: number): void {
  prepared(
    db,
    `UPDATE jobs SET run_at = ? WHERE kind = 'send' AND state = 'pending' AND run_at > ?
       AND json_extract(payload, '$.messageId') = ?`,
  ).run(now, now, messageId);
}
