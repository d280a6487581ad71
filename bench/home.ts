import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Registry } from "prom-client";
import { createMetrics } from "../src/http/metrics.ts";
import { homeView } from "../src/slack/blocks/home.ts";
import type { HomeState } from "../src/slack/home/state.ts";
import { homeInput } from "../src/slack/stats.ts";
import { type Db, openDatabase } from "../src/store/db.ts";
import { generatedHistory, type HistorySize } from "./home/generate.ts";

/**
 * The cost of the managers' Home tab (`homeInput` + `homeView`: the default view, today, and the
 * 30-day view) and of the `/metrics` text, on a
 * generated history at a base size and at twice that history (same daily volume, twice the
 * days): the figures must stay flat as history grows.
 *
 *   npm run bench:home [-- --json] [--conversations N] [--messages N] [--days N] [--runs N]
 *     [--seed N] [--timezone MINUTES]
 *
 * `--json` prints one line (`home_ms_median`, `home_30d_ms_median`, `metrics_ms_median` at the base size,
 * `ratio_200k_100k`: the Home tab's median at twice the history over the base one); progress goes
 * to stderr. `--timezone` is the business's UTC offset in minutes (default +07:00), which decides
 * "today".
 */
const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    conversations: { type: "string", default: "100000" },
    messages: { type: "string", default: "1000000" },
    days: { type: "string", default: "90" },
    runs: { type: "string", default: "20" },
    seed: { type: "string", default: "1" },
    timezone: { type: "string", default: "420" },
  },
});

const positive = (name: string, v: string | undefined): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
};

const base: HistorySize = {
  conversations: positive("conversations", args.conversations),
  messages: positive("messages", args.messages),
  days: positive("days", args.days),
  seed: positive("seed", args.seed),
};
const runs = positive("runs", args.runs);
const tzMinutes = Number(args.timezone);
if (!Number.isInteger(tzMinutes) || Math.abs(tzMinutes) > 14 * 60) {
  throw new Error("--timezone must be a UTC offset in minutes, e.g. 420");
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => {
  if (!args.json) console.log(line);
  else console.error(line);
};

interface Timing {
  min: number;
  median: number;
  max: number;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  const r = (n: number) => Math.round(n * 100) / 100;
  return { min: r(sorted[0] as number), median: r(median), max: r(sorted.at(-1) as number) };
}

interface Subject {
  db: Db;
  anchor: number;
  registry: Registry;
  home: number[];
  home30: number[];
  metrics: number[];
}

const THIRTY_DAYS: HomeState = { range: "30d", filter: "all", page: 0 };

function open(size: HistorySize): Subject {
  const { path, anchor } = generatedHistory(root, size, log);
  // Opening applies the service's pending migrations, as a deploy would.
  const db = openDatabase(path);
  return { db, anchor, registry: createMetrics(db), home: [], home30: [], metrics: [] };
}

/** The Home tab as a manager sees it, in one state (default: today, all, first page). */
const home = (s: Subject, state?: HomeState) =>
  homeView(homeInput(s.db, s.anchor, { utcOffsetMinutes: tzMinutes, slaMinutes: 15, state }), {
    manager: true,
  });

/** One Home tab build (default view, then the 30-day view) and one `/metrics` text, timed. */
async function once(s: Subject, record: boolean): Promise<void> {
  const t0 = performance.now();
  const view = home(s);
  const t1 = performance.now();
  const view30 = home(s, THIRTY_DAYS);
  const t2 = performance.now();
  const text = await s.registry.metrics();
  const t3 = performance.now();
  if (view.blocks.length === 0 || view30.blocks.length === 0 || text.length === 0) {
    throw new Error("empty output");
  }
  if (record) {
    s.home.push(t1 - t0);
    s.home30.push(t2 - t1);
    s.metrics.push(t3 - t2);
  }
}

const doubled: HistorySize = {
  ...base,
  conversations: base.conversations * 2,
  messages: base.messages * 2,
  days: base.days * 2,
};
const smallSubject = open(base);
const largeSubject = open(doubled);
// Two unmeasured rounds (the first reads pages from disk), then the sizes alternate, each going
// first in every other round, so a busy machine weighs on both alike and the ratio stays fair.
for (let i = 0; i < runs + 2; i++) {
  const order = i % 2 ? [largeSubject, smallSubject] : [smallSubject, largeSubject];
  for (const s of order) await once(s, i >= 2);
}
for (const s of [smallSubject, largeSubject]) s.db.$client.close();
const summary = (s: Subject) => ({
  home: timing(s.home),
  home30: timing(s.home30),
  metrics: timing(s.metrics),
});
const small = summary(smallSubject);
const large = summary(largeSubject);
const ratio = Math.round((large.home.median / small.home.median) * 100) / 100;
const metricsRatio = Math.round((large.metrics.median / small.metrics.median) * 100) / 100;

if (args.json) {
  console.log(
    JSON.stringify({
      conversations: base.conversations,
      messages: base.messages,
      days: base.days,
      runs,
      home_ms_min: small.home.min,
      home_ms_median: small.home.median,
      home_ms_max: small.home.max,
      home_30d_ms_min: small.home30.min,
      home_30d_ms_median: small.home30.median,
      home_30d_ms_max: small.home30.max,
      home_30d_ms_median_200k: large.home30.median,
      metrics_ms_min: small.metrics.min,
      metrics_ms_median: small.metrics.median,
      metrics_ms_max: small.metrics.max,
      home_ms_median_200k: large.home.median,
      metrics_ms_median_200k: large.metrics.median,
      ratio_200k_100k: ratio,
      metrics_ratio_200k_100k: metricsRatio,
      node: process.version,
      cpus: cpus().length,
    }),
  );
} else {
  const row = (label: string, t: Timing) =>
    `  ${label.padEnd(10)} min ${t.min.toFixed(2).padStart(8)}  median ${t.median.toFixed(2).padStart(8)}  max ${t.max.toFixed(2).padStart(8)} ms`;
  for (const [size, r] of [
    [base, small],
    [doubled, large],
  ] as const) {
    console.log(
      `${size.conversations} conversations / ${size.messages} messages over ${size.days} days (${runs} runs):`,
    );
    console.log(row("Home tab", r.home));
    console.log(row("  30 days", r.home30));
    console.log(row("/metrics", r.metrics));
  }
  console.log(
    `ratio (twice the history / base), median: Home tab ${ratio}, /metrics ${metricsRatio}`,
  );
}
