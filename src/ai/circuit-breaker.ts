/** Breaker settings: see AI_BREAKER_FAILURES and AI_BREAKER_COOLDOWN_MS. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long an open breaker refuses calls before letting one trial call through. */
  cooldownMs: number;
  now?: () => number;
}

export type BreakerState = "closed" | "open" | "half_open";

/**
 * Skips a failing dependency for a cool-down instead of making every customer wait for the full
 * retry chain. Closed → (N consecutive failures) → open → (cool-down) → half-open: one trial
 * call; success closes it, failure opens it again. In memory, per process.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly opts: CircuitBreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.openedAt === null) return "closed";
    return this.now() - this.openedAt >= this.opts.cooldownMs ? "half_open" : "open";
  }

  /** Whether a call may go ahead now (in half-open state, only one trial at a time). */
  allow(): boolean {
    const s = this.state;
    if (s === "closed") return true;
    if (s === "open" || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** The call was cancelled (not a verdict on the dependency): frees a half-open trial slot. */
  abandon(): void {
    this.trialInFlight = false;
  }

  success(): void {
    this.consecutive = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.consecutive++;
    if (this.openedAt !== null || this.consecutive >= this.opts.failures)
      this.openedAt = this.now();
  }
}
