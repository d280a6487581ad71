// Webhook ingest throughput and latency, against a bare Hono endpoint in the same run.
// Usage: npm run bench:ingest [-- --json] [--seconds N] [--concurrency N] [--rounds N]
//          [--engine sqlite|postgres] [--pg-url URL] [--instances N]
// --engine postgres runs the service on a fresh PostgreSQL database: on --pg-url's server, else
// on a throwaway cluster of its own with durable commits (see benchPostgres in bench/engine.ts).
// --instances N (PostgreSQL only, 1-3) runs N services on the one database and spreads the load
// over them in turn, as a round-robin load balancer would.
import { type ChildProcess, spawn } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { serializeLikeMeta, signLikeMeta, textMessage } from "../src/emulators/meta-webhook.ts";
import { APP_SECRET } from "../test/helpers/harness.ts";
import { type BenchPostgres, benchPostgres, cpuTicks, engineArgs } from "./engine.ts";
import { roundRobinPoster } from "./http-post.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    profile: { type: "boolean", default: false },
    rounds: { type: "string", default: "3" },
    engine: { type: "string", default: "sqlite" },
    "pg-url": { type: "string" },
    instances: { type: "string", default: "1" },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const rounds = Number(args.rounds);
const { engine, instances } = engineArgs(args);

interface Result {
  perS: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) the server process spent per request, µs; null off Linux. */
  cpuUs: number | null;
}

// Throughput on a shared VM drifts; the server's own CPU time per request is steadier, so it is
// reported too (Linux only: read from /proc, in clock ticks).
const TICK_US = 10_000;

const tsx = import.meta.resolve("tsx");
const serverScript = join(import.meta.dirname, "ingest-server.ts");

interface Target {
  proc: ChildProcess;
  port: number;
}

async function startTarget(mode: "bare" | "webhook", databaseUrl?: string): Promise<Target> {
  const flags = args.profile ? ["--cpu-prof", "--cpu-prof-dir=bench/profiles"] : [];
  const extra = databaseUrl ? [databaseUrl] : [];
  const proc = spawn(process.execPath, [...flags, "--import", tsx, serverScript, mode, ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    // The service logs to stdout too: wait for the server's own "ready" line.
    createInterface({ input: proc.stdout! }).on("line", (l) => {
      if (l.includes('"benchReady"')) resolve(JSON.parse(l).port);
    });
    proc.once("exit", (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return { proc, port };
}

// Pre-built, signed deliveries: distinct message ids from 500 customers, as in real traffic.
function buildBodies(n: number): { body: Buffer; signature: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const body = serializeLikeMeta(
      textMessage(`Halo kak, pesanan #${i} sudah dikirim belum? 🙏`, {
        from: `62812${String(i % 500).padStart(6, "0")}`,
        id: `wamid.bench${Date.now()}x${i}`,
      }),
    );
    return { body: Buffer.from(body), signature: signLikeMeta(APP_SECRET, body) };
  });
}

/** What one round measured: all targets together, then each one. */
interface RoundResult extends Result {
  perTarget: Result[];
  /** CPU time of the PostgreSQL backends serving the database, µs per request; null if unknown. */
  pgCpuUs: number | null;
}

function summarise(latencies: number[], elapsed: number, errors: number, ticks: number | null) {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    perS: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
    cpuUs: ticks === null || latencies.length === 0 ? null : (ticks * TICK_US) / latencies.length,
  };
}

const sumTicks = (pids: (number | undefined)[]): number | null => {
  let n = 0;
  for (const pid of pids) {
    const t = cpuTicks(pid);
    if (t === null) return null;
    n += t;
  }
  return n;
};

/**
 * Posts for `durationMs` with `concurrency` requests in flight, each to the next target in turn
 * (one target: all to it). `pgPids`: backends whose CPU time is counted as the database's.
 */
async function load(
  targets: Target[],
  durationMs: number,
  pgPids: number[] = [],
): Promise<RoundResult> {
  const ticksBefore = targets.map((t) => cpuTicks(t.proc.pid));
  const pgBefore = pgPids.length ? sumTicks(pgPids) : null;
  const poster = roundRobinPoster(
    targets.map((t) => `http://127.0.0.1:${t.port}/webhooks/whatsapp`),
    concurrency,
  );
  const bodies = buildBodies(Math.ceil((durationMs / 1000) * 20_000));
  let next = 0;
  const latencies: number[][] = targets.map(() => []);
  const errors: number[] = targets.map(() => 0);
  const deadline = performance.now() + durationMs;
  const post = (b: { body: Buffer; signature: string }) =>
    poster.postNext(b.body, {
      "content-type": "application/json",
      "x-hub-signature-256": b.signature,
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const b = bodies[next++ % bodies.length]!;
        const t = performance.now();
        const { status, target } = await post(b);
        latencies[target]!.push(performance.now() - t);
        if (status !== 200) errors[target]!++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const ticksAfter = targets.map((t) => cpuTicks(t.proc.pid));
  const pgAfter = pgPids.length ? sumTicks(pgPids) : null;
  poster.close();
  const delta = (i: number) =>
    ticksBefore[i] == null || ticksAfter[i] == null ? null : ticksAfter[i]! - ticksBefore[i]!;
  const perTarget = targets.map((_, i) =>
    summarise([...latencies[i]!], elapsed, errors[i]!, delta(i)),
  );
  const deltas = targets.map((_, i) => delta(i));
  const allTicks = deltas.some((d) => d === null)
    ? null
    : deltas.reduce((a: number, d) => a + d!, 0);
  const all = summarise(
    latencies.flat(),
    elapsed,
    errors.reduce((a, b) => a + b, 0),
    allTicks,
  );
  const count = latencies.reduce((n, l) => n + l.length, 0);
  const pgCpuUs =
    pgBefore === null || pgAfter === null || count === 0
      ? null
      : ((pgAfter - pgBefore) * TICK_US) / count;
  return { ...all, perTarget, pgCpuUs };
}

async function stopTarget(proc: ChildProcess) {
  if (proc.exitCode !== null || proc.signalCode !== null) return; // e.g. it failed to start
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  await exited;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Both kinds of server run side by side and are loaded in alternating rounds; the medians are
// compared. Throughput on this machine drifts by ±30 % between runs (CPU frequency, the other
// core), so a single back-to-back pair gives a noisy ratio.
let pgDb: BenchPostgres | null = null;
const started: Target[] = [];
const bareRuns: Result[] = [];
const hookRuns: RoundResult[] = [];
try {
  if (engine === "postgres") pgDb = await benchPostgres(args["pg-url"]);
  const bare = await startTarget("bare");
  started.push(bare);
  // One after the other: the first applies the migrations to the fresh database.
  const hooks: Target[] = [];
  for (let i = 0; i < instances; i++) {
    const hook = await startTarget("webhook", pgDb?.url);
    started.push(hook);
    hooks.push(hook);
  }
  const pgPids = pgDb ? await pgDb.backendPids() : [];
  await load([bare], 1000); // warm-up: JIT, SQLite page cache
  await load(hooks, 1000);
  for (let r = 0; r < rounds; r++) {
    bareRuns.push(await load([bare], seconds * 1000));
    hookRuns.push(await load(hooks, seconds * 1000, pgPids));
  }
} finally {
  for (const t of started) await stopTarget(t.proc);
  await pgDb?.close();
}
const pick = (runs: Result[]): Result => ({
  perS: median(runs.map((x) => x.perS)),
  p50: median(runs.map((x) => x.p50)),
  p99: median(runs.map((x) => x.p99)),
  errors: runs.reduce((n, x) => n + x.errors, 0),
  cpuUs: runs.some((x) => x.cpuUs === null) ? null : median(runs.map((x) => x.cpuUs!)),
});
const baseline = pick(bareRuns);
const webhook = pick(hookRuns);
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const pgCpu = hookRuns.some((x) => x.pgCpuUs === null)
  ? null
  : median(hookRuns.map((x) => x.pgCpuUs!));
const out = {
  deliveries_per_s: round(webhook.perS, 0),
  p50_ms: round(webhook.p50),
  p99_ms: round(webhook.p99),
  baseline_per_s: round(baseline.perS, 0),
  baseline_p50_ms: round(baseline.p50),
  baseline_p99_ms: round(baseline.p99),
  ratio: round(webhook.perS / baseline.perS, 3),
  // With several instances: the CPU of all of them together, per delivery.
  server_cpu_us_per_delivery: webhook.cpuUs === null ? null : round(webhook.cpuUs, 0),
  baseline_server_cpu_us_per_req: baseline.cpuUs === null ? null : round(baseline.cpuUs, 0),
  errors: webhook.errors + baseline.errors,
  concurrency,
  seconds,
  rounds,
  ratios: hookRuns.map((x, i) => round(x.perS / bareRuns[i]!.perS, 3)),
  cpus: cpus().length,
  node: process.version,
  engine,
  instances,
  // PostgreSQL only: where it ran, its commit settings, and its backends' CPU per delivery.
  pg_server: pgDb?.server ?? null,
  pg_settings: pgDb?.settings ?? null,
  pg_backend_cpu_us_per_delivery: pgCpu === null ? null : round(pgCpu, 0),
  per_instance: perInstance(hookRuns).map((x, i) => ({
    instance: i + 1,
    deliveries_per_s: round(x.perS, 0),
    p50_ms: round(x.p50),
    p99_ms: round(x.p99),
    server_cpu_us_per_delivery: x.cpuUs === null ? null : round(x.cpuUs, 0),
  })),
};

/** Each instance's medians over the rounds. */
function perInstance(runs: RoundResult[]): Result[] {
  return Array.from({ length: instances }, (_, i) => pick(runs.map((r) => r.perTarget[i]!)));
}

if (args.json) {
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  const where =
    engine === "sqlite"
      ? "SQLite"
      : `PostgreSQL ${out.pg_settings?.server_version} (${out.pg_server === "own" ? "own cluster" : "given server"}: fsync=${out.pg_settings?.fsync}, synchronous_commit=${out.pg_settings?.synchronous_commit}), ${instances} instance${instances > 1 ? "s" : ""}`;
  console.log(
    `webhook ingest on ${where}: ${out.deliveries_per_s} deliveries/s, p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms`,
  );
  if (instances > 1) {
    for (const x of out.per_instance) {
      console.log(
        `  instance ${x.instance}: ${x.deliveries_per_s} deliveries/s, p50 ${x.p50_ms} ms, p99 ${x.p99_ms} ms, server CPU ${x.server_cpu_us_per_delivery} µs per delivery`,
      );
    }
  }
  console.log(
    `bare Hono:      ${out.baseline_per_s} requests/s, p50 ${out.baseline_p50_ms} ms, p99 ${out.baseline_p99_ms} ms`,
  );
  if (out.server_cpu_us_per_delivery !== null)
    console.log(
      `server CPU per request: webhook ${out.server_cpu_us_per_delivery} µs${instances > 1 ? " (all instances)" : ""}, bare ${out.baseline_server_cpu_us_per_req} µs${out.pg_backend_cpu_us_per_delivery === null ? "" : `, PostgreSQL backends ${out.pg_backend_cpu_us_per_delivery} µs`}`,
    );
  console.log(
    `ratio ${out.ratio} (target ≥ 0.4; per round ${out.ratios.join(", ")}), errors ${out.errors}, concurrency ${concurrency}, medians of ${rounds} rounds of ${seconds} s`,
  );
}
