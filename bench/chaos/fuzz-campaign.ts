import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { signLikeMeta } from "../../src/emulators/meta-webhook.ts";
import { signSlackRequest } from "../../src/emulators/slack-requests.ts";
import { APP_SECRET, SLACK_SIGNING_SECRET } from "../../test/helpers/harness.ts";
import { expandMarkers, type Mutation, mutate } from "../../test/helpers/mutate.ts";
import { startWorld } from "./common.ts";

// Fuzz campaign: fast-check mutations of the real payloads (test/fixtures/real) posted, correctly
// signed, to the real endpoints of the service in a child process.

const ROOT = join(import.meta.dirname, "..", "..", "test/fixtures/real");
const load = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({
      name: `${dir}/${f}`,
      value: JSON.parse(readFileSync(join(ROOT, dir, f), "utf8")),
    }));
const WHATSAPP = load("whatsapp");
const SLACK = load("slack");

const texts = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "\u202e\u0000\ud800",
    "😀👍🏽‍♀️",
    "<!channel> *bold* ~x~",
    "'; drop table messages; --",
    "\\u0000",
    "١٢٣",
  ),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("replace" as const),
    pick: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      texts,
      fc.constantFrom(null, "", 0, -1, 1e308, -0, true, [], {}, [null], "wamid.x", "9999999999999"),
    ),
  }),
  fc.record({ kind: fc.constant("retype" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("deepen" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("huge" as const), pick: fc.nat() }),
);
/** Changes to the raw text: a duplicated key, or a cut (invalid JSON). */
const rawChange = fc.oneof(
  fc.constant(null),
  fc.record({
    kind: fc.constant("dupKey" as const),
    pick: fc.nat(),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ kind: fc.constant("cut" as const), pick: fc.nat() }),
);

const fuzzCase = fc.record({
  slack: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
  which: fc.nat(),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  raw: rawChange,
  depth: fc.integer({ min: 60, max: 30_000 }),
  hugeLength: fc.integer({ min: 1_000, max: 1_000_000 }),
});
type FuzzCase = typeof fuzzCase extends fc.Arbitrary<infer T> ? T : never;

function rawOf(value: unknown, c: FuzzCase): string {
  let raw = expandMarkers(JSON.stringify(value), c.depth, c.hugeLength);
  if (c.raw?.kind === "dupKey") {
    // `{"key":` somewhere: the same key again, first, with another value.
    const at = [...raw.matchAll(/\{"((?:[^"\\]|\\.)*)":/g)];
    const hit = at[c.raw.pick % Math.max(at.length, 1)];
    if (hit?.index !== undefined)
      raw = `${raw.slice(0, hit.index + 1)}"${hit[1]}":${JSON.stringify(c.raw.value)},${raw.slice(hit.index + 1)}`;
  } else if (c.raw?.kind === "cut") raw = raw.slice(0, c.raw.pick % Math.max(raw.length, 1));
  return raw;
}

/** The request for one case: which endpoint, what bytes, which headers (correctly signed). */
function requestOf(c: FuzzCase): { path: string; body: string; headers: Record<string, string> } {
  const list = c.slack ? SLACK : WHATSAPP;
  const fixture = list[c.which % list.length]!;
  const value = structuredClone(fixture.value) as Record<string, unknown>;
  for (const m of c.mutations) mutate(value, m);
  if (!c.slack) {
    const body = rawOf(value, c);
    return {
      path: "/webhooks/whatsapp",
      body,
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signLikeMeta(APP_SECRET, body),
      },
    };
  }
  const original = fixture.value as Record<string, unknown>;
  let body: string;
  let contentType: string;
  if (typeof original.command === "string") {
    // A slash command: form fields.
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(value ?? {}))
      form.append(k, typeof v === "string" ? v : rawOf(v, c));
    body = form.toString();
    contentType = "application/x-www-form-urlencoded";
  } else if (original.type !== "event_callback" && original.type !== "url_verification") {
    // Interactivity: `payload=<JSON>`.
    body = new URLSearchParams({ payload: rawOf(value, c) }).toString();
    contentType = "application/x-www-form-urlencoded";
  } else {
    body = rawOf(value, c);
    contentType = "application/json";
  }
  return {
    path: "/slack/events",
    body,
    headers: { "content-type": contentType, ...signSlackRequest(SLACK_SIGNING_SECRET, body) },
  };
}

export interface FuzzCampaignOptions {
  cases: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** An answer slower than this counts as a hang. */
  hangMs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface FuzzCampaignResult {
  campaign: "fuzz";
  cases: number;
  whatsappCases: number;
  slackCases: number;
  /** Answers by status class. */
  answers: Record<string, number>;
  fiveXx: number;
  /** Answers slower than `hangMs`, or none at all (aborted after 15 s). */
  hangs: number;
  /** Times the service process exited (it is started again). */
  crashes: number;
  healthChecks: number;
  healthFailures: number;
  /** Error-level log lines of the service. */
  errorLogs: number;
  /** Their distinct messages (the first few). */
  errorMessages: string[];
  answerMsMax: number;
  casesPerSecond: number;
  /** The first few failing cases, shortened, for reproduction. */
  examples: string[];
  ok: boolean;
  durationMs: number;
}

export async function runFuzzCampaign(opts: FuzzCampaignOptions): Promise<FuzzCampaignResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const hangMs = opts.hangMs ?? 2000;
  const w = await startWorld({
    seed: opts.seed ?? 1,
    kbCustomers: 1,
    humanCustomers: 0,
    env: { JOB_BURST_MS: "60000", LOG_LEVEL: "info" },
    log,
  });
  const answers: Record<string, number> = {};
  let fiveXx = 0;
  let hangs = 0;
  let crashes = 0;
  let healthChecks = 0;
  let healthFailures = 0;
  let errorLogs = 0;
  let answerMsMax = 0;
  let whatsappCases = 0;
  let slackCases = 0;
  const examples: string[] = [];
  const errorMessages: string[] = [];
  const example = (what: string, c: FuzzCase) => {
    if (examples.length < 5) examples.push(`${what}: ${JSON.stringify(c).slice(0, 400)}`);
  };
  try {
    let child = await w.startChild();
    const alive = async () => {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
        crashes++;
        log(`service exited (${child.proc.exitCode ?? child.proc.signalCode}); starting again`);
        child = await w.startChild();
      }
      for (const l of child.lines) {
        if (typeof l.level !== "number" || l.level < 50) continue;
        errorLogs++;
        if (errorMessages.length < 5 && !errorMessages.includes(String(l.msg))) {
          errorMessages.push(String(l.msg));
          // The first line of each kind in full (bounded), to diagnose it without a rerun.
          log(`service error: ${JSON.stringify(l).slice(0, 2000)}`);
        }
      }
      child.lines.length = 0;
    };
    const health = async () => {
      healthChecks++;
      try {
        const res = await fetch(`http://127.0.0.1:${child.port}/healthz`, {
          signal: AbortSignal.timeout(hangMs),
        });
        await res.text();
        if (res.status !== 200) healthFailures++;
      } catch {
        healthFailures++;
      }
    };
    const one = async (c: FuzzCase) => {
      const req = requestOf(c);
      if (c.slack) slackCases++;
      else whatsappCases++;
      const t0 = Date.now();
      try {
        const res = await fetch(`http://127.0.0.1:${child.port}${req.path}`, {
          method: "POST",
          headers: req.headers,
          body: req.body,
          signal: AbortSignal.timeout(15_000),
        });
        await res.text();
        const cls = `${Math.floor(res.status / 100)}xx`;
        answers[cls] = (answers[cls] ?? 0) + 1;
        if (res.status >= 500) {
          fiveXx++;
          example(`HTTP ${res.status} on ${req.path}`, c);
        }
      } catch (err) {
        hangs++;
        example(`no answer (${(err as Error).name})`, c);
      }
      const ms = Date.now() - t0;
      answerMsMax = Math.max(answerMsMax, ms);
      if (ms > hangMs) {
        hangs++;
        example(`answer after ${ms} ms`, c);
      }
    };
    const batch = 200;
    const concurrency = opts.concurrency ?? 4;
    for (let done = 0; done < opts.cases; done += batch) {
      const cases = fc.sample(fuzzCase, {
        numRuns: Math.min(batch, opts.cases - done),
        seed: (opts.seed ?? 1) * 1_000_003 + done,
      });
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < cases.length) await one(cases[next++]!);
        }),
      );
      await health();
      await alive();
      if ((done / batch) % 25 === 0) log(`fuzz: ${done + cases.length} cases`);
    }
    const durationMs = Date.now() - started;
    return {
      campaign: "fuzz",
      cases: whatsappCases + slackCases,
      whatsappCases,
      slackCases,
      answers,
      fiveXx,
      hangs,
      crashes,
      healthChecks,
      healthFailures,
      errorLogs,
      errorMessages,
      answerMsMax,
      casesPerSecond: Math.round(((whatsappCases + slackCases) * 1000) / durationMs),
      examples,
      ok: fiveXx + hangs + crashes + healthFailures === 0,
      durationMs,
    };
  } finally {
    await w.close();
  }
}
