import type { JobId } from "../core/ids.ts";

/** The kinds of durable jobs; each has one handler registered with the runner. */
export type JobKind = "turn" | "send" | (string & {});

/** A job as a handler sees it. */
export interface ClaimedJob<P = unknown> {
  id: JobId;
  kind: JobKind;
  payload: P;
  orderKey: string | null;
  /** 1 on the first run; the runner's fencing token for this run. */
  attempt: number;
  maxAttempts: number;
  createdAt: number;
  /** When the job first failed (the start of its retry budget); null/absent: never failed. */
  firstFailedAt?: number | null;
}

/** Tools a handler gets for one run. */
export interface JobContext {
  /** Aborted when the runner stops or the lease was lost. */
  signal: AbortSignal;
  /**
   * Applies `fn`'s database writes and marks the job done in one transaction, so the effects of a
   * job commit exactly once even if the process dies right after. Throws LeaseLostError when
   * another worker has taken the job over (its writes are rolled back).
   */
  commit(fn: () => void): void;
  /**
   * Applies `fn`'s database writes in one transaction without completing the job, only while
   * this run still owns it. For a mark that must come before a remote call
   * (e.g. "sending"): a run that lost its lease gets LeaseLostError instead of overwriting the
   * new owner's mark and calling out a second time.
   */
  fenced<T>(fn: () => T): T;
}

/** What a handler may ask for instead of completing. */
export type JobOutcome =
  | undefined
  | { type: "done" }
  /** Run again later without counting a failure (e.g. waiting for an outcome to be known). */
  | { type: "reschedule"; delayMs: number; reason: string };

export type JobHandler<P = unknown> = (
  job: ClaimedJob<P>,
  ctx: JobContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: lets plain `async () => {}` handlers type-check
) => Promise<JobOutcome | void>;

/** Thrown by a handler for a failure that must not be retried. */
export class PermanentJobError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PermanentJobError";
  }
}

/** Thrown when a job's lease passed to another worker while it ran. */
export class LeaseLostError extends Error {
  constructor(id: JobId) {
    super(`job ${id}: lease lost to another worker; its result is discarded`);
    this.name = "LeaseLostError";
  }
}

/** Options for putting a job on the queue. */
export interface EnqueueOptions {
  kind: JobKind;
  payload: unknown;
  /** Jobs with the same key run one at a time in enqueue order. */
  orderKey?: string | null;
  /** A second enqueue with the same key is ignored. */
  dedupeKey?: string | null;
  /** Unix ms; defaults to now. */
  runAt?: number;
  maxAttempts?: number;
}
