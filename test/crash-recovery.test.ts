import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { type GraphEmulator, startGraphEmulator } from "../src/emulators/graph.ts";
import { createMetaWebhookSender, textMessage } from "../src/emulators/meta-webhook.ts";
import { MAIN, type ServiceChild, startServiceChild, TSX } from "./helpers/child.ts";
import { ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, testEnv } from "./helpers/harness.ts";

let dir: string;
let graph: GraphEmulator;
let emu: AnthropicEmulator;
const children: ServiceChild[] = [];
const QUESTION = "Jam buka toko hari ini?";

/** A child with the model answering (slowly when a test says so); no JOB_LEASE_MS: the default. */
function aiEnv(extra: Record<string, string> = {}) {
  return testEnv(graph.url, dir, {
    ANTHROPIC_API_KEY: emu.apiKey,
    ANTHROPIC_BASE_URL: emu.url,
    AI_TIMEOUT_MS: "60000",
    AI_MAX_RETRIES: "0",
    ...extra,
  });
}

const sender = (child: ServiceChild) =>
  createMetaWebhookSender({
    targetUrl: `http://127.0.0.1:${child.port}/webhooks/whatsapp`,
    appSecret: APP_SECRET,
  });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-crash-"));
  graph = await startGraphEmulator({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID });
  emu = await startAnthropicEmulator();
  emu.respond(() => ({
    json: {
      reply: "Toko kami buka Senin-Sabtu 09.00-21.00 WIB, Kak.",
      handoff: false,
      reason: "answered_from_knowledge",
      confidence: 0.9,
      language: "id",
      needs_smart: false,
    },
  }));
});

afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
  await emu.close();
  await graph.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("crash recovery (real child processes)", () => {
  // The default JOB_LEASE_MS (60 s): the killed process's heartbeat stops, so its job is taken
  // over within seconds of the restart, not after the lease.
  it("answers exactly once, within seconds of the restart, after a SIGKILL mid-answer (default lease)", async () => {
    const env = aiEnv();
    emu.setLatency(30_000); // the first process hangs inside its model call until we kill it
    const first = await startServiceChild(env);
    children.push(first);
    expect((await sender(first).send(textMessage(QUESTION, { id: "wamid.KILL" }))).status).toBe(
      200,
    );
    await emu.waitFor((e) => e.requests.length === 1, 10_000);
    first.proc.kill("SIGKILL");
    await first.exited;
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    const read = (sql: string) => db.prepare(sql).all();
    expect(read("select state, attempts from jobs where kind = 'turn'")).toEqual([
      { state: "running", attempts: 1 },
    ]);
    expect(graph.sent).toHaveLength(0);

    emu.setLatency(0);
    const second = await startServiceChild(env);
    children.push(second);
    const restarted = Date.now();
    await graph.waitFor((g) => g.sent.length === 1, 15_000);
    expect(Date.now() - restarted).toBeLessThan(15_000);
    // Give a duplicate every chance to show up before checking it did not.
    await new Promise((r) => setTimeout(r, 800));
    expect(graph.sent).toHaveLength(1);
    expect(read("select state, attempts from jobs where kind = 'turn'")).toEqual([
      { state: "done", attempts: 2 },
    ]);
    expect(read("select status from messages where direction = 'in'")).toEqual([
      { status: "handled" },
    ]);
    db.close();

    second.proc.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("SIGTERM releases the job in flight (no attempt counted) and the next start answers it at once", async () => {
    const env = aiEnv({ JOB_SHUTDOWN_MS: "300" });
    emu.setLatency(30_000);
    const first = await startServiceChild(env);
    children.push(first);
    expect((await sender(first).send(textMessage(QUESTION, { id: "wamid.TERM" }))).status).toBe(
      200,
    );
    await emu.waitFor((e) => e.requests.length === 1, 10_000);
    const signalled = Date.now();
    first.proc.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    const turn = () =>
      db
        .prepare(
          "select state, attempts, lease_until as leaseUntil, first_failed_at as firstFailedAt from jobs where kind = 'turn'",
        )
        .all();
    // Released: back in the queue, no lease, no failure counted (the next run is attempt 2).
    expect(turn()).toEqual([
      { state: "pending", attempts: 1, leaseUntil: null, firstFailedAt: null },
    ]);
    expect(db.prepare("select stopped_at is not null as stopped from workers").all()).toEqual([
      { stopped: 1 },
    ]);
    expect(first.lines.some((l) => String(l.msg).includes("abandoned at shutdown"))).toBe(true);

    emu.setLatency(0);
    const second = await startServiceChild(env);
    children.push(second);
    const restarted = Date.now();
    await graph.waitFor((g) => g.sent.length === 1, 5_000);
    expect(Date.now() - restarted).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(graph.sent).toHaveLength(1);
    expect(turn()).toMatchObject([{ state: "done", attempts: 2, firstFailedAt: null }]);
    db.close();

    // A second signal while draining exits promptly.
    emu.setLatency(30_000);
    await sender(second).send(textMessage("satu lagi", { id: "wamid.TERM2" }));
    await emu.waitFor((e) => e.requests.length === 3, 10_000);
    second.proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 100));
    second.proc.kill("SIGTERM");
    expect(await second.exited).toBe(1);
  });

  it("in production, refuses to start with a message naming every missing variable", async () => {
    // Without NODE_ENV=production and no credentials, npm start opens the sandbox instead
    // (test/start-modes.test.ts).
    const proc = spawn(process.execPath, ["--import", TSX, MAIN], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    proc.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const code = await new Promise((resolve) => proc.once("exit", resolve));
    expect(code).toBe(1);
    for (const name of [
      "WHATSAPP_APP_SECRET",
      "WHATSAPP_ACCESS_TOKEN",
      "SLACK_BOT_TOKEN",
      "SLACK_ESCALATION_CHANNEL",
    ]) {
      expect(stderr).toContain(name);
    }
  });
});
