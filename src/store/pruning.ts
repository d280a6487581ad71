import { type BatchedTimer, startBatchedTimer } from "./batched-timer.ts";
import type { Db } from "./db.ts";
import { prepared } from "./prepared.ts";
import {
  PRUNING_BATCH,
  PRUNING_EVERY_MS,
  PRUNING_FIRST_RUN_MS,
  type PruningCutoffs,
  type PruningSettings,
  pruningCutoffs,
} from "./pruning-rule.ts";
import { holdsSingleton } from "./singleton.ts";

import { inTransaction } from "./tx.ts";

/**
 * The SQL side of housekeeping (rules: src/store/pruning-rule.ts): finished jobs and old status
 * events are deleted in batches of PRUNING_BATCH rows, one short transaction each, so webhooks
 * and jobs never wait long; the timer yields to the event loop between batches.
 */

/** Rows deleted by one run (or one batch). */
export interface PruningCounts {
  jobs: number;
  statusEvents: number;
}

// Served by jobs_due_idx (state, run_at): a done job ran at or after its run_at (only
// completeJob sets `done`, on a claimed job), so `run_at < cutoff` bounds the range read and
// `finished_at` decides.
const DELETE_JOBS = `DELETE FROM jobs WHERE id IN (
  SELECT id FROM jobs
  WHERE state = 'done' AND run_at < @before AND finished_at < @before
  LIMIT @batch)`;

// Status events in id order, which is the order they were stored in: the walk stops at the
// first one young enough to keep, so a run reads only the rows it deletes (plus the few kept
// as send proofs, which sit at the low end).
const NEXT_STATUS_EVENTS = `SELECT id, created_at AS createdAt FROM status_events
  WHERE id > @after ORDER BY id LIMIT @batch`;

// A status event naming a message still `queued` or `sending` may prove that an earlier attempt
// with an unknown outcome reached Meta: kept until that send is decided.
const DELETE_STATUS_EVENTS = `DELETE FROM status_events
  WHERE id > @after AND id <= @through AND created_at < @before
    AND NOT (callback_data LIKE 'msg:%' AND EXISTS (
      SELECT 1 FROM messages m
      WHERE m.id = CAST(substr(status_events.callback_data, 5) AS INTEGER)
        AND m.status IN ('queued', 'sending')))`;

/**
 * The batches of one run, as a generator: each `next()` deletes one batch in its own
 * transaction. Returns the totals when nothing is due any more.
 */
export function* pruningSteps(
  db: Db,
  cutoffs: PruningCutoffs,
  batch = PRUNING_BATCH,
): Generator<PruningCounts, PruningCounts> {
  const total: PruningCounts = { jobs: 0, statusEvents: 0 };
  for (;;) {
    const n = inTransaction(
      db,
      () =>
        prepared(db, DELETE_JOBS).run({ before: cutoffs.jobsDoneBefore, batch }).changes as number,
    );
    total.jobs += n;
    if (n > 0) yield { jobs: n, statusEvents: 0 };
    if (n < batch) break;
  }
  let after = 0;
  for (;;) {
    const step = inTransaction(db, () => {
      const rows = prepared(db, NEXT_STATUS_EVENTS).all({ after, batch }) as {
        id: number;
        createdAt: number;
      }[];
      // Only up to the first event young enough to keep: the rest of the table is younger.
      const young = rows.findIndex((r) => r.createdAt >= cutoffs.statusEventsBefore);
      const old = young === -1 ? rows : rows.slice(0, young);
      const through = old.at(-1)?.id;
      const deleted =
        through === undefined
          ? 0
          : (prepared(db, DELETE_STATUS_EVENTS).run({
              after,
              through,
              before: cutoffs.statusEventsBefore,
            }).changes as number);
      return { deleted, through, more: young === -1 && rows.length === batch };
    });
    total.statusEvents += step.deleted;
    if (step.deleted > 0) yield { jobs: 0, statusEvents: step.deleted };
    if (!step.more || step.through === undefined) break;
    after = step.through;
  }
  return total;
}

/** Runs every batch at once (tests, operator commands); the service uses the timer. */
export function pruneNow(
  db: Db,
  settings: PruningSettings,
  now: number,
  batch = PRUNING_BATCH,
): PruningCounts {
  const steps = pruningSteps(db, pruningCutoffs(now, settings), batch);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Where the timer reports (a pino child logger fits). */
export interface PruningLogger {
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Pruning's timer (see `startBatchedTimer`). */
export type PruningTimer = BatchedTimer<PruningCounts>;

/** Another instance holds the pruning singleton: a run with nothing to do. */
// biome-ignore lint/correctness/useYield: an empty run, as the timer's steps contract wants.
function* nothingToPrune(): Generator<PruningCounts, PruningCounts> {
  return { jobs: 0, statusEvents: 0 };
}

/**
 * Prunes shortly after start and then hourly, yielding to the event loop between batches. The
 * timers are unref'd: they never keep the process alive. Logs counts only.
 */
export function startPruningTimer(opts: {
  db: Db;
  settings: PruningSettings;
  logger: PruningLogger;
  firstRunMs?: number;
  everyMs?: number;
  now?: () => number;
  batch?: number;
}): PruningTimer {
  const { db, settings, logger } = opts;
  return startBatchedTimer({
    // Several instances on one PostgreSQL database: one of them prunes.
    steps: (startedAt) =>
      holdsSingleton(db, "pruning")
        ? pruningSteps(db, pruningCutoffs(startedAt, settings), opts.batch)
        : nothingToPrune(),
    done: (counts, ms) =>
      (counts.jobs + counts.statusEvents > 0 ? logger.info : logger.debug).call(
        logger,
        { counts, ms },
        "finished jobs and old status events pruned",
      ),
    failed: (err) => logger.error({ err }, "pruning failed; retried at the next run"),
    firstRunMs: opts.firstRunMs ?? PRUNING_FIRST_RUN_MS,
    everyMs: opts.everyMs ?? PRUNING_EVERY_MS,
    ...(opts.now ? { now: opts.now } : {}),
  });
}
