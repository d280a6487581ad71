/** Retry delays: exponential from `baseMs`, capped at `maxMs`, with jitter so retries spread out. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * 1 s doubling to 30 s: during an outage a job is tried every 15–30 s, so once the remote is
 * back its queue drains within half a minute (JOB_BACKOFF_MAX_MS).
 */
export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 };

/** A remote's own Retry-After is honoured up to this long (a 429 storm must not stall a day). */
export const RETRY_AFTER_CAP_MS = 5 * 60_000;

/** How long a failing job keeps retrying, counted from its first failure (JOB_RETRY_BUDGET_MS). */
export const DEFAULT_RETRY_BUDGET_MS = 15 * 60_000;

/**
 * Delay before attempt `attempt + 1`, after `attempt` failures (1-based). "Equal jitter": half
 * fixed, half random, so the delay still grows with each failure but retries of many jobs that
 * failed together (one outage) do not hit the remote at the same instant.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
