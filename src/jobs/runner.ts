import { randomUUID } from "node:crypto";
import { lazyChild } from "../lazy-logger.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { inTransaction } from "../store/tx.ts";
import {
  type BackoffPolicy,
  backoffDelay,
  DEFAULT_RETRY_BUDGET_MS,
  defaultBackoff,
  RETRY_AFTER_CAP_MS,
} from "./backoff.ts";
import {
  claimDueJobs,
  completeJob,
  extendLease,
  heartbeatWorker,
  killJob,
  nextAfter,
  nextDueAt,
  ownsJob,
  registerWorker,
  releaseJob,
  rescheduleJob,
  STALE_HEARTBEATS,
  stopWorker,
} from "./repository.ts";
import { type ClaimedJob, type JobHandler, type JobKind, LeaseLostError } from "./types.ts";

/** Runner settings; see the JOB_* variables in the README. */
export interface JobRunnerOptions {
  db: Db;
  logger: Logger;
  handlers: Partial<Record<JobKind, JobHandler<never>>>;
  leaseMs: number;
  pollMs: number;
  concurrency: number;
  backoff?: BackoffPolicy;
  /**
   * How long a failing job keeps retrying, from its first failure (JOB_RETRY_BUDGET_MS): a
   * remote that is down for less than this loses nothing. Only errors marked `retryable: false`
   * (PermanentJobError) end a job earlier; `max_attempts` is a safety net.
   */
  retryBudgetMs?: number;
  /** Per kind, a different budget (e.g. `Infinity` for a job that must never be given up). */
  retryBudgetByKind?: Partial<Record<JobKind, number>>;
  /**
   * The worker heartbeat (JOB_HEARTBEAT_MS): jobs of a worker silent for three heartbeats, or
   * stopped, are taken over at once instead of after JOB_LEASE_MS.
   */
  heartbeatMs?: number;
  /**
   * Per kind, what to record when a job is given up (e.g. mark its message failed and tell the
   * agent). Runs in the same transaction that marks the job dead, so it happens exactly once.
   */
  onDead?: Partial<Record<JobKind, (job: ClaimedJob<never>, error: string) => void>>;
  /** After the kind's own handler, for every death (the operators' alert), same transaction. */
  onAnyDead?: (job: ClaimedJob<never>, error: string) => void;
  workerId?: string;
  now?: () => number;
}

/** A running job loop. */
export interface JobRunner {
  readonly workerId: string;
  start(): void;
  /**
   * Claims and runs due jobs at `at` (Unix ms; default now) unless a check is already planned
   * earlier. Call after enqueueing to skip the poll delay.
   */
  wake(at?: number): void;
  /**
   * Stops claiming, waits up to `timeoutMs` for running jobs, then aborts the rest and gives
   * them back to the queue (due at once, no failure counted), and records a clean stop.
   */
  stop(timeoutMs?: number): Promise<void>;
  /**
   * At once and synchronously: gives every running job back to the queue and records a clean
   * stop (a second SIGTERM, just before exiting). Handlers still running lose their fencing.
   */
  abandon(): void;
  /** Runs due jobs until none is left; for tests and scripts. Returns how many ran. */
  drain(): Promise<number>;
  inFlight(): number;
}

/**
 * The durable job loop. Hand-written rather than a queue library: the jobs must live in the same
 * SQLite file and be written in the same transaction as the data they act on (an outbox), and
 * the per-conversation ordering and lease fencing are a few SQL statements; the Node queue
 * libraries we looked at need Redis or Postgres. See docs/architecture.md.
 */
export function createJobRunner(opts: JobRunnerOptions): JobRunner {
  const { db, logger, leaseMs, pollMs, concurrency } = opts;
  const backoff = opts.backoff ?? defaultBackoff;
  const budgetMs = opts.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  const heartbeatMs = opts.heartbeatMs ?? 2_000;
  const now = opts.now ?? Date.now;
  const workerId = opts.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const running = new Map<
    number,
    { promise: Promise<void>; abort: AbortController; job: ClaimedJob }
  >();
  let heartbeat: ReturnType<typeof setInterval> | null = null;
  let started = false;
  let stopping = false;
  // The next planned check and when it fires.
  let planned: { at: number; cancel: () => void } | null = null;
  let ticking = false;
  let saturated = false;
  let tickAgain = false;

  // Keeps the earliest planned check only: a busy webhook calls wake() thousands of times a
  // second and each call must not cost a claim query. `soon` (a wake after an enqueue, or a job
  // that finished) uses an immediate: a 0 ms timer waits Node's 1 ms minimum, paid on every hop
  // of the Slack relay (bench/relay). The runner's own re-checks keep timers so that a claim
  // that keeps failing cannot spin the event loop.
  function schedule(delayMs: number, soon = false) {
    if (!started || stopping) return;
    const delay = Math.max(0, delayMs);
    const at = Date.now() + delay;
    if (planned && planned.at <= at) return;
    planned?.cancel();
    if (soon && delay === 0) {
      // Never unref'd: an unref'd immediate does not stop the event loop from sleeping in poll
      // until the next timer or I/O, so a quiet service ran woken jobs up to JOB_POLL_MS late
      // (test/runner-wake.test.ts). It runs within this loop turn, so it holds nothing open.
      const handle = setImmediate(tick);
      planned = { at, cancel: () => clearImmediate(handle) };
    } else {
      const handle = setTimeout(tick, delay);
      handle.unref?.();
      planned = { at, cancel: () => clearTimeout(handle) };
    }
  }

  function tick() {
    planned = null;
    if (ticking) {
      tickAgain = true;
      return;
    }
    ticking = true;
    try {
      claimAndRun();
    } catch (err) {
      logger.error({ err }, "job runner: claiming jobs failed");
    } finally {
      ticking = false;
    }
    if (tickAgain) {
      tickAgain = false;
      schedule(0, true);
      return;
    }
    const due = nextDueAt(db);
    const wait = due === null ? pollMs : Math.min(pollMs, Math.max(0, due - now()));
    schedule(running.size >= concurrency ? pollMs : wait);
  }

  function claimAndRun(): number {
    const free = concurrency - running.size;
    if (stopping) return 0;
    if (free <= 0) {
      // No room to look: whatever is due must be claimed when a slot frees.
      saturated = true;
      return 0;
    }
    const at = now();
    const claimed = inTransaction(db, () =>
      claimDueJobs(db, workerId, free, leaseMs, at, at - STALE_HEARTBEATS * heartbeatMs),
    );
    // Every free slot taken: more jobs may be due than there was room for.
    saturated = claimed.length >= free;
    for (const job of claimed) {
      const abort = new AbortController();
      const promise = execute(job, abort)
        .catch((err) => {
          // Recording the outcome failed (database locked past busy_timeout, disk full): the job
          // keeps its lease and is taken over when it expires. Never crash the process for it.
          logger.error({ err, jobId: job.id }, "job runner: could not record a job's outcome");
        })
        .finally(() => {
          running.delete(job.id);
          if (started) afterJob(job);
        });
      running.set(job.id, { promise, abort, job });
    }
    return claimed.length;
  }

  // Claims again only when a finished job may have let something become due: jobs were waiting
  // for a free slot, a job of the same key was queued behind it, or it was itself put back.
  // A claim is a write transaction, and claiming after every job was a large share of the
  // relay's CPU time (bench/relay); jobs queued meanwhile called wake() themselves, and anything
  // else is found by the planned check (at most JOB_POLL_MS away).
  function afterJob(job: ClaimedJob) {
    try {
      if (saturated) return schedule(0, true);
      const next = nextAfter(db, job);
      if (next !== null) schedule(next - now(), true);
    } catch (err) {
      logger.warn({ err, jobId: job.id }, "job runner: could not look for the next job; polling");
      schedule(0);
    }
  }

  async function execute(job: ClaimedJob, abort: AbortController): Promise<void> {
    if (job.attempt > job.maxAttempts) {
      // Reclaimed after an expired lease with no attempts left: the last run most likely took
      // the process down with it, so running it again would only repeat that.
      fail(
        job,
        Object.assign(new Error("lease expired on its last attempt (the worker died running it)"), {
          retryable: false,
        }),
        logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempt }),
      );
      return;
    }
    // Built only if the job logs above debug: most jobs log nothing else.
    const log = lazyChild(logger, { jobId: job.id, kind: job.kind, attempt: job.attempt });
    const handler = opts.handlers[job.kind] as JobHandler | undefined;
    const heartbeat = setInterval(
      () => {
        try {
          if (!extendLease(db, job, workerId, now() + leaseMs))
            abort.abort(new LeaseLostError(job.id));
        } catch (err) {
          log.warn({ err }, "job runner: could not extend lease");
        }
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref?.();
    let committed = false;
    try {
      if (!handler)
        throw Object.assign(new Error(`no handler for job kind "${job.kind}"`), {
          retryable: false,
        });
      const outcome = await handler(job, {
        signal: abort.signal,
        fenced(fn) {
          // A read, not a lease update: the heartbeat keeps the lease, and writing the job's
          // row here cost the relay's send path about half a millisecond (bench/relay).
          return inTransaction(db, () => {
            if (!ownsJob(db, job, workerId)) throw new LeaseLostError(job.id);
            return fn();
          });
        },
        commit(fn) {
          inTransaction(db, () => {
            fn();
            if (!completeJob(db, job, workerId, now())) throw new LeaseLostError(job.id);
          });
          committed = true;
        },
      });
      if (outcome?.type === "reschedule") {
        if (committed) throw new Error("a job cannot both commit and reschedule");
        rescheduleJob(db, job, workerId, now() + outcome.delayMs, outcome.reason, false, now());
        log.debug({ delayMs: outcome.delayMs, reason: outcome.reason }, "job rescheduled");
        return;
      }
      if (!committed && !completeJob(db, job, workerId, now())) throw new LeaseLostError(job.id);
      log.debug("job done");
    } catch (err) {
      if (abort.signal.reason instanceof RunnerStoppedError) {
        release(job);
        log.warn("job abandoned at shutdown; released to the queue for the next start");
        return;
      }
      if (err instanceof LeaseLostError || abort.signal.reason instanceof LeaseLostError) {
        log.warn({ err }, "job lease lost; the other worker's run decides the outcome");
        return;
      }
      fail(job, err, log);
    } finally {
      clearInterval(heartbeat);
    }
  }

  function fail(job: ClaimedJob, err: unknown, log: Logger) {
    const message = describe(err);
    const retryable = !(
      typeof err === "object" &&
      err !== null &&
      (err as { retryable?: unknown }).retryable === false
    );
    const at = now();
    const failingSince = job.firstFailedAt ?? at;
    const budget = opts.retryBudgetByKind?.[job.kind] ?? budgetMs;
    const outOfTime = at - failingSince >= budget;
    if (!retryable || job.attempt >= job.maxAttempts || outOfTime) {
      const onDead = opts.onDead?.[job.kind] as
        | ((job: ClaimedJob, error: string) => void)
        | undefined;
      let died = false;
      inTransaction(db, () => {
        died = killJob(db, job, workerId, message, at);
        if (died) {
          onDead?.(job, message);
          opts.onAnyDead?.(job as ClaimedJob<never>, message);
        }
      });
      if (!died) return;
      const why = !retryable
        ? "permanent error"
        : outOfTime
          ? `retried for ${Math.round((at - failingSince) / 1000)} s (budget ${Math.round(budget / 1000)} s)`
          : `attempt limit ${job.maxAttempts}`;
      // Deaths page someone: a dead job is work that did not happen (see the kind's dead handler).
      log.error(
        { err, attempts: job.attempt, retryable, alert: "operator", jobDead: true },
        `job dead after ${job.attempt} attempt(s), ${why}: ${message}`,
      );
      return;
    }
    const hinted = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
    const delay = Math.max(
      backoffDelay(job.attempt, backoff),
      typeof hinted === "number" ? Math.min(hinted, RETRY_AFTER_CAP_MS) : 0,
    );
    rescheduleJob(db, job, workerId, now() + delay, message, true, now());
    log.warn({ err, retryInMs: delay }, `job failed, will retry: ${message}`);
  }

  /** Gives a job this run abandons back to the queue; harmless if it finished meanwhile. */
  function release(job: ClaimedJob) {
    try {
      releaseJob(db, job, workerId, now());
    } catch (err) {
      logger.warn({ err, jobId: job.id }, "job runner: could not release a job at shutdown");
    }
  }

  function beat() {
    try {
      heartbeatWorker(db, workerId, now());
    } catch (err) {
      logger.warn({ err }, "job runner: could not record its heartbeat");
    }
  }

  function markStopped() {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    try {
      stopWorker(db, workerId, now());
    } catch (err) {
      logger.warn({ err }, "job runner: could not record its stop");
    }
  }

  return {
    workerId,
    start() {
      if (started) return;
      started = true;
      stopping = false;
      // Heartbeat rather than "take over every running job at start": a process owns its SQLite
      // file today, but a heartbeat stays right with a second instance (or a runner started
      // twice in one process, as tests do), and it also catches a worker that hangs.
      registerWorker(db, workerId, now());
      heartbeat = setInterval(beat, heartbeatMs);
      heartbeat.unref?.();
      schedule(0);
    },
    wake(at) {
      schedule(at === undefined ? 0 : at - Date.now(), true);
    },
    async stop(timeoutMs = 10_000) {
      stopping = true;
      started = false;
      planned?.cancel();
      planned = null;
      const all = Promise.allSettled([...running.values()].map((r) => r.promise));
      const timeout = new Promise((r) => setTimeout(r, timeoutMs).unref?.());
      await Promise.race([all, timeout]);
      // Jobs still running are abandoned without counting a failure: aborted, and released to
      // the queue (due at once) so the next start takes them without waiting for the lease.
      const left = [...running.values()];
      for (const r of left) r.abort.abort(new RunnerStoppedError());
      const settled = Promise.allSettled(left.map((r) => r.promise));
      // A handler that ignores its signal is not waited for: its job is released anyway, and
      // whatever it tries to record later is refused by the fencing.
      await Promise.race([settled, new Promise((r) => setTimeout(r, 1_000).unref?.())]);
      for (const r of left) release(r.job);
      markStopped();
    },
    abandon() {
      stopping = true;
      started = false;
      planned?.cancel();
      planned = null;
      for (const r of running.values()) {
        r.abort.abort(new RunnerStoppedError());
        release(r.job);
      }
      markStopped();
    },
    async drain() {
      let ran = 0;
      for (;;) {
        ran += claimAndRun();
        if (running.size === 0) return ran;
        await Promise.race([...running.values()].map((r) => r.promise));
      }
    },
    inFlight: () => running.size,
  };
}

/** The abort reason when the runner stops with jobs still running. */
class RunnerStoppedError extends Error {
  constructor() {
    super("job runner stopped");
    this.name = "RunnerStoppedError";
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
