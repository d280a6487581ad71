import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAnthropicEmulator } from "../src/emulators/anthropic.ts";

const repoRoot = join(import.meta.dirname, "..");
// The golden set kept in the repository (eval/README.md): a clone alone must pass.
const golden = join(repoRoot, "eval", "golden.jsonl");
const tsx = import.meta.resolve("tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cli = join(repoRoot, "src", "eval", "cli.ts");

// The eval CLI as a real child process, as `npm run eval` starts it. It runs in an empty
// folder without ANTHROPIC_API_KEY so that a developer's own key or `.env` cannot leak in.
function evalCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const { ANTHROPIC_API_KEY: _key, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsx, cli, ...args], {
      cwd: dir,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "jembatan-eval-e2e-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("npm run eval (child process)", () => {
  it("meets the acceptance figures on the golden set kept in the repository, offline", async () => {
    const r = await evalCli(["--offline", "--json", golden]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] ?? "");
    expect(report.count).toBe(50);
    expect(report.handoff.recall).toBe(1);
    expect(report.handoff.precision).toBeGreaterThanOrEqual(0.9);
    expect(report.optout.recall).toBe(1);
    expect(report.injection.recall).toBeTypeOf("number");
    expect(report.tier.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(Array.isArray(report.misses)).toBe(true);
  });

  it("passes the recommended gates on the golden set", async () => {
    const gates = [
      "handoff.recall=1",
      "handoff.precision=0.9",
      "optout.recall=1",
      "tier.accuracy=0.8",
    ];
    const r = await evalCli(["--offline", ...gates.flatMap((g) => ["--gate", g]), golden]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("handoff recall");
    expect(r.stdout).toMatch(/pass {2}tier\.accuracy >= 0\.8/);
  });

  it("exits 1 when a gate fails, naming it", async () => {
    const file = join(dir, "gate.jsonl");
    const record = {
      id: "g1",
      lang: "en",
      text: "do you sell gift cards?",
      category: "x",
      handoff: true,
    };
    await writeFile(file, `${JSON.stringify(record)}\n`);
    const r = await evalCli(["--offline", "--gate", "handoff.recall=1", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("handoff.recall >= 1 (got 0)");
  });

  it("exits 2 on a missing file", async () => {
    const r = await evalCli(["--offline", join(dir, "missing.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing.jsonl: no such file");
  });

  it("exits 2 on a malformed line, naming its number", async () => {
    const file = join(dir, "malformed.jsonl");
    const ok = { id: "m1", lang: "id", text: "halo", category: "greeting" };
    await writeFile(file, `${JSON.stringify(ok)}\n${JSON.stringify(ok).slice(0, -3)}\n`);
    const r = await evalCli(["--offline", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("line 2: not valid JSON");
  });

  it("exits 2 without --offline when no model is configured", async () => {
    const r = await evalCli([golden]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("model evaluation needs ANTHROPIC_API_KEY (or use --offline)");
  });

  it("runs the model through the responder against the Anthropic emulator", async () => {
    const emu = await startAnthropicEmulator();
    try {
      emu.respond(() => ({
        json: {
          reply: "Baik kak",
          handoff: false,
          reason: "answered",
          confidence: 0.9,
          language: "id",
          needs_smart: false,
        },
      }));
      const file = join(dir, "model.jsonl");
      const records = [
        { id: "q1", lang: "id", text: "jam buka hari Sabtu?", category: "hours", tier: "fast" },
        {
          id: "q2",
          lang: "en",
          text: "put me through to an operator",
          category: "p",
          handoff: true,
        },
      ];
      await writeFile(file, records.map((r) => JSON.stringify(r)).join("\n"));
      const r = await evalCli(["--json", "--gate", "model.errors=0", file], {
        ANTHROPIC_API_KEY: emu.apiKey,
        ANTHROPIC_BASE_URL: emu.url,
        AI_PROMPT_FILE: join(repoRoot, "prompts", "business.example.md"),
        AI_KNOWLEDGE_DIR: join(repoRoot, "knowledge"),
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const { model } = JSON.parse(r.stdout);
      expect(model).toMatchObject({ count: 2, errors: 0, handoff: { tp: 1, fp: 0, fn: 0 } });
      expect(model.p95LatencyMs).toBeTypeOf("number");
      expect(model.costPerMessageUsd).toBeGreaterThan(0);
      // The request for a person is settled by the trigger, before any model call.
      expect(emu.requests.length).toBeGreaterThanOrEqual(1);
      const sent = emu.requests.map((q) => JSON.stringify(q.body)).join("\n");
      expect(sent).toContain("jam buka");
      expect(sent).not.toContain("put me through");
    } finally {
      await emu.close();
    }
  });
});
