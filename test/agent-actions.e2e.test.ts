import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AnthropicEmulator,
  type ParsedRequest,
  type Scripted,
  startAnthropicEmulator,
} from "../src/emulators/anthropic.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import { writeAgentPrompt } from "./helpers/agent-prompt.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";
import { slackFlow } from "./helpers/slack.ts";

// Issue 12, point 3: the agent's actions as model tools, through the real service, the real
// Anthropic SDK against the emulator (tool_use answers, tool_result follow-ups) and Slack's.

const SALES = "C0SALES";
const AGENT = {
  actions: ["assign_team", "update_contact_field", "set_lifecycle_stage"],
  teams: [
    { name: "Sales", channel: SALES, members: ["U0A", "U0B", "U0C"], pick: "round_robin" },
    { name: "Support", channel: "C0ESCALATE" },
  ],
  fields: [{ name: "budget", type: "number" }],
  stages: ["New Lead", "Hot Lead", "Customer", "Cold Lead"],
};

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-agent-"));
});
afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A decision call offering tools, before any tool result: the model's first look at the turn. */
const firstLook = (req: ParsedRequest) =>
  req.schema !== undefined && req.toolNames.length > 0 && req.toolResults.length === 0;

async function start(
  agent: unknown,
  script: (req: ParsedRequest) => Scripted,
  rules: string[] = [],
) {
  emu = await startAnthropicEmulator();
  emu.respond((req) =>
    // The handoff summary (free text, no schema): a fixed one.
    req.schema === undefined ? { text: "Wants: a quote." } : script(req),
  );
  h = await startHarness({
    ANTHROPIC_API_KEY: emu.apiKey,
    ANTHROPIC_BASE_URL: emu.url,
    AI_PROMPT_FILE: writeAgentPrompt(dir, agent, rules),
  });
  h.slack.addChannel(SALES, { name: "sales" });
  return slackFlow(h);
}

describe("agent actions as model tools", () => {
  it("sets the stage and a contact field, tells the model, then sends its reply", async () => {
    const f = await start(
      AGENT,
      (req) =>
        firstLook(req)
          ? {
              toolUses: [
                { name: "set_lifecycle_stage", input: { stage: "Hot Lead" } },
                { name: "update_contact_field", input: { field: "budget", value: "15.000.000" } },
                { name: "update_contact_field", input: { field: "email", value: "budi@toko.id" } },
              ],
            }
          : decision("Siap Kak, budget 15 juta sudah saya catat."),
      ["When the customer names a budget, set lifecycle stage Hot Lead."],
    );
    expect(
      (await h!.meta.send(textMessage("budget saya 15000000, email budi@toko.id"))).status,
    ).toBe(200);
    await f.settle();

    // The offered tools: only the enabled ones, with the rule in the stage tool's description.
    const first = emu!.requests[0]!.body as {
      tools: { name: string; description: string }[];
      output_config: unknown;
    };
    expect(first.tools.map((t) => t.name)).toEqual([
      "assign_team",
      "update_contact_field",
      "set_lifecycle_stage",
    ]);
    expect(first.tools[2]!.description).toContain("Rule: When the customer names a budget");
    expect(first.output_config).toBeDefined();
    // The follow-up call carried the results: the invalid number refused, with why.
    const second = emu!.requests[1]!.body as { messages: { role: string; content: unknown }[] };
    const results = second.messages.at(-1)!.content as {
      type: string;
      is_error?: boolean;
      content: string;
    }[];
    expect(results.map((r) => r.type)).toEqual(["tool_result", "tool_result", "tool_result"]);
    expect(results[0]!.content).toMatch(/^Accepted: stage = Hot Lead/);
    expect(results[1]).toMatchObject({ is_error: true });
    expect(results[1]!.content).toContain('budget: "15.000.000" is not a number');
    expect(results[2]!.content).toMatch(/^Accepted: email = budi@toko\.id/);

    expect(f.sentTexts().at(-1)).toContain("budget 15 juta sudah saya catat");
    expect(f.rows("select lifecycle_stage from contacts")).toEqual([
      { lifecycle_stage: "Hot Lead" },
    ]);
    expect(f.rows("select field, value from contact_fields")).toEqual([
      { field: "email", value: "budi@toko.id" },
    ]);
    const inbound = f.rows<{ id: number }>("select id from messages where direction = 'in'")[0]!;
    expect(
      f.rows("select action, outcome, cause_message_id AS cause from agent_actions order by id"),
    ).toEqual([
      { action: "update_contact_field", outcome: "refused", cause: inbound.id },
      { action: "set_lifecycle_stage", outcome: "applied", cause: inbound.id },
      { action: "update_contact_field", outcome: "applied", cause: inbound.id },
    ]);
    // Both calls counted like every other model call.
    expect(f.rows("select count(*) n, sum(outcome = 'ok') ok from ai_calls")).toEqual([
      { n: 2, ok: 2 },
    ]);
    expect(f.rows("select ai_calls from conversations")).toEqual([{ ai_calls: 2 }]);
    // No thread: nothing shown in Slack.
    expect(h!.slack.calls.filter((c) => c.method === "chat.postMessage")).toHaveLength(0);
    expect(f.rows("select count(*) n from jobs where state = 'dead'")).toEqual([{ n: 0 }]);
  });

  it("refuses a tool that is not enabled: not applied, recorded refused, the model told", async () => {
    const f = await start({ ...AGENT, actions: ["set_lifecycle_stage"] }, (req) =>
      firstLook(req)
        ? // A model calling a tool it was not offered (the API does not stop it).
          { toolUses: [{ name: "close_conversation", input: { summary: "done" } }] }
        : decision("Baik Kak, ada lagi yang bisa dibantu?"),
    );
    expect((await h!.meta.send(textMessage("oke makasih"))).status).toBe(200);
    await f.settle();
    const offered = (emu!.requests[0]!.body as { tools: { name: string }[] }).tools;
    expect(offered.map((t) => t.name)).toEqual(["set_lifecycle_stage"]);
    const results = (
      emu!.requests[1]!.body as {
        messages: { content: { is_error?: boolean; content: string }[] }[];
      }
    ).messages.at(-1)!.content;
    expect(results[0]).toMatchObject({
      is_error: true,
      content:
        "Refused: the action close_conversation is not enabled for this business. Nothing was changed.",
    });
    expect(f.rows("select state from conversations")).toEqual([{ state: "bot" }]);
    expect(f.rows("select action, outcome, detail from agent_actions")).toEqual([
      {
        action: "close_conversation",
        outcome: "refused",
        detail: "the action close_conversation is not enabled for this business",
      },
    ]);
    expect(f.rows("select count(*) n from jobs where kind = 'agent.action'")).toEqual([{ n: 0 }]);
    expect(f.sentTexts().at(-1)).toContain("ada lagi yang bisa dibantu");
  });

  it("closes with a summary in the thread of a conversation handed back to the AI; refusals shown there", async () => {
    const f = await start(
      { ...AGENT, actions: ["close_conversation", "set_lifecycle_stage"] },
      (req) =>
        firstLook(req)
          ? {
              toolUses: [
                { name: "set_lifecycle_stage", input: { stage: "VIP" } },
                {
                  name: "close_conversation",
                  input: { summary: "Order 88123 arrived; customer happy." },
                },
              ],
            }
          : decision("Sama-sama Kak, senang bisa membantu!"),
    );
    // A person had the conversation and gave it back to the AI: the thread exists.
    const root = await f.handoff("saya mau bicara dengan orang beneran");
    await f.settle();
    expect((await f.press(root, "conversation_return_to_ai")).status).toBe(200);
    await f.settle();
    expect((await h!.meta.send(textMessage("paketnya sudah sampai, makasih ya"))).status).toBe(200);
    await f.settle();

    expect(f.rows("select state, summary from conversations")).toEqual([
      { state: "closed", summary: "Order 88123 arrived; customer happy." },
    ]);
    expect(f.rows("select action, outcome from agent_actions order by id")).toEqual([
      { action: "set_lifecycle_stage", outcome: "refused" },
      { action: "close_conversation", outcome: "applied" },
    ]);
    const texts = f.replies(root).map((m) => m.text ?? "");
    expect(
      texts.some((t) => t.startsWith("🤖 AI tried: set stage → *VIP*, refused: unknown stage")),
    ).toBe(true);
    expect(
      texts.some(
        (t) => t === "🤖 AI closed the conversation (because: “paketnya sudah sampai, makasih ya”)",
      ),
    ).toBe(true);
    expect(JSON.stringify(f.replies(root))).toContain("Order 88123 arrived; customer happy.");
    expect(f.sentTexts().at(-1)).toContain("senang bisa membantu");
    expect(f.rows("select count(*) n from jobs where state = 'dead'")).toEqual([{ n: 0 }]);
  });

  it("a model still calling tools after two rounds has not decided: the chain goes on", async () => {
    const f = await start(AGENT, (req) =>
      req.toolNames.length > 0
        ? { toolUses: [{ name: "set_lifecycle_stage", input: { stage: "Hot Lead" } }] }
        : decision("unused"),
    );
    expect((await h!.meta.send(textMessage("halo"))).status).toBe(200);
    await f.settle();
    // Per tier: the first call and two answered rounds, then the other tier the same way.
    expect(f.rows("select tier, count(*) n from ai_calls group by tier order by tier")).toEqual([
      { tier: "fast", n: 3 },
      { tier: "smart", n: 3 },
    ]);
    // Asked six times for the same thing: applied once.
    expect(f.rows("select action, outcome from agent_actions")).toEqual([
      { action: "set_lifecycle_stage", outcome: "applied" },
    ]);
    // Nobody answered: handed off, like any other model failure.
    expect(f.rows("select state, handoff_reason from conversations")).toEqual([
      { state: "escalated", handoff_reason: "model_unavailable" },
    ]);
  });

  it("assign_team hands off into the team's channel, round robin spreading A, B, C, A", async () => {
    const f = await start(AGENT, (req) =>
      firstLook(req)
        ? { toolUses: [{ name: "assign_team", input: { team: "Sales" } }] }
        : decision("Saya sambungkan ke tim sales ya Kak."),
    );
    for (const [i, from] of ["6281111", "6282222", "6283333", "6284444"].entries()) {
      expect(
        (await h!.meta.send(textMessage(`mau beli 20 unit (${i})`, { from: `${from}000` }))).status,
      ).toBe(200);
      await f.settle();
    }
    const roots = h!.slack.messages(SALES).filter((m) => !m.thread_ts && m.metadata);
    expect(roots).toHaveLength(4);
    expect(h!.slack.messages("C0ESCALATE").filter((m) => !m.thread_ts)).toHaveLength(0);
    const notices = roots.map(
      (r) => h!.slack.threadReplies(SALES, r.ts).find((m) => m.text?.startsWith("🤖 AI"))!.text,
    );
    expect(notices.map((t) => /<@(U0[ABC])>/.exec(t ?? "")?.[1])).toEqual([
      "U0A",
      "U0B",
      "U0C",
      "U0A",
    ]);
    expect(notices[0]).toContain("assigned to team *Sales*");
    expect(notices[0]).toContain("(because: “mau beli 20 unit (0)”)");
    expect(f.rows("select distinct state, team from conversations")).toEqual([
      { state: "escalated", team: "Sales" },
    ]);
    expect(f.rows("select channel from slack_threads group by channel")).toEqual([
      { channel: SALES },
    ]);
  });

  it("assign_team moves an existing thread to the team's channel, with a pointer left behind", async () => {
    const f = await start(AGENT, (req) =>
      firstLook(req)
        ? { toolUses: [{ name: "assign_team", input: { team: "Sales" } }] }
        : decision("Saya sambungkan ke tim sales ya Kak."),
    );
    // A person had the conversation in the escalation channel and gave it back to the AI.
    const old = await f.handoff("saya mau bicara dengan orang beneran");
    await f.settle();
    expect((await f.press(old, "conversation_return_to_ai")).status).toBe(200);
    await f.settle();
    const bridges = f.sentTexts().length;
    expect((await h!.meta.send(textMessage("mau beli 20 unit untuk kantor"))).status).toBe(200);
    await f.settle();

    // One thread row, now in Sales, with a new root there; the old thread points to it.
    const roots = h!.slack.messages(SALES).filter((m) => !m.thread_ts && m.metadata);
    expect(roots).toHaveLength(1);
    expect(f.rows("select channel, root_ts from slack_threads")).toEqual([
      { channel: SALES, root_ts: roots[0]!.ts },
    ]);
    expect(f.replies(old).some((m) => (m.text ?? "").startsWith("➡️ Moved to <#C0SALES>"))).toBe(
      true,
    );
    const notice = h!.slack
      .threadReplies(SALES, roots[0]!.ts)
      .find((m) => m.text?.startsWith("🤖 AI"))!;
    expect(notice.text).toContain("assigned to team *Sales*");
    expect(JSON.stringify(notice.blocks)).toContain(
      "the thread moved here from its earlier channel",
    );
    expect(f.rows("select state, team from conversations")).toEqual([
      { state: "escalated", team: "Sales" },
    ]);
    // The customer is told a person is coming again, as on any handoff from the AI.
    expect(
      f
        .sentTexts()
        .slice(bridges)
        .filter((t) => t.startsWith("Baik Kak, kami sambungkan dengan tim kami")),
    ).toHaveLength(1);

    // An agent's reply in the new thread reaches the customer.
    const sent = f.sentTexts().length;
    const posted = h!.slack.addMessage(SALES, {
      user: "U0AGENT",
      text: "Halo Kak, saya dari tim sales.",
      thread_ts: roots[0]!.ts,
    });
    await f.event({
      type: "message",
      channel: SALES,
      user: "U0AGENT",
      text: "Halo Kak, saya dari tim sales.",
      thread_ts: roots[0]!.ts,
      ts: posted.ts,
    });
    await expect.poll(() => f.sentTexts().length, { timeout: 5000 }).toBe(sent + 1);
    expect(f.sentTexts().at(-1)).toContain("saya dari tim sales");
    expect(f.rows("select count(*) n from jobs where state = 'dead'")).toEqual([{ n: 0 }]);
  });

  it("fewest open picks the least loaded member", async () => {
    const f = await start(
      {
        ...AGENT,
        teams: [
          { name: "Sales", channel: SALES, members: ["U0A", "U0B", "U0C"], pick: "fewest_open" },
        ],
      },
      (req) =>
        firstLook(req)
          ? { toolUses: [{ name: "assign_team", input: { team: "Sales" } }] }
          : decision("Saya sambungkan ke tim sales ya Kak."),
    );
    const ask = async (from: string) => {
      expect((await h!.meta.send(textMessage("mau beli", { from }))).status).toBe(200);
      await f.settle();
    };
    await ask("6281111000");
    await ask("6282222000");
    await ask("6283333000");
    // B's customer is done: B has the fewest open conversations now.
    f.rows("update conversations set state = 'closed', closed_at = 1 where id = 2 returning id");
    await ask("6284444000");
    const picked = f.rows<{ args: string }>(
      "select args from agent_actions where action = 'assign_team' order by id",
    );
    expect(picked.map((r) => (JSON.parse(r.args) as { picked: string }).picked)).toEqual([
      "U0A",
      "U0B",
      "U0C",
      "U0B",
    ]);
  });
});
