import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { type GraphEmulator, startGraphEmulator } from "../src/emulators/graph.ts";
import { createMetaWebhookSender, textMessage } from "../src/emulators/meta-webhook.ts";
import { type SlackEmulator, startSlackEmulator } from "../src/emulators/slack.ts";
import { writeAgentPrompt } from "./helpers/agent-prompt.ts";
import { type ServiceChild, startServiceChild } from "./helpers/child.ts";
import { ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, testEnv } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";

// Issue 12, point 3: "a crash mid-action applies it once". The service, a real child process,
// is SIGKILLed while the agent.action job waits on Slack (reading the team's user group); the
// next process runs the job again and applies the assignment exactly once.

let dir: string;
let graph: GraphEmulator;
let slack: SlackEmulator;
let emu: AnthropicEmulator;
const children: ServiceChild[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-agent-crash-"));
  graph = await startGraphEmulator({ accessToken: ACCESS_TOKEN, phoneNumberId: PHONE_NUMBER_ID });
  slack = await startSlackEmulator();
  emu = await startAnthropicEmulator();
});

afterEach(async () => {
  for (const c of children.splice(0)) await c.kill();
  await emu.close();
  await slack.close();
  await graph.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("agent action crash recovery (real child processes)", () => {
  it("assigns once after the service is SIGKILLed during the action", async () => {
    slack.addChannel("C0SALES", { name: "sales" });
    slack.setUserGroup("S0SALES", ["U0B", "U0A"]);
    const env = testEnv(graph.url, dir, {
      JOB_LEASE_MS: "1500",
      ANTHROPIC_API_KEY: emu.apiKey,
      ANTHROPIC_BASE_URL: emu.url,
      AI_MAX_RETRIES: "0",
      SLACK_API_URL: slack.url,
      SLACK_BOT_TOKEN: slack.botToken,
      AI_PROMPT_FILE: writeAgentPrompt(dir, {
        actions: ["assign_team"],
        teams: [{ name: "Sales", channel: "C0SALES", userGroup: "S0SALES", pick: "round_robin" }],
      }),
    });
    emu.respond((req) =>
      req.schema === undefined
        ? { text: "Wants: a quote." }
        : req.toolResults.length === 0
          ? { toolUses: [{ name: "assign_team", input: { team: "Sales" } }] }
          : decision("Saya sambungkan ke tim sales ya Kak."),
    );
    const first = await startServiceChild(env);
    children.push(first);
    // The action's only remote call hangs until the process is killed.
    slack.setLatency(15_000);
    const meta = createMetaWebhookSender({
      targetUrl: `http://127.0.0.1:${first.port}/webhooks/whatsapp`,
      appSecret: APP_SECRET,
    });
    expect((await meta.send(textMessage("mau beli 20 unit"))).status).toBe(200);
    await slack.waitFor((s) => s.callsTo("usergroups.users.list").length === 1, 15_000);
    first.proc.kill("SIGKILL");
    await first.exited;

    slack.setLatency(0);
    const second = await startServiceChild(env);
    children.push(second);
    await slack.waitFor(
      (s) => s.messages("C0SALES").some((m) => m.thread_ts && m.text?.startsWith("🤖 AI")),
      15_000,
    );
    // One reply to the customer (the AI's), then the bridge message of the handoff.
    await graph.waitFor((g) => g.sent.filter((s) => s.type === "text").length === 2, 10_000);
    // Give a duplicate every chance to show up before checking it did not.
    await new Promise((r) => setTimeout(r, 800));
    const roots = slack.messages("C0SALES").filter((m) => !m.thread_ts);
    expect(roots).toHaveLength(1);
    const notices = slack
      .messages("C0SALES")
      .filter((m) => m.thread_ts && m.text?.startsWith("🤖 AI"));
    expect(notices).toHaveLength(1);
    // The group's members, sorted: U0A first.
    expect(notices[0]!.text).toContain("<@U0A>");
    const db = new Database(env.DATABASE_PATH!, { readonly: true });
    expect(db.prepare("select action, outcome from agent_actions").all()).toEqual([
      { action: "assign_team", outcome: "applied" },
    ]);
    expect(
      db.prepare("select state, attempts from jobs where kind = 'agent.action'").all(),
    ).toEqual([{ state: "done", attempts: 2 }]);
    expect(
      db.prepare("select value from settings where key = 'agent.round_robin.sales'").all(),
    ).toEqual([{ value: "U0A" }]);
    expect(db.prepare("select state, team from conversations").all()).toEqual([
      { state: "escalated", team: "Sales" },
    ]);
    expect(db.prepare("select count(*) n from jobs where kind = 'handoff'").get()).toEqual({
      n: 1,
    });
    db.close();
    expect(graph.sent.filter((s) => s.type === "text")).toHaveLength(2);

    second.proc.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
