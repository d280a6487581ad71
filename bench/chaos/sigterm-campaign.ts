import { broken, type Outcomes, outcomesOf, quantile, sleep, startWorld } from "./common.ts";

export interface SigtermCampaignOptions {
  /** SIGTERM + restart cycles; every other one while Graph answers slower than JOB_SHUTDOWN_MS. */
  stops: number;
  /** Time the service runs under traffic between two stops (randomised ±50 %). */
  runMs: number;
  /** The service's JOB_SHUTDOWN_MS. */
  shutdownMs: number;
  /** A stop must exit 0 within JOB_SHUTDOWN_MS + this. */
  exitGraceMs: number;
  customerEveryMs: number;
  agentEveryMs: number;
  /** Graph API latency, so that sends are in flight when the signal comes. */
  graphLatencyMs: number;
  lateAfterMs: number;
  settleTimeoutMs: number;
  env?: Record<string, string>;
  seed?: number;
  log?: (line: string) => void;
}

export interface SigtermCampaignResult extends Outcomes {
  campaign: "sigterm";
  stops: number;
  /** Stops that exited 0 within JOB_SHUTDOWN_MS + the grace. */
  cleanStops: number;
  exitCodes: (number | null)[];
  stopMsMax: number;
  /** Webhooks (Meta and Slack) answered 503 while draining, then delivered again and accepted. */
  drain503: number;
  /** Deliveries refused while no service ran (redelivered too). */
  refusedConnections: number;
  /** Other non-200 answers (should be none). */
  otherAnswers: number;
  outcomeLatencyMsP95: number | null;
  ok: boolean;
  durationMs: number;
}

/**
 * SIGTERM under load: customers write and agents reply while the service (a child process) is
 * stopped with SIGTERM and started again, `stops` times. Deliveries answered 503 while it drains
 * or refused while it is down are delivered again, as Meta and Slack do.
 */
export async function runSigtermCampaign(
  opts: SigtermCampaignOptions,
): Promise<SigtermCampaignResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const w = await startWorld({
    seed: opts.seed ?? 9,
    kbCustomers: 6,
    humanCustomers: 3,
    env: { JOB_SHUTDOWN_MS: String(opts.shutdownMs), ...opts.env },
    log,
  });
  const exitCodes: (number | null)[] = [];
  let cleanStops = 0;
  let stopMsMax = 0;
  try {
    await w.startChild();
    await w.setupHumans();
    await w.settle(60_000);
    w.graph.setLatency(opts.graphLatencyMs);
    let done = false;
    const traffic = w.traffic(() => done, opts.customerEveryMs, opts.agentEveryMs);
    for (let i = 0; i < opts.stops; i++) {
      await sleep(opts.runMs * (0.5 + w.random()));
      // Every other stop: Graph answers slower than JOB_SHUTDOWN_MS, so sends in flight are
      // aborted and released (their outcome unknown until the status webhook proves them).
      const slow = i % 2 === 1;
      if (slow) {
        w.graph.setLatency(opts.shutdownMs + 500);
        await sleep(1000);
      }
      const stop = await w.stopChild(opts.shutdownMs + opts.exitGraceMs);
      if (slow) w.graph.setLatency(opts.graphLatencyMs);
      exitCodes.push(stop.code);
      stopMsMax = Math.max(stopMsMax, stop.ms);
      if (stop.code === 0 && !stop.timedOut) cleanStops++;
      log(`stop ${i + 1}${slow ? " (slow Graph)" : ""}: exit ${stop.code} after ${stop.ms} ms`);
      // Down for a moment: deliveries are refused and retried.
      await sleep(100 + w.random() * 400);
      await w.startChild();
    }
    done = true;
    await traffic;
    w.graph.setLatency(0);
    await w.settle(opts.settleTimeoutMs);
    const t = w.tally(opts.lateAfterMs);
    for (const p of t.problems.slice(0, 20)) log(p);
    const bad = broken(t);
    return {
      campaign: "sigterm",
      stops: opts.stops,
      cleanStops,
      exitCodes,
      stopMsMax,
      drain503: w.refusals.draining503,
      refusedConnections: w.refusals.refused,
      otherAnswers: w.refusals.other,
      outcomeLatencyMsP95: quantile(t.latencies, 0.95),
      ok: bad === 0 && cleanStops === opts.stops && w.refusals.other === 0,
      ...outcomesOf(t),
      durationMs: Date.now() - started,
    };
  } finally {
    await w.close();
  }
}
