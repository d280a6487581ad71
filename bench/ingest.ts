// Webhook ingest throughput and latency, against a bare Hono endpoint in the same run.
// Usage: npm run bench:ingest [-- --json] [--seconds N] [--concurrency N]
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { serializeLikeMeta, signLikeMeta, textMessage } from "../src/emulators/meta-webhook.ts";
import { APP_SECRET } from "../test/helpers/harness.ts";
import { keepAlivePoster } from "./http-post.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    profile: { type: "boolean", default: false },
    rounds: { type: "string", default: "3" },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const rounds = Number(args.rounds);

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
function cpuTicks(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return null;
  }
}

const tsx = import.meta.resolve("tsx");
const serverScript = join(import.meta.dirname, "ingest-server.ts");

async function startTarget(
  mode: "bare" | "webhook",
): Promise<{ proc: ChildProcess; port: number }> {
  const flags = args.profile ? ["--cpu-prof", "--cpu-prof-dir=bench/profiles"] : [];
  const proc = spawn(process.execPath, [...flags, "--import", tsx, serverScript, mode], {
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

async function load(
  target: { port: number; proc: ChildProcess },
  durationMs: number,
): Promise<Result> {
  const { port } = target;
  const ticksBefore = cpuTicks(target.proc.pid);
  const poster = keepAlivePoster(`http://127.0.0.1:${port}/webhooks/whatsapp`, concurrency);
  const bodies = buildBodies(Math.ceil((durationMs / 1000) * 20_000));
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + durationMs;
  const post = (b: { body: Buffer; signature: string }) =>
    poster.post(b.body, {
      "content-type": "application/json",
      "x-hub-signature-256": b.signature,
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const b = bodies[next++ % bodies.length]!;
        const t = performance.now();
        const status = await post(b);
        latencies.push(performance.now() - t);
        if (status !== 200) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const ticksAfter = cpuTicks(target.proc.pid);
  poster.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  const cpuUs =
    ticksBefore === null || ticksAfter === null
      ? null
      : ((ticksAfter - ticksBefore) * TICK_US) / latencies.length;
  return { perS: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), errors, cpuUs };
}

async function stopTarget(proc: ChildProcess) {
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  await exited;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Both servers run side by side and are loaded in alternating rounds; the medians are compared.
// Throughput on this machine drifts by ±30 % between runs (CPU frequency, the other core), so a
// single back-to-back pair gives a noisy ratio.
const bare = await startTarget("bare");
const hook = await startTarget("webhook");
const bareRuns: Result[] = [];
const hookRuns: Result[] = [];
try {
  await load(bare, 1000); // warm-up: JIT, SQLite page cache
  await load(hook, 1000);
  for (let r = 0; r < rounds; r++) {
    bareRuns.push(await load(bare, seconds * 1000));
    hookRuns.push(await load(hook, seconds * 1000));
  }
} finally {
  await stopTarget(bare.proc);
  await stopTarget(hook.proc);
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
const out = {
  deliveries_per_s: round(webhook.perS, 0),
  p50_ms: round(webhook.p50),
  p99_ms: round(webhook.p99),
  baseline_per_s: round(baseline.perS, 0),
  baseline_p50_ms: round(baseline.p50),
  baseline_p99_ms: round(baseline.p99),
  ratio: round(webhook.perS / baseline.perS, 3),
  server_cpu_us_per_delivery: webhook.cpuUs === null ? null : round(webhook.cpuUs, 0),
  baseline_server_cpu_us_per_req: baseline.cpuUs === null ? null : round(baseline.cpuUs, 0),
  errors: webhook.errors + baseline.errors,
  concurrency,
  seconds,
  rounds,
  ratios: hookRuns.map((x, i) => round(x.perS / bareRuns[i]!.perS, 3)),
  cpus: cpus().length,
  node: process.version,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify(out)}\n`);
} else {
  console.log(
    `webhook ingest: ${out.deliveries_per_s} deliveries/s, p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms`,
  );
  console.log(
    `bare Hono:      ${out.baseline_per_s} requests/s, p50 ${out.baseline_p50_ms} ms, p99 ${out.baseline_p99_ms} ms`,
  );
  if (out.server_cpu_us_per_delivery !== null)
    console.log(
      `server CPU per request: webhook ${out.server_cpu_us_per_delivery} µs, bare ${out.baseline_server_cpu_us_per_req} µs`,
    );
  console.log(
    `ratio ${out.ratio} (target ≥ 0.4; per round ${out.ratios.join(", ")}), errors ${out.errors}, concurrency ${concurrency}, medians of ${rounds} rounds of ${seconds} s`,
  );
}
