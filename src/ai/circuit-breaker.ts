import { randomUUID } from "node:crypto";

/** Breaker settings: see AI_BREAKER_FAILURES and AI_BREAKER_COOLDOWN_MS. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long an open breaker refuses calls before letting one trial call through. */
  cooldownMs: number;
  /**
   * How long a half-open trial call keeps the trial slot when nobody reports its end (its success,
   * failure or abandon frees it at once). Only a caller that died mid-call, which with a shared
   * state can be another instance, leaves it to run out. Default: the cool-down, at least two
   * minutes (longer than a model call with its retries, so a slow trial is not doubled).
   */
  trialLeaseMs?: number;
  /**
   * Where the breaker's record lives: this object's memory when absent (one process, tools such
   * as `npm run eval`), or the database (`storedBreakerState`, src/ai/breaker-store.ts) so that
   * every instance sharing it sees the same failures, opening and trial.
   */
  store?: BreakerStateStore;
  now?: () => number;
}

export type BreakerState = "closed" | "open" | "half_open";

/** A breaker's whole state: the same whether kept in memory or in the database. */
export interface BreakerRecord {
  /** Consecutive failures (reset by any success). */
  failures: number;
  /** When the breaker last opened (null: closed). */
  openedAt: number | null;
  /** Until when the half-open trial holds its slot (null: no trial in flight). */
  trialUntil: number | null;
  /** Which breaker object holds the trial (its `abandon` frees only its own). */
  trialBy: string | null;
}

/** A closed breaker with nothing remembered. */
export const CLOSED_BREAKER: BreakerRecord = Object.freeze({
  failures: 0,
  openedAt: null,
  trialUntil: null,
  trialBy: null,
});

/** Whether a record remembers nothing (the store may then drop it). */
export const isClosedAndClean = (r: BreakerRecord): boolean =>
  r.failures === 0 && r.openedAt === null && r.trialUntil === null && r.trialBy === null;

/** Where a breaker keeps its record. */
export interface BreakerStateStore {
  read(): BreakerRecord;
  /**
   * Applies `change` to the current record as one step (read, decide, write: no other breaker
   * sharing the store acts in between) and returns its result.
   */
  update<T>(change: (r: BreakerRecord) => { next: BreakerRecord; result: T }): T;
}

/** A record in this process's memory: the breaker of one process alone. */
export function memoryBreakerState(): BreakerStateStore {
  let record = CLOSED_BREAKER;
  return {
    read: () => record,
    update(change) {
      const { next, result } = change(record);
      record = next;
      return result;
    },
  };
}

/** The state a record is in at `now`. */
export function breakerState(r: BreakerRecord, now: number, cooldownMs: number): BreakerState {
  if (r.openedAt === null) return "closed";
  return now - r.openedAt >= cooldownMs ? "half_open" : "open";
}

const trialHeld = (r: BreakerRecord, now: number) => r.trialUntil !== null && now < r.trialUntil;

/**
 * Skips a failing dependency for a cool-down instead of making every customer wait for the full
 * retry chain. Closed → (N consecutive failures) → open → (cool-down) → half-open: one trial
 * call; success closes it, failure opens it again.
 *
 * The record is kept in `opts.store`: with the database store, failures counted by one instance
 * open the breaker for all, a success anywhere closes it, and the half-open trial is one call
 * across all instances (its slot is taken with a compare-and-set and leased, so an instance
 * killed mid-trial does not hold it for ever). Reads are one primary-key lookup; a healthy
 * dependency is never written for.
 */
export class CircuitBreaker {
  /** Tells this object's trial from another's (another instance's, or another tier's). */
  private readonly id = randomUUID();
  private readonly now: () => number;
  private readonly store: BreakerStateStore;
  private readonly trialLeaseMs: number;

  constructor(private readonly opts: CircuitBreakerOptions) {
    this.now = opts.now ?? Date.now;
    this.store = opts.store ?? memoryBreakerState();
    this.trialLeaseMs = opts.trialLeaseMs ?? Math.max(opts.cooldownMs, 120_000);
  }

  get state(): BreakerState {
    return breakerState(this.store.read(), this.now(), this.opts.cooldownMs);
  }

  /** Whether a call may go ahead now (in half-open state, only one trial at a time). */
  allow(): boolean {
    const now = this.now();
    const seen = this.store.read();
    const s = breakerState(seen, now, this.opts.cooldownMs);
    if (s === "closed") return true;
    if (s === "open" || trialHeld(seen, now)) return false;
    // Half-open with a free slot: taken as one step, since another instance may be taking it too.
    return this.store.update((r) => {
      const state = breakerState(r, now, this.opts.cooldownMs);
      if (state === "closed") return { next: r, result: true };
      if (state === "open" || trialHeld(r, now)) return { next: r, result: false };
      return {
        next: { ...r, trialUntil: now + this.trialLeaseMs, trialBy: this.id },
        result: true,
      };
    });
  }

  /** The call was cancelled (not a verdict on the dependency): frees a half-open trial slot. */
  abandon(): void {
    if (this.store.read().trialBy !== this.id) return;
    this.store.update((r) => ({
      next: r.trialBy === this.id ? { ...r, trialUntil: null, trialBy: null } : r,
      result: undefined,
    }));
  }

  success(): void {
    // The hot path (every answered call): a read, and a write only when something was remembered.
    if (isClosedAndClean(this.store.read())) return;
    this.store.update(() => ({ next: CLOSED_BREAKER, result: undefined }));
  }

  failure(): void {
    const now = this.now();
    const limit = this.opts.failures;
    this.store.update((r) => {
      const failures = r.failures + 1;
      const open = r.openedAt !== null || failures >= limit;
      return {
        next: { failures, openedAt: open ? now : null, trialUntil: null, trialBy: null },
        result: undefined,
      };
    });
  }
}
