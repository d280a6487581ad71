/** The sandbox's movable clock: how far "now" is ahead of the real time. */
export interface SandboxClock {
  /** Milliseconds added to the real time. */
  readonly offsetMs: number;
  now(): number;
  /** Moves the clock forward (never back: stored times must stay in the past). */
  advance(ms: number): void;
}

/**
 * Installs the sandbox clock: `Date.now()` (and so every timestamp the service, the emulators
 * and Bolt's request signing compute) runs `offsetMs` ahead of the real time. The service reads
 * time through `Date.now()` in many places; shifting that one function lets the console show a
 * 24-hour window closing or an SLA reminder without a test double in every module. Only the
 * sandbox calls this: a developer tool in its own process, never production. Timers are not
 * shifted; jobs due in the moved future run at the runner's next poll.
 */
export function installSandboxClock(): SandboxClock {
  const realNow = Date.now.bind(Date);
  let offsetMs = 0;
  Date.now = () => realNow() + offsetMs;
  return {
    get offsetMs() {
      return offsetMs;
    },
    now: () => Date.now(),
    advance(ms) {
      if (!Number.isFinite(ms) || ms <= 0) throw new RangeError("the clock only moves forward");
      offsetMs += ms;
    },
  };
}
