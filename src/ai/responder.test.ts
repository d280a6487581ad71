import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId, MessageId, WaId } from "../core/ids.ts";
import { createLogger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { openDatabase } from "../store/db.ts";
import { upsertContact } from "../store/repositories/contacts.ts";
import { findOrOpenConversation, getConversation } from "../store/repositories/conversations.ts";
import { getMessage, markHandled } from "../store/repositories/messages.ts";
import { createSettingsReader, writeSetting } from "../store/runtime-settings.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import type { TurnEffects } from "../turns/types.ts";
import { type DecisionResult, type ModelPort, ModelUnavailableError } from "./anthropic-client.ts";
import { storedBreakerState } from "./breaker-store.ts";
import { recordCall } from "./call-log.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import { NO_USAGE } from "./cost.ts";
import { setAiSwitch } from "./kill-switch.ts";
import type { KnowledgeBase } from "./knowledge-base.ts";
import { loadBusinessPrompt } from "./prompt-file.ts";
import { createResponder } from "./responder.ts";

// Two handles on one database stand in for two instances of the service behind one load
// balancer: whatever decides a turn must be read from the store, so that a change made through
// instance A (a customer's messages, a model call, a manager's switch or setting, a cached
// answer, a failing model) holds on instance B at its very next turn.

const business = loadBusinessPrompt(
  fileURLToPath(new URL("../../prompts/business.example.md", import.meta.url)),
);
const kb: KnowledgeBase = {
  version: "kb1",
  size: 0,
  refresh: () => false,
  search: () => [],
  strongMatch: () => null,
  fullText: () => null,
  close() {},
};
const FAST = "claude-haiku-5-5";
const SMART = "claude-sonnet-5-5";

let t: TestDatabase;
let a: Db;
let b: Db;
let clock: number;
beforeEach(() => {
  t = openTestDatabase();
  a = t.db;
  b = openDatabase(t.path);
  clock = Date.UTC(2026, 0, 5, 3, 0, 0);
});
afterEach(() => {
  if (b.$client.open) b.$client.close();
  t.cleanup();
});

const answer = (reply: string): DecisionResult => ({
  outcome: "ok",
  decision: {
    reply,
    handoff: false,
    reason: "answered_from_knowledge",
    confidence: 0.95,
    language: "id",
    needsSmart: false,
  },
  usage: { ...NO_USAGE, inputTokens: 100, outputTokens: 10 },
  latencyMs: 1,
});

/** A model answering `reply` (or failing, with `null`), remembering the model ids it was asked. */
function model(reply: string | null): ModelPort & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    async decide(req) {
      seen.push(req.model);
      if (reply === null) throw new ModelUnavailableError("overloaded", 529, 1);
      return answer(reply);
    },
    async text() {
      throw new Error("not used");
    },
  };
}

interface Limits {
  rateLimitPerMinute?: number;
  dailyTokenBudget?: number;
}

/** The responder of the instance using `db`, wired as service.ts wires it. */
function responderOn(db: Db, m: ModelPort | null, limits: Limits = {}) {
  const breaker = (tier: string) =>
    new CircuitBreaker({
      failures: 1,
      cooldownMs: 60_000,
      now: () => clock,
      store: storedBreakerState(db, tier, () => clock),
    });
  const settings = {
    models: { fast: FAST, smart: SMART },
    confidenceThreshold: 0.6,
    memoryTurns: 6,
    answerCacheTtlMs: 3_600_000,
    rateLimitPerMinute: limits.rateLimitPerMinute ?? 30,
    dailyTokenBudget: limits.dailyTokenBudget ?? 0,
  };
  const runtime = createSettingsReader(
    db,
    {
      confidenceThreshold: 0.6,
      models: { fast: FAST, smart: SMART },
      businessHoursText: null,
      slaMinutes: 15,
    },
    { modelChoices: [FAST, SMART], utcOffsetMinutes: 0 },
  );
  return createResponder({
    db,
    graph: null,
    model: m,
    business,
    kb,
    breakers: { fast: breaker("fast"), smart: breaker("smart") },
    settings,
    logger: createLogger("silent"),
    runtime: runtime.values,
    now: () => clock,
  });
}

let phone = 0;
/** A new customer writes `text` (through whichever instance took the webhook). */
function customerWrites(db: Db, text: string, waId = `62811${++phone}`) {
  const contact = upsertContact(
    db,
    { waId: waId as WaId, userId: null, profileName: null },
    clock,
  )!;
  const conversation = findOrOpenConversation(db, contact.id, clock);
  const id = db.$client
    .prepare(
      `INSERT INTO messages (conversation_id, direction, wa_message_id, kind, text, payload, status, created_at, updated_at)
       VALUES (?, 'in', ?, 'text', ?, ?, 'received', ?, ?) RETURNING id`,
    )
    .get(
      conversation.id,
      `wamid.${waId}.${clock}.${Math.random()}`,
      text,
      JSON.stringify({ content: { kind: "text", body: text } }),
      clock,
      clock,
    ) as { id: MessageId };
  return { conversationId: conversation.id as ConversationId, messageId: id.id, waId };
}

/** Runs the turn of that message on the instance using `db` and commits it there. */
async function turnOn(
  db: Db,
  responder: ReturnType<typeof createResponder>,
  c: { conversationId: ConversationId; messageId: MessageId },
): Promise<TurnEffects | undefined> {
  const turn = {
    conversation: getConversation(db, c.conversationId)!,
    messages: [getMessage(db, c.messageId)!],
  };
  const commit = await responder.process(turn, new AbortController().signal);
  return commit ? (inTransaction(db, commit) ?? undefined) : undefined;
}

describe("the responder with several instances on one database", () => {
  it("the kill switch set through A stops B at its next turn, and switching on again resumes it", async () => {
    const m = model("Toko buka jam 9 sampai 21, Kak.");
    const onB = responderOn(b, m);
    setAiSwitch(a, "off", clock);
    const first = customerWrites(a, "Toko buka jam berapa?");
    expect(await turnOn(b, onB, first)).toEqual({ handoff: { reason: "ai_off" } });
    expect(m.seen).toEqual([]);

    setAiSwitch(a, "on", clock);
    const second = customerWrites(a, "Ada garansi untuk kipas angin?");
    expect(await turnOn(b, onB, second)).toEqual({ aiReply: { tier: "fast" } });
  });

  it("a customer's messages taken by A count towards the rate limit on B", async () => {
    const onB = responderOn(b, model("Baik Kak."), { rateLimitPerMinute: 2 });
    const c = customerWrites(a, "halo", "628100");
    customerWrites(a, "halo?", "628100");
    const third = customerWrites(a, "halooo", "628100");
    expect(third.conversationId).toBe(c.conversationId);
    expect(await turnOn(b, onB, third)).toEqual({ handoff: { reason: "rate_limited" } });
    // Another customer is not limited by them.
    const other = customerWrites(a, "Ada garansi untuk kipas angin?");
    expect(await turnOn(b, onB, other)).toEqual({ aiReply: { tier: "fast" } });
  });

  it("model calls made by A count towards the daily token budget on B", async () => {
    const onB = responderOn(b, model("Baik Kak."), { dailyTokenBudget: 1_000 });
    recordCall(
      a,
      null,
      null,
      {
        purpose: "answer",
        tier: "fast",
        model: FAST,
        outcome: "ok",
        usage: { ...NO_USAGE, inputTokens: 900, outputTokens: 100 },
        costUsd: 0,
        latencyMs: 1,
        error: null,
      },
      clock,
    );
    const c = customerWrites(a, "Ada garansi untuk kipas angin?");
    expect(await turnOn(b, onB, c)).toEqual({ handoff: { reason: "token_budget" } });
  });

  it("an answer cached by A is reused by B without a model call", async () => {
    const onA = responderOn(a, model("Ada, Kak: semua toko punya parkir motor dan mobil."));
    const silent = model(null);
    const onB = responderOn(b, silent);
    expect(await turnOn(a, onA, customerWrites(a, "Di toko ada parkir motor?"))).toEqual({
      aiReply: { tier: "fast" },
    });
    expect(await turnOn(b, onB, customerWrites(b, "di toko ada parkir motor kak?"))).toEqual({
      aiReply: { tier: "cache" },
    });
    expect(silent.seen).toEqual([]);
  });

  it("a model setting changed through A is the one B uses at its next turn", async () => {
    const m = model("Baik Kak.");
    const onB = responderOn(b, m);
    await turnOn(b, onB, customerWrites(a, "Ada garansi untuk kipas angin?"));
    writeSetting(a, "model.fast", SMART, clock);
    await turnOn(b, onB, customerWrites(a, "Ada garansi untuk blender?"));
    expect(m.seen).toEqual([FAST, SMART]);
  });

  it("a model failing on A's turns is skipped by B during the cool-down, and tried again after it", async () => {
    const failing = model(null);
    const onA = responderOn(a, failing);
    const later = model("Baik Kak.");
    const onB = responderOn(b, later);
    expect(await turnOn(a, onA, customerWrites(a, "Ada garansi untuk kipas angin?"))).toEqual({
      handoff: { reason: "model_unavailable" },
    });
    expect(failing.seen).toEqual([FAST, SMART]); // both tiers failed once: both circuits open
    expect(await turnOn(b, onB, customerWrites(b, "Ada garansi untuk blender?"))).toEqual({
      handoff: { reason: "model_unavailable" },
    });
    expect(later.seen).toEqual([]);
    clock += 60_000;
    expect(await turnOn(b, onB, customerWrites(b, "Ada garansi untuk setrika?"))).toEqual({
      aiReply: { tier: "fast" },
    });
    expect(later.seen).toEqual([FAST]);
  });

  it("a message another instance took while this turn ran is left to the next turn, not answered twice", async () => {
    const asked: string[] = [];
    const m: ModelPort = {
      async decide(req) {
        asked.push(JSON.stringify(req));
        return answer(asked.length === 1 ? "Jam 9 sampai 21, Kak." : "Ada, Kak.");
      },
      async text() {
        throw new Error("not used");
      },
    };
    const onB = responderOn(b, m);
    const first = customerWrites(a, "Toko buka jam berapa?", "628777");
    // B's turn read the customer's messages: just the first.
    const turn = {
      conversation: getConversation(b, first.conversationId)!,
      messages: [getMessage(b, first.messageId)!],
    };
    // Meanwhile the customer writes again, and A takes that webhook.
    const second = customerWrites(a, "Ada parkir motor?", "628777");
    expect(second.conversationId).toBe(first.conversationId);
    const commit = await onB.process(turn, new AbortController().signal);
    // Committed as the turn job commits it: with the turn's messages marked handled.
    inTransaction(b, () => {
      commit!();
      markHandled(b, [first.messageId], clock);
    });
    expect(asked[0]).toContain("Toko buka jam berapa?");
    expect(asked[0]).not.toContain("Ada parkir motor?");

    // The next turn answers the second message, with the first exchange as its history.
    expect(await turnOn(a, responderOn(a, m), second)).toEqual({ aiReply: { tier: "fast" } });
    expect(asked[1]).toContain("Ada parkir motor?");
    expect(asked[1]).toContain("Jam 9 sampai 21, Kak.");
  });
});
