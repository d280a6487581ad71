import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EvalCommandDeps, EXIT, runEvalCommand } from "./command.ts";
import type { ModelRunner } from "./run.ts";

let dir: string;
let good: string;

const lines = [
  {
    id: "x1",
    lang: "en",
    text: "could I speak with a supervisor",
    category: "person",
    handoff: true,
  },
  { id: "x2", lang: "id", text: "ongkir ke Bogor berapa?", category: "price", tier: "fast" },
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "jembatan-eval-"));
  good = join(dir, "good.jsonl");
  await writeFile(good, lines.map((l) => JSON.stringify(l)).join("\n"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

function run(argv: string[], over: Partial<EvalCommandDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runEvalCommand(argv, {
    env: {},
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    ...over,
  });
  return code.then((c) => ({ code: c, stdout: out.join(""), stderr: err.join("") }));
}

describe("eval command", () => {
  it("prints a table offline", async () => {
    const r = await run(["--offline", good]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/handoff recall\s+1\.000/);
    expect(r.stdout).toMatch(/tier accuracy\s+1\.000\s+1\/1/);
    expect(r.stdout).toContain("misses: none");
    expect(r.stderr).toBe("");
  });

  it("prints exactly one JSON line with --json", async () => {
    const r = await run(["--offline", "--json", good]);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ count: 2, handoff: { recall: 1 }, tier: { accuracy: 1 } });
    expect(json.passed).toBe(true);
  });

  it("exits 1 and names the failing gates", async () => {
    const r = await run([
      "--offline",
      "--gate",
      "handoff.recall=1",
      "--gate",
      "injection.recall=1",
      good,
    ]);
    expect(r.code).toBe(EXIT.gateFailed);
    expect(r.stderr).toContain("1 gate(s) failed: injection.recall >= 1 (got n/a)");
    expect(r.stdout).toMatch(/pass {2}handoff\.recall/);
    expect(r.stdout).toMatch(/FAIL {2}injection\.recall/);
  });

  it("exits 2 on bad usage", async () => {
    expect((await run(["--offline", good, good])).code).toBe(EXIT.usage);
    expect((await run(["--frobnicate", good])).code).toBe(EXIT.usage);
    const badGate = await run(["--offline", "--gate", "speed=1", good]);
    expect(badGate.code).toBe(EXIT.usage);
    expect(badGate.stderr).toContain('unknown gate metric "speed"');
  });

  it("prints the usage with --help", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain("--gate handoff.recall=1");
  });

  it("exits 2 on a missing file or a bad line, naming it", async () => {
    const missing = await run(["--offline", join(dir, "nope.jsonl")]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain("nope.jsonl: no such file");
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, `${JSON.stringify(lines[0])}\n{"id":"x9","lang":"de"}\n`);
    const r = await run(["--offline", bad]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toMatch(/bad\.jsonl: line 2: lang: /);
  });

  it("needs a key and a runner to evaluate the model", async () => {
    const noKey = await run([good]);
    expect(noKey.code).toBe(EXIT.usage);
    expect(noKey.stderr).toContain("model evaluation needs ANTHROPIC_API_KEY (or use --offline)");
    const noRunner = await run([good], { env: { ANTHROPIC_API_KEY: "k" } });
    expect(noRunner.code).toBe(EXIT.usage);
    expect(noRunner.stderr).toContain("not available");
  });

  it("runs the model through the runner it is given", async () => {
    const runner: ModelRunner = async () => ({
      latencyMs: 40,
      costUsd: 0.0005,
      tier: "fast",
      handoff: true,
    });
    const r = await run(["--json", "--gate", "model.p95LatencyMs=50", good], {
      env: { ANTHROPIC_API_KEY: "k" },
      createRunner: (env) => (env.ANTHROPIC_API_KEY ? runner : undefined),
    });
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout).model).toMatchObject({
      count: 2,
      p95LatencyMs: 40,
      costPerMessageUsd: 0.0005,
      handoff: { tp: 1, fp: 1 },
    });
  });
});

describe("the default golden file", () => {
  it("is the repository's own eval/golden.jsonl, used when no FILE is given", async () => {
    const { existsSync } = await import("node:fs");
    const { DEFAULT_GOLDEN } = await import("./command.ts");
    expect(DEFAULT_GOLDEN.endsWith("eval/golden.jsonl")).toBe(true);
    expect(existsSync(DEFAULT_GOLDEN)).toBe(true);
    const r = await run(["--offline", "--json"]);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout.trim()).count).toBe(50);
  });
});

describe("the detection section", () => {
  it("is printed after the golden figures with --detection, tune and held-out side by side", async () => {
    await writeFile(join(dir, "tune.jsonl"), `${JSON.stringify(lines[0])}\n`);
    await writeFile(join(dir, "heldout.jsonl"), `${JSON.stringify(lines[1])}\n`);
    const r = await run(["--offline", "--detection", good], { detectionDir: dir });
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/detection set\s+tune\s+held-out/);
    expect(r.stdout).toMatch(/handoff recall\s+1\.000\s+n\/a/);
    const json = await run(["--offline", "--json", "--detection", good], { detectionDir: dir });
    const parsed = JSON.parse(json.stdout);
    expect(parsed.detection.tune.handoff.recall).toBe(1);
    expect(parsed.detection.heldout.misses).toBe(0);
  });

  it("is left out for another FILE unless asked for, and shown by default", async () => {
    expect((await run(["--offline", good])).stdout).not.toContain("detection set");
    const r = await run(["--offline"]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toContain("held-out targets");
  });

  it("fails with a usage error when the detection set cannot be read", async () => {
    const r = await run(["--offline", "--detection", good], { detectionDir: join(dir, "nope") });
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain("eval: detection set:");
  });
});
