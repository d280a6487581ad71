import { and, eq, sql } from "drizzle-orm";
import type { JobId } from "../core/ids.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { jobs } from "../store/schema.ts";
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
  const candidates = prepared(
    db,
    `SELECT id FROM jobs j
       WHERE ((j.state = 'pending' AND j.run_at <= @now) OR (j.state = 'running' AND j.lease_until <= @now))
         AND (j.order_key IS NULL OR NOT EXISTS (
           SELECT 1 FROM jobs p
           WHERE p.order_key = j.order_key AND p.id < j.id AND p.state IN ('pending', 'running')))
       ORDER BY j.run_at, j.id
       LIMIT @limit`,
  ).all({ now, limit }) as { id: JobId }[];
  const claimed: ClaimedJob[] = [];
  for (const { id } of candidates) {
    const row = db
      .update(jobs)
      .set({
        state: "running",
        attempts: sql`${jobs.attempts} + 1`,
        leaseUntil: now + leaseMs,
        lockedBy: workerId,
        updatedAt: now,
      })
      .where(eq(jobs.id, id))
      .returning()
      .get();
    if (!row) continue;
    claimed.push({
      id: row.id,
      kind: row.kind,
      payload: row.payload,
      orderKey: row.orderKey,
      attempt: row.attempts,
      maxAttempts: row.maxAttempts,
      createdAt: row.createdAt,
    });
  }
  return claimed;
}

/** The condition that this worker's run still owns the job (the attempt is the fencing token). */
function owned(job: ClaimedJob, workerId: string) {
  return and(
    eq(jobs.id, job.id),
    eq(jobs.state, "running"),
    eq(jobs.attempts, job.attempt),
    eq(jobs.lockedBy, workerId),
  );
}

/** Pushes the lease forward; false when the run no longer owns the job. */
export function extendLease(db: Db, job: ClaimedJob, workerId: string, until: number): boolean {
  const res = db.update(jobs).set({ leaseUntil: until }).where(owned(job, workerId)).run();
  return res.changes === 1;
}

/** Marks the job done; false when the run no longer owns it. */
export function completeJob(db: Db, job: ClaimedJob, workerId: string, now: number): boolean {
  const res = db
    .update(jobs)
    .set({ state: "done", finishedAt: now, leaseUntil: null, updatedAt: now, lastError: null })
    .where(owned(job, workerId))
    .run();
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
  const res = db
    .update(jobs)
    .set({
      state: "pending",
      runAt,
      leaseUntil: null,
      lockedBy: null,
      lastError,
      updatedAt: now,
      ...(countAttempt ? {} : { attempts: sql`${jobs.attempts} - 1` }),
    })
    .where(owned(job, workerId))
    .run();
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
  const res = db
    .update(jobs)
    .set({ state: "dead", lastError, finishedAt: now, leaseUntil: null, updatedAt: now })
    .where(owned(job, workerId))
    .run();
  return res.changes === 1;
}

/** Earliest time a pending job becomes due, to sleep until then (null when none is pending). */
export function nextDueAt(db: Db): number | null {
  const row = prepared(
    db,
    // Same ordering rule as the claim: a job waiting behind an earlier one of its key is not
    // "due", otherwise the runner would spin on it while the earlier one runs or backs off.
    `SELECT min(t) AS t FROM (
         SELECT min(j.run_at) AS t FROM jobs j WHERE j.state = 'pending'
           AND (j.order_key IS NULL OR NOT EXISTS (
             SELECT 1 FROM jobs p
             WHERE p.order_key = j.order_key AND p.id < j.id AND p.state IN ('pending', 'running')))
         UNION ALL SELECT min(lease_until) FROM jobs WHERE state = 'running')`,
  ).get() as { t: number | null };
  return row.t;
}
