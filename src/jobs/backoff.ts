/** Retry delays: exponential from `baseMs`, capped at `maxMs`, with jitter so retries spread out. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * Delay before attempt `attempt + 1`, after `attempt` failures (1-based). "Equal jitter": half
 * fixed, half random, so the delay still grows with each failure but retries of many jobs that
 * failed together (one outage) do not hit the remote at the same instant.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
