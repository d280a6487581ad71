import { Writable } from "node:stream";
import type { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AGENT_ACTION_JOB, type AgentConfig, agentConfigSchema } from "../core/agent-config.ts";
import type { BsuId, ConversationId, WaId } from "../core/ids.ts";
import { createJobRunner, type JobRunner } from "../jobs/runner.ts";
import { createLogger } from "../logger.ts";
import { createThread, updateThread } from "../slack/store.ts";
import { upsertContact } from "../store/repositories/contacts.ts";
import {
  findOrOpenConversation,
  transitionConversation,
} from "../store/repositories/conversations.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import { createAgentActionJob, openLoad } from "./action-job.ts";
import { queueAgentAction, recordAgentAction } from "./record.ts";

// The agent.action job against a real database and the real job runner. Only the action job is
// registered: the Slack jobs it queues (thread posts, the handoff) stay pending, to be read.

const NOW = 1_790_000_000_000;
let t: TestDatabase;
let config: AgentConfig;
let groupAnswer: () => Promise<{ ok: boolean; users?: string[] }>;
let runner: JobRunner;

const quiet = () =>
  createLogger(
    "error",
    new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
  );

beforeEach(() => {
  t = openTestDatabase();
  config = agentConfigSchema.parse({
    actions: ["assign_team", "close_conversation", "set_lifecycle_stage"],
    teams: [
      {
        name: "Sales",
        channel: "C0SALES",
        userGroup: "S0SALES",
        members: ["U0Z"],
        pick: "round_robin",
      },
    ],
    stages: ["New Lead", "Hot Lead"],
  });
  groupAnswer = async () => ({ ok: true, users: ["U0B", "U0A"] });
  const web = {
    usergroups: { users: { list: () => groupAnswer() } },
  } as unknown as Pick<WebClient, "usergroups">;
  runner = createJobRunner({
    db: t.db,
    logger: quiet(),
    handlers: {
      [AGENT_ACTION_JOB]: createAgentActionJob({
        db: t.db,
        web,
        agent: () => config,
        logger: quiet(),
        now: () => NOW,
        wake: () => {},
      }) as never,
    },
    leaseMs: 5_000,
    pollMs: 20,
    concurrency: 1,
    backoff: { baseMs: 1, maxMs: 5 },
  });
});
afterEach(async () => {
  await runner.stop(1000);
  t.cleanup();
});

const rows = <T = Record<string, unknown>>(sql: string, ...p: unknown[]) =>
  t.db.$client.prepare(sql).all(...p) as T[];

function conversation(phone = "6281234500"): ConversationId {
  return inTransaction(t.db, () => {
    const contact = upsertContact(
      t.db,
      { waId: phone as WaId, userId: null as BsuId | null, profileName: "Budi" },
      NOW,
    )!;
    return findOrOpenConversation(t.db, contact.id, NOW).id;
  });
}

function withThread(id: ConversationId, channel = "C0ESCALATE") {
  inTransaction(t.db, () => {
    transitionConversation(t.db, id, "bot", "escalated", NOW);
    const th = createThread(
      t.db,
      { conversationId: id, channel, reason: "asked", confidence: null, language: "id" },
      NOW,
    );
    updateThread(t.db, th.id, { rootTs: "1790000000.000100" }, NOW);
  });
}

const queue = (
  id: ConversationId,
  request: Parameters<typeof queueAgentAction>[1]["request"],
  source: "model" | "follow_up" = "model",
) =>
  inTransaction(t.db, () =>
    queueAgentAction(t.db, { conversationId: id, causeMessageId: null, source, request }, NOW),
  );

const posts = () =>
  rows<{ payload: string }>("select payload from jobs where kind = 'slack.post' order by id").map(
    (r) => (JSON.parse(r.payload) as { text: string }).text,
  );

describe("agent.action", () => {
  it("closes a conversation with a thread through Slack's Close, summary kept and shown", async () => {
    const id = conversation();
    withThread(id);
    expect(queue(id, { action: "close_conversation", summary: "Asked for a quote; sent." })).toBe(
      true,
    );
    // The same request again (a retried turn): not queued twice.
    expect(queue(id, { action: "close_conversation", summary: "Asked for a quote; sent." })).toBe(
      false,
    );
    await runner.drain();
    expect(rows("select state, summary from conversations")).toEqual([
      { state: "closed", summary: "Asked for a quote; sent." },
    ]);
    expect(rows("select status from slack_threads")).toEqual([{ status: "closed" }]);
    const texts = posts();
    expect(texts.some((x) => x.includes("Asked for a quote; sent."))).toBe(true);
    expect(texts.at(-1)).toBe("🤖 AI closed the conversation");
    expect(rows("select action, outcome from agent_actions")).toEqual([
      { action: "close_conversation", outcome: "applied" },
    ]);
  });

  it("closes a conversation without a thread quietly", async () => {
    const id = conversation();
    queue(id, { action: "close_conversation", summary: "Done." });
    await runner.drain();
    expect(rows("select state from conversations")).toEqual([{ state: "closed" }]);
    expect(posts()).toEqual([]);
  });

  it("refuses an action disabled since the turn, and says so in the thread", async () => {
    const id = conversation();
    withThread(id);
    queue(id, { action: "set_lifecycle_stage", stage: "Hot Lead" });
    config = { ...config, actions: ["assign_team"] };
    await runner.drain();
    expect(rows("select lifecycle_stage from contacts")).toEqual([{ lifecycle_stage: null }]);
    expect(rows("select outcome, detail from agent_actions")).toEqual([
      {
        outcome: "refused",
        detail: "the action set_lifecycle_stage is not enabled for this business",
      },
    ]);
    expect(posts()[0]).toMatch(/^🤖 AI tried: set stage → \*Hot Lead\*, refused: /);
  });

  it("a follow-up's final action applies even when not offered to the model, once per job", async () => {
    const id = conversation();
    config = { ...config, actions: [] };
    queue(id, { action: "set_lifecycle_stage", stage: "Hot Lead" }, "follow_up");
    await runner.drain();
    expect(rows("select lifecycle_stage from contacts")).toEqual([{ lifecycle_stage: "Hot Lead" }]);
    expect(rows("select source, idempotency_key from agent_actions")[0]).toMatchObject({
      source: "follow_up",
    });
  });

  it("does nothing when the action was already recorded (a second run)", async () => {
    const id = conversation();
    queue(id, { action: "set_lifecycle_stage", stage: "Hot Lead" });
    const key = rows<{ dedupe_key: string }>("select dedupe_key from jobs")[0]!.dedupe_key;
    inTransaction(t.db, () =>
      recordAgentAction(
        t.db,
        {
          conversationId: id,
          causeMessageId: null,
          source: "model",
          action: "set_lifecycle_stage",
          args: {},
          outcome: "applied",
          detail: null,
          idempotencyKey: key,
        },
        NOW,
      ),
    );
    await runner.drain();
    expect(rows("select lifecycle_stage from contacts")).toEqual([{ lifecycle_stage: null }]);
    expect(rows("select count(*) n from agent_actions")).toEqual([{ n: 1 }]);
    expect(rows("select state from jobs")).toEqual([{ state: "done" }]);
  });

  it("assigns from the user group (sorted); an open thread moves to the team's channel", async () => {
    const id = conversation();
    withThread(id, "C0ESCALATE");
    queue(id, { action: "assign_team", team: "Sales" });
    await runner.drain();
    expect(rows("select state, team from conversations")).toEqual([
      { state: "escalated", team: "Sales" },
    ]);
    // The row moves without a root; the handoff job (already told the customer) posts it there.
    expect(rows("select channel, root_ts from slack_threads")).toEqual([
      { channel: "C0SALES", root_ts: null },
    ]);
    const handoffs = rows<{ payload: string }>("select payload from jobs where kind = 'handoff'");
    expect(handoffs).toHaveLength(1);
    expect(JSON.parse(handoffs[0]!.payload)).toMatchObject({ customerNotified: true });
    // The old thread gets its pointer, posted there explicitly; then the notice, in the new one.
    const pointer = rows<{ payload: string }>(
      "select payload from jobs where kind = 'slack.post' order by id limit 1",
    )[0]!;
    expect(JSON.parse(pointer.payload)).toMatchObject({
      at: { channel: "C0ESCALATE", threadTs: "1790000000.000100" },
      text: expect.stringContaining("Moved to <#C0SALES>"),
    });
    expect(posts()[1]).toContain("in <#C0SALES> → <@U0A>");
    expect(rows("select value from settings where key = 'agent.round_robin.sales'")).toEqual([
      { value: "U0A" },
    ]);
  });

  it("hands a bot conversation off into the team's channel; a failed group read uses members", async () => {
    groupAnswer = async () => {
      throw new Error("slack down");
    };
    const id = conversation();
    queue(id, { action: "assign_team", team: "Sales" });
    await runner.drain();
    expect(rows("select state, team, handoff_reason from conversations")).toEqual([
      { state: "escalated", team: "Sales", handoff_reason: "model_decision" },
    ]);
    expect(rows("select channel, root_ts from slack_threads")).toEqual([
      { channel: "C0SALES", root_ts: null },
    ]);
    // The handoff first, then the notice, on the thread's queue.
    expect(rows("select kind from jobs where kind <> 'agent.action' order by id")).toEqual([
      { kind: "handoff" },
      { kind: "slack.post" },
    ]);
    expect(posts()[0]).toContain("<@U0Z>");
  });

  it("counts open load by claimer, else by the person last picked", async () => {
    const a = conversation("6281000001");
    withThread(a);
    t.db.$client.prepare("update slack_threads set agent_user_id = 'U0A'").run();
    const b = conversation("6281000002");
    queue(b, { action: "assign_team", team: "Sales" });
    await runner.drain();
    expect([...openLoad(t.db).entries()].sort()).toEqual([["U0A", 2]]);
  });
});
