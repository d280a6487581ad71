import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { type GraphEmulator, startGraphEmulator } from "../src/emulators/graph.ts";
import { createMetaWebhookSender, textMessage } from "../src/emulators/meta-webhook.ts";
import { type ServiceChild, startServiceChild } from "./helpers/child.ts";
import { ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, testEnv } from "./helpers/harness.ts";

let dir: string;
let graph: GraphEmulator;
let emu: AnthropicEmulator;
const children: ServiceChild[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-ai-crash-"));
  graph = await startGraphEmulator({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID });
  emu = await startAnthropicEmulator();
});

afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
  await emu.close();
  await graph.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("AI responder crash recovery (real child processes)", () => {
  // Two child processes start here (several seconds each on a busy 2-core machine).
  it("sends exactly one reply after the service is SIGKILLed during a model call", {
    timeout: 60_000,
  }, async () => {
    const env = testEnv(graph.url, dir, {
      JOB_LEASE_MS: "1500",
      ANTHROPIC_API_KEY: emu.apiKey,
      ANTHROPIC_BASE_URL: emu.url,
      AI_TIMEOUT_MS: "20000",
      AI_MAX_RETRIES: "0",
    });
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
    // The first process hangs inside its model call until we kill it.
    emu.setLatency(15_000);
    const first = await startServiceChild(env);
    children.push(first);
    const meta = createMetaWebhookSender({
      targetUrl: `http://127.0.0.1:${first.port}/webhooks/whatsapp`,
      appSecret: APP_SECRET,
    });
    expect(
      (await meta.send(textMessage("Jam buka toko hari ini?", { id: "wamid.AI1" }))).status,
    ).toBe(200);
    await emu.waitFor((e) => e.requests.length === 1, 10_000);
    first.proc.kill("SIGKILL");
    await first.exited;
    expect(graph.sent).toHaveLength(0);

    emu.setLatency(0);
    const second = await startServiceChild(env);
    children.push(second);
    await graph.waitFor((g) => g.sent.length === 1, 15_000);
    // Give a duplicate every chance to show up before checking it did not.
    await new Promise((r) => setTimeout(r, 800));
    expect(graph.sent).toHaveLength(1);
    expect((graph.sent[0]!.body.text as { body: string }).body).toContain("Senin-Sabtu");
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(db.prepare("select count(*) n from messages where direction = 'out'").get()).toEqual({
      n: 1,
    });
    expect(db.prepare("select state, attempts from jobs where kind = 'turn'").all()).toEqual([
      { state: "done", attempts: 2 },
    ]);
    db.close();
    // The killed run's request and the second run's.
    expect(emu.requests.length).toBe(2);

    second.proc.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
