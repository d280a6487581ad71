import {
  broken,
  FAILURE_KINDS,
  type FailureKind,
  faultFor,
  type Outcomes,
  outcomesOf,
  quantile,
  sleep,
  startWorld,
} from "./common.ts";

export type OutageRemote = "graph" | "slack" | "both";

/** One outage window: which remote fails, and how. */
export interface OutageWindowSpec {
  remote: OutageRemote;
  failure: FailureKind;
}

/** Every remote alone and both together, each failure mode. */
export function allWindows(
  remotes: OutageRemote[] = ["graph", "slack", "both"],
  failures: FailureKind[] = FAILURE_KINDS,
): OutageWindowSpec[] {
  return remotes.flatMap((remote) => failures.map((failure) => ({ remote, failure })));
}

export interface OutageCampaignOptions {
  windows: OutageWindowSpec[];
  /** How long each outage lasts. */
  windowMs: number;
  /** Mean time between two customer messages (randomised ±50 %). */
  customerEveryMs: number;
  /** Mean time between two agent replies in threads. */
  agentEveryMs: number;
  /** An outcome due (accepted, or the end of the outage it was written in) is late after this. */
  lateAfterMs: number;
  /** The `Retry-After` of the 429-with-Retry-After mode, in seconds. */
  retryAfterSeconds: number;
  /** Stop waiting for a window's queue to drain after this long. */
  drainTimeoutMs: number;
  kbCustomers?: number;
  humanCustomers?: number;
  /** Extra environment for the service (e.g. JOB_BACKOFF_MAX_MS, JOB_RETRY_BUDGET_MS). */
  env?: Record<string, string>;
  seed?: number;
  log?: (line: string) => void;
}

export interface OutageWindowResult {
  remote: OutageRemote;
  failure: FailureKind;
  customerMessages: number;
  agentReplies: number;
  /** Requests the fault proxies failed (answered or held) during the window; refused ones never reach them. */
  failedRequests: number;
  /** Jobs open when the remote recovered: the work the outage held back. */
  openJobsAtRecovery: number;
  /** From the end of the outage until no job was open; null if it never drained. */
  recoveryToDrainedMs: number | null;
}

export interface OutageCampaignResult extends Outcomes {
  campaign: "outage";
  windowMs: number;
  lateAfterMs: number;
  windows: OutageWindowResult[];
  outcomeLatencyMsP50: number | null;
  outcomeLatencyMsP95: number | null;
  outcomeLatencyMsMax: number | null;
  drainMsMax: number | null;
  /** Nothing lost, duplicated or late, every window drained. */
  ok: boolean;
  durationMs: number;
}

/**
 * Outages of the Graph API, the Slack Web API or both, one failure mode per window (5xx, 429
 * with and without Retry-After, connection refused, hanging requests), while customers write
 * and agents reply in threads; the service runs in a child process.
 */
export async function runOutageCampaign(
  opts: OutageCampaignOptions,
): Promise<OutageCampaignResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const w = await startWorld({
    seed: opts.seed ?? 3,
    kbCustomers: opts.kbCustomers ?? 6,
    humanCustomers: opts.humanCustomers ?? 3,
    env: opts.env ?? {},
    log,
  });
  const windows: OutageWindowResult[] = [];
  const spans: [number, number][] = [];
  try {
    await w.startChild();
    await w.setupHumans();
    await w.settle(60_000);
    for (const spec of opts.windows) {
      const proxies =
        spec.remote === "both"
          ? ([
              ["graph", w.graphProxy],
              ["slack", w.slackProxy],
            ] as const)
          : spec.remote === "graph"
            ? ([["graph", w.graphProxy]] as const)
            : ([["slack", w.slackProxy]] as const);
      const before = proxies.reduce(
        (n, [, p]) => n + p.counts.status + p.counts.hang + p.counts.refuse,
        0,
      );
      const t = w.tally(Number.POSITIVE_INFINITY);
      const [c0, a0] = [t.customerMessages, t.agentReplies];
      const start = Date.now();
      for (const [remote, proxy] of proxies)
        await proxy.set(faultFor(remote, spec.failure, opts.retryAfterSeconds));
      const end = start + opts.windowMs;
      await w.traffic(() => Date.now() >= end, opts.customerEveryMs, opts.agentEveryMs);
      for (const [, proxy] of proxies) await proxy.set({ kind: "pass" });
      const recovered = Date.now();
      spans.push([start, recovered]);
      const openJobsAtRecovery = w.openJobs();
      const drained = await w.settle(opts.drainTimeoutMs);
      const failed =
        proxies.reduce((n, [, p]) => n + p.counts.status + p.counts.hang + p.counts.refuse, 0) -
        before;
      const after = w.tally(Number.POSITIVE_INFINITY);
      const result: OutageWindowResult = {
        ...spec,
        customerMessages: after.customerMessages - c0,
        agentReplies: after.agentReplies - a0,
        failedRequests: failed,
        openJobsAtRecovery,
        recoveryToDrainedMs: drained === null ? null : Date.now() - recovered,
      };
      windows.push(result);
      log(JSON.stringify(result));
      await sleep(200);
    }
    const baseOf = (at: number) => {
      for (const [s, e] of spans) if (at >= s && at <= e) return e;
      return at;
    };
    const t = w.tally(opts.lateAfterMs, baseOf);
    for (const p of t.problems.slice(0, 20)) log(p);
    const drains = windows.map((x) => x.recoveryToDrainedMs);
    const bad = broken(t) + t.late;
    return {
      campaign: "outage",
      windowMs: opts.windowMs,
      lateAfterMs: opts.lateAfterMs,
      windows,
      outcomeLatencyMsP50: quantile(t.latencies, 0.5),
      outcomeLatencyMsP95: quantile(t.latencies, 0.95),
      outcomeLatencyMsMax: t.latencies.at(-1) ?? null,
      drainMsMax: drains.includes(null) ? null : Math.max(0, ...(drains as number[])),
      ok: bad === 0 && !drains.includes(null),
      ...outcomesOf(t),
      durationMs: Date.now() - started,
    };
  } finally {
    await w.close();
  }
}
