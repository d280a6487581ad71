import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FOLLOW_UP_JOB } from "../src/agent/follow-ups.ts";
import { AGENT_ACTION_JOB } from "../src/core/agent-config.ts";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import { installSandboxClock, type SandboxClock } from "../src/sandbox/clock.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";

/**
 * Follow-ups through the real service: the AI's reply (Anthropic emulator) schedules the first,
 * the runner sends it through the Graph emulator, a customer reply cancels the chain, and one due
 * after the window runs only its final action.
 *
 * The clock: the sandbox's movable clock (src/sandbox/clock.ts) shifts `Date.now()` for this
 * test file's process (vitest runs each file in its own worker), so the service, its job runner,
 * the send job and the emulators all see the hours pass; `later()` moves it and wakes the runner.
 * The runner's own `now` injection is used by the integration tests in
 * src/agent/follow-ups.test.ts.
 */

const H = 3_600_000;

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;
let dir: string | null = null;
let clock: SandboxClock | null = null;
const realNow = Date.now;

afterEach(async () => {
  Date.now = realNow;
  await h?.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  h = null;
  emu = null;
  dir = null;
  clock = null;
});

/** The prompt's `## Actions` block, as a business writes it. */
const ACTIONS_JSON = `{
  "followUps": [
    { "after": "1h", "message": "Halo $contact.first_name, masih ada yang bisa kami bantu?" },
    { "after": "1d", "message": "Kami tutup dulu ya, Kak.", "then": { "action": "close_conversation" } }
  ]
}`;

/** A small valid business prompt whose `## Actions` block holds only the follow-ups. */
function promptText(): string {
  const section = (name: string, body: string) => `## ${name}\n${body}\n`;
  return [
    section("Identity", "You are the WhatsApp assistant of Toko Uji, a small test shop."),
    section("Context", "You are chatting with $contact.name. Today is $today."),
    section("Knowledge", "Only the knowledge base below is a source of facts."),
    section("Behaviour", "Be brief and friendly."),
    section("Rules", "Never invent prices."),
    section("Examples", 'Customer: "jam buka?"\nReply: "Buka 09.00-21.00, Kak."'),
    section("Limits", "Only help with Toko Uji."),
    section("Actions", `\`\`\`json\n${ACTIONS_JSON}\n\`\`\``),
  ].join("\n");
}

async function start() {
  dir = mkdtempSync(join(tmpdir(), "jembatan-follow-ups-"));
  const prompt = join(dir, "prompt.md");
  writeFileSync(prompt, promptText());
  emu = await startAnthropicEmulator();
  clock = installSandboxClock();
  h = await startHarness({
    ANTHROPIC_API_KEY: emu.apiKey,
    ANTHROPIC_BASE_URL: emu.url,
    AI_PROMPT_FILE: prompt,
  });
  return h;
}

const rows = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) =>
  h!.service.db.$client.prepare(sql).all(...params) as T[];
const sentTexts = () => h!.graph.sent.map((s) => (s.body.text as { body: string }).body);
const followUpJobs = () =>
  rows<{ state: string; payload: string }>(
    "SELECT state, payload FROM jobs WHERE kind = ? ORDER BY id",
    FOLLOW_UP_JOB,
  );

/** Nothing is running or due: moving the clock now cannot expire a lease mid-run. */
async function quiet() {
  await expect
    .poll(
      () =>
        rows(
          "SELECT 1 FROM jobs WHERE state = 'running' OR (state = 'pending' AND run_at <= ?)",
          Date.now(),
        ).length,
      { timeout: 10_000 },
    )
    .toBe(0);
}

/** `ms` pass: the clock moves forward (once the service is quiet) and the runner is woken. */
async function later(ms: number) {
  await quiet();
  clock!.advance(ms);
  h!.service.runner.wake();
}

/** Lets the runner take whatever became due (it is woken; this is the time a run takes). */
const moment = () => new Promise((r) => setTimeout(r, 300));

async function customerSays(text: string, reply: string) {
  emu!.enqueue(decision(reply));
  expect((await h!.meta.send(textMessage(text, { name: "Rina Wati" }))).status).toBe(200);
  await expect
    .poll(() => sentTexts().some((s) => s.endsWith(reply)), { timeout: 10_000 })
    .toBe(true);
}

describe("follow-ups through the service (Graph and Anthropic emulators)", () => {
  it("sends the first on time, then skips the second after the window and queues its close", async () => {
    await start();
    await customerSays("Halo, bisa kirim ke Bandung?", "Bisa, Kak.");
    await expect.poll(() => followUpJobs().map((j) => j.state)).toEqual(["pending"]);

    await later(H - 60_000);
    await moment();
    expect(sentTexts()).toHaveLength(1);

    await later(60_000);
    await expect.poll(() => sentTexts().length).toBe(2);
    expect(sentTexts()[1]).toBe("Halo Rina, masih ada yang bisa kami bantu?");
    expect(rows("SELECT author, status FROM messages WHERE direction = 'out' ORDER BY id")).toEqual(
      [
        { author: "bot", status: "accepted" },
        { author: "bot", status: "accepted" },
      ],
    );

    // The second is due a day after the first: the window (24 h from the customer) has closed.
    await later(24 * H);
    await expect
      .poll(() => rows("SELECT kind FROM jobs WHERE kind = ?", AGENT_ACTION_JOB).length)
      .toBe(1);
    expect(sentTexts()).toHaveLength(2);
    const [action] = rows<{ payload: string }>(
      "SELECT payload FROM jobs WHERE kind = ?",
      AGENT_ACTION_JOB,
    );
    expect(JSON.parse(action!.payload)).toMatchObject({
      causeMessageId: null,
      source: "follow_up",
      request: { action: "close_conversation" },
    });
    expect(followUpJobs().map((j) => j.state)).toEqual(["done", "done"]);
    // The actions job (src/agent/action-job.ts) applies it: the conversation is closed, and
    // nothing was sent for it.
    await expect.poll(() => rows("SELECT state FROM conversations")).toEqual([{ state: "closed" }]);
    await quiet();
    expect(sentTexts()).toHaveLength(2);
  });

  it("a customer reply cancels the chain; the new answer's chain sends once", async () => {
    await start();
    await customerSays("Halo", "Ada yang bisa dibantu?");
    await later(30 * 60_000);
    await customerSays("Mau tanya ongkir", "Ongkir ke Bandung Rp15.000.");
    await expect.poll(() => followUpJobs().length).toBe(2);

    // The first chain's follow-up comes due now and is cancelled; the second's in half an hour.
    await later(30 * 60_000);
    await moment();
    expect(sentTexts()).toHaveLength(2);
    await later(30 * 60_000);
    await expect.poll(() => sentTexts().length).toBe(3);
    await moment();
    expect(sentTexts()[2]).toBe("Halo Rina, masih ada yang bisa kami bantu?");
    expect(followUpJobs().map((j) => j.state)).toEqual(["done", "done", "pending"]);
  });
});
