import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/** A periodic housekeeping run (retention, pruning) that can also be run on demand. */
export interface BatchedTimer<R> {
  /** Runs now (after any run in progress); resolves with its result, or null. */
  runNow(): Promise<R | null>;
  /** Stops the timer and waits for a run in progress to finish its current batch. */
  stop(): Promise<void>;
}

export interface BatchedTimerOptions<R> {
  /** One run as a generator: each `yield` ends a batch (one transaction), the return value is the result. */
  steps: (startedAt: number) => Generator<unknown, R>;
  /** Called with the result and the run's duration. */
  done: (result: R, ms: number) => void;
  /** Called when a run throws; the next run tries again. */
  failed: (err: unknown) => void;
  firstRunMs: number;
  everyMs: number;
  now?: () => number;
}

/**
 * Runs `steps` shortly after start and then every `everyMs`, one run at a time, yielding to the
 * event loop between batches so that webhooks are answered meanwhile. The timers are unref'd:
 * they never keep the process alive. Written by hand rather than with a scheduler library: it
 * is these few lines, and the batches must run on the service's own event loop and database.
 */
export function startBatchedTimer<R>(opts: BatchedTimerOptions<R>): BatchedTimer<R> {
  const now = opts.now ?? Date.now;
  let stopped = false;
  let running: Promise<R | null> = Promise.resolve(null);

  const run = async (): Promise<R | null> => {
    if (stopped) return null;
    const startedAt = now();
    try {
      const steps = opts.steps(startedAt);
      for (;;) {
        const step = steps.next();
        if (step.done) {
          opts.done(step.value, now() - startedAt);
          return step.value;
        }
        if (stopped) return null;
        await yieldToEventLoop();
        if (stopped) return null;
      }
    } catch (err) {
      opts.failed(err);
      return null;
    }
  };
  const schedule = () => {
    running = running.then(run);
    return running;
  };

  const first = setTimeout(schedule, opts.firstRunMs);
  const every = setInterval(schedule, opts.everyMs);
  first.unref();
  every.unref();
  return {
    runNow: schedule,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
