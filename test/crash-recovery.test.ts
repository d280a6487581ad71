import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GraphEmulator, startGraphEmulator } from "../src/emulators/graph.ts";
import { createMetaWebhookSender, textMessage } from "../src/emulators/meta-webhook.ts";
import { MAIN, type ServiceChild, startServiceChild, TSX } from "./helpers/child.ts";
import { ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, testEnv } from "./helpers/harness.ts";

let dir: string;
let graph: GraphEmulator;
const children: ServiceChild[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-crash-"));
  graph = await startGraphEmulator({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID });
});

afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
  await graph.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("crash recovery (real child processes)", () => {
  it("finishes a job exactly once after the service is SIGKILLed while running it", async () => {
    const env = testEnv(graph.url, dir, { JOB_LEASE_MS: "1500", WHATSAPP_TIMEOUT_MS: "20000" });
    // The first run's job hangs inside its Graph API call until we kill the process.
    graph.setLatency(15_000);
    const first = await startServiceChild(env);
    children.push(first);
    const meta = createMetaWebhookSender({
      targetUrl: `http://127.0.0.1:${first.port}/webhooks/whatsapp`,
      appSecret: APP_SECRET,
    });
    expect((await meta.send(textMessage("tolong dibantu", { id: "wamid.CRASH" }))).status).toBe(
      200,
    );
    await graph.waitFor((g) => g.requests.length === 1, 10_000);

    first.proc.kill("SIGKILL");
    await first.exited;
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    const read = (sql: string) => db.prepare(sql).all();
    expect(read("select state, attempts from jobs")).toEqual([{ state: "running", attempts: 1 }]);
    expect(read("select status from messages")).toEqual([{ status: "received" }]);

    graph.setLatency(0);
    const second = await startServiceChild(env);
    children.push(second);
    // (The turn's own follow-up jobs, e.g. the responder's reply and handoff, are left out.)
    const turnJobs = "select state, attempts from jobs where kind = 'turn'";
    await expect
      .poll(() => read(turnJobs), { timeout: 15_000, interval: 100 })
      .toEqual([{ state: "done", attempts: 2 }]);
    // Give a duplicate run every chance to show up before checking it did not.
    await new Promise((r) => setTimeout(r, 500));
    expect(read("select count(*) as n from jobs where kind = 'turn'")).toEqual([{ n: 1 }]);
    expect(read("select status from messages where direction = 'in'")).toEqual([
      { status: "handled" },
    ]);
    const done = [...first.lines, ...second.lines].filter(
      (l) => l.msg === "job done" && l.kind === "turn",
    );
    expect(done).toHaveLength(1);
    db.close();

    second.proc.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });

  it("refuses to start with a message naming every missing variable", async () => {
    const proc = spawn(process.execPath, ["--import", TSX, MAIN], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
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
