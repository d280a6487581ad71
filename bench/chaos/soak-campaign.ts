import { readFileSync } from "node:fs";
import { broken, type Outcomes, outcomesOf, quantile, sleep, startWorld } from "./common.ts";

export interface SoakCampaignOptions {
  durationMs: number;
  customerEveryMs: number;
  agentEveryMs: number;
  /** How often RSS and the database size are sampled. */
  sampleEveryMs: number;
  lateAfterMs: number;
  graphLatencyMs?: number;
  env?: Record<string, string>;
  seed?: number;
  log?: (line: string) => void;
}

export interface SoakCampaignResult extends Outcomes {
  campaign: "soak";
  minutes: number;
  /** Customer messages and agent replies handled per second. */
  throughputPerSecond: number;
  /** From acceptance to the answer, mirror or delivered agent reply. */
  latencyMsP50: number | null;
  latencyMsP95: number | null;
  latencyMsP99: number | null;
  /** The child's VmRSS in MB: [seconds since start, MB] samples. */
  rssMb: [number, number][];
  rssMbStart: number;
  rssMbMax: number;
  rssMbEnd: number;
  dbBytesStart: number;
  dbBytesEnd: number;
  /** Growth of the database itself (pages in use) per customer message or agent reply. */
  dbBytesPerMessage: number;
  dbLogicalBytesStart: number;
  dbLogicalBytesEnd: number;
  /** The main file and the WAL at the end (the WAL is reused, not shrunk, after a checkpoint). */
  dbFileBytesEnd: number;
  walBytesEnd: number;
  ok: boolean;
  durationMs: number;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : 0;
}

/** Mixed traffic against one service process for a long time: throughput, latencies, memory, disk. */
export async function runSoakCampaign(opts: SoakCampaignOptions): Promise<SoakCampaignResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const w = await startWorld({
    seed: opts.seed ?? 13,
    kbCustomers: 30,
    humanCustomers: 6,
    env: opts.env ?? {},
    log,
  });
  try {
    const child = await w.startChild();
    await w.setupHumans();
    await w.settle(60_000);
    if (opts.graphLatencyMs) w.graph.setLatency(opts.graphLatencyMs);
    const pid = child.proc.pid!;
    const t0 = Date.now();
    const rss: [number, number][] = [[0, rssMb(pid)]];
    const dbBytesStart = w.dbBytes();
    const dbLogicalBytesStart = w.dbLogicalBytes();
    const end = t0 + opts.durationMs;
    const sampler = (async () => {
      while (Date.now() < end) {
        await sleep(Math.min(opts.sampleEveryMs, Math.max(0, end - Date.now())));
        rss.push([Math.round((Date.now() - t0) / 1000), rssMb(pid)]);
        log(
          `soak: ${rss.at(-1)![0]} s, RSS ${rss.at(-1)![1]} MB, db ${w.dbBytes("db")} + wal ${w.dbBytes("wal")} bytes`,
        );
      }
    })();
    await w.traffic(() => Date.now() >= end, opts.customerEveryMs, opts.agentEveryMs);
    await sampler;
    const trafficMs = Date.now() - t0;
    await w.settle(300_000);
    rss.push([Math.round((Date.now() - t0) / 1000), rssMb(pid)]);
    const dbBytesEnd = w.dbBytes();
    const dbLogicalBytesEnd = w.dbLogicalBytes();
    const t = w.tally(opts.lateAfterMs);
    for (const p of t.problems.slice(0, 20)) log(p);
    const handled = t.customerMessages + t.agentReplies;
    const bad = broken(t);
    return {
      campaign: "soak",
      minutes: Math.round(trafficMs / 600) / 100,
      throughputPerSecond: Math.round((handled * 10_000) / trafficMs) / 10,
      latencyMsP50: quantile(t.latencies, 0.5),
      latencyMsP95: quantile(t.latencies, 0.95),
      latencyMsP99: quantile(t.latencies, 0.99),
      rssMb: rss,
      rssMbStart: rss[0]![1],
      rssMbMax: Math.max(...rss.map((r) => r[1])),
      rssMbEnd: rss.at(-1)![1],
      dbBytesStart,
      dbBytesEnd,
      dbFileBytesEnd: w.dbBytes("db"),
      walBytesEnd: w.dbBytes("wal"),
      dbLogicalBytesStart,
      dbLogicalBytesEnd,
      dbBytesPerMessage:
        handled > 0 ? Math.round((dbLogicalBytesEnd - dbLogicalBytesStart) / handled) : 0,
      ok: bad === 0 && t.late === 0,
      ...outcomesOf(t),
      durationMs: Date.now() - started,
    };
  } finally {
    await w.close();
  }
}
