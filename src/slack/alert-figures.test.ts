import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OPTED_OUT_REASON } from "../core/opt-out.ts";
import { openTestDatabase, type TestDatabase, testEngine } from "../store/testing.ts";
import { FIGURE_SQL, measureAlertFigures } from "./alert-figures.ts";
import { seedAiCall, seedConversation, seedMessage } from "./alert-testing.ts";

// The measuring queries on a real SQLite file with the real migrations, rows at known times.

const MIN = 60_000;
const NOW = 1_800_000_000_000;
const windows = { windowMs: 15 * MIN, escalationWindowMs: 60 * MIN, sendLookbackMs: 15 * MIN };

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

describe("measureAlertFigures", () => {
  it("sends: outcomes recorded in the window, failures among them, opt-outs in neither", () => {
    const conv = seedConversation(t.db);
    const out = (
      status: string,
      createdAt: number,
      statusAt?: number | null,
      errorDetail?: string,
    ) =>
      seedMessage(t.db, {
        conversationId: conv,
        direction: "out",
        status,
        createdAt,
        ...(statusAt === undefined ? {} : { statusAt }),
        ...(errorDetail === undefined ? {} : { errorDetail }),
      });
    out("delivered", NOW - 5 * MIN);
    out("accepted", NOW - 1 * MIN);
    out("failed", NOW - 2 * MIN, NOW - 2 * MIN, "131026 undeliverable");
    // Queued 25 minutes ago, given up (dead job) 3 minutes ago: it finished in the window.
    out("failed", NOW - 25 * MIN, NOW - 3 * MIN, "not sent: gave up");
    // Still in flight: not finished.
    out("queued", NOW - 1 * MIN, null);
    out("sending", NOW - 1 * MIN);
    // Finished before the window.
    out("failed", NOW - 20 * MIN, NOW - 16 * MIN);
    out("read", NOW - 20 * MIN, NOW - 18 * MIN);
    // Created before the lookback: not read at all, even with a status in the window.
    out("failed", NOW - 31 * MIN, NOW - 1 * MIN);
    // Our own refusal of an opted-out customer.
    out("failed", NOW - 1 * MIN, NOW - 1 * MIN, OPTED_OUT_REASON);
    // Inbound messages and events are not sends.
    seedMessage(t.db, { conversationId: conv, direction: "in", status: "handled", createdAt: NOW });
    seedMessage(t.db, {
      conversationId: conv,
      direction: "event",
      status: "event",
      createdAt: NOW,
    });

    expect(measureAlertFigures(t.db, NOW, windows).sends).toEqual({ finished: 4, failed: 2 });
  });

  it("model calls: all of the window, failed = not ok; latencies of the answer calls only", () => {
    seedAiCall(t.db, { createdAt: NOW - 1 * MIN, latencyMs: 1200 });
    seedAiCall(t.db, { createdAt: NOW - 2 * MIN, outcome: "error", latencyMs: 20_000 });
    seedAiCall(t.db, { createdAt: NOW - 3 * MIN, outcome: "malformed", latencyMs: 3000 });
    seedAiCall(t.db, { createdAt: NOW - 4 * MIN, purpose: "summary", latencyMs: 9000 });
    seedAiCall(t.db, { createdAt: NOW - 16 * MIN, outcome: "error", latencyMs: 50_000 });
    const f = measureAlertFigures(t.db, NOW, windows);
    expect(f.modelCalls).toEqual({ total: 4, failed: 2 });
    expect([...f.answerLatenciesMs].sort((a, b) => a - b)).toEqual([1200, 3000, 20_000]);
  });

  it("escalations: conversations a customer wrote in within the hour, handed off within it", () => {
    const wrote = (conversationId: number, createdAt: number, status = "handled") =>
      seedMessage(t.db, { conversationId, direction: "in", status, createdAt });
    // The AI answered: faced, not escalated (two messages count once).
    const a = seedConversation(t.db);
    wrote(a, NOW - 10 * MIN);
    wrote(a, NOW - 5 * MIN);
    // Handed off within the hour: escalated.
    const b = seedConversation(t.db, { state: "escalated", handoffAt: NOW - 20 * MIN });
    wrote(b, NOW - 21 * MIN);
    // Handed back to the AI after an older handoff: faced again, not escalated in this hour.
    const c = seedConversation(t.db, { state: "bot", handoffAt: NOW - 3 * 60 * MIN });
    wrote(c, NOW - 30 * MIN);
    // A person has had it since before the hour: the AI did not face it.
    const d = seedConversation(t.db, { state: "agent", handoffAt: NOW - 2 * 60 * MIN });
    wrote(d, NOW - 15 * MIN);
    // Wrote only before the hour; a group message; an event: none count.
    wrote(seedConversation(t.db), NOW - 61 * MIN);
    wrote(seedConversation(t.db), NOW - 1 * MIN, "group");
    seedMessage(t.db, {
      conversationId: seedConversation(t.db),
      direction: "event",
      status: "event",
      createdAt: NOW,
    });
    expect(measureAlertFigures(t.db, NOW, windows).escalations).toEqual({
      conversations: 3,
      escalated: 1,
    });
  });

  it("reads nothing for a figure that is off", () => {
    seedAiCall(t.db, { createdAt: NOW - 1 * MIN, outcome: "error" });
    const f = measureAlertFigures(t.db, NOW, windows, {
      sends: false,
      modelCalls: false,
      answerLatencies: false,
      escalations: false,
    });
    expect(f).toEqual({
      sends: { finished: 0, failed: 0 },
      modelCalls: { total: 0, failed: 0 },
      answerLatenciesMs: [],
      escalations: { conversations: 0, escalated: 0 },
    });
  });

  // EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its own statistics.
  it.skipIf(testEngine() === "postgres")(
    "every query is an index range bounded by time, never a scan of the history",
    () => {
      // The plans SQLite picks for the queries, on the real schema.
      const plan = (sql: string, params: unknown) =>
        (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
          .map((r) => r.detail)
          .join(" | ");
      expect(plan(FIGURE_SQL.sends, [0, 0, "x"])).toMatch(
        /SEARCH messages USING INDEX messages_created_idx \(created_at>\?\)/,
      );
      expect(plan(FIGURE_SQL.modelCalls, [0])).toMatch(
        /SEARCH ai_calls USING INDEX ai_calls_created_cost_idx \(created_at>\?\)/,
      );
      // The messages' time range first, then each distinct conversation by its primary key.
      expect(plan(FIGURE_SQL.escalations, { hour: 0 })).toMatch(
        /SEARCH messages USING INDEX messages_created_idx \(created_at>\?\).*SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)/,
      );
    },
  );
});
