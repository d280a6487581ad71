import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setAiSwitch } from "../ai/kill-switch.ts";
import { fullScans, recordStatements } from "../store/query-plans.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { homeInput } from "./stats.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// 17:00 in UTC+7: the business day started at 17:00 UTC the day before.
const NOW = Date.UTC(2026, 5, 1, 10);
const TZ = 7 * HOUR;
const START_OF_DAY = Date.UTC(2026, 4, 31, 17);

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const run = (sql: string, ...params: unknown[]) =>
  Number(t.db.$client.prepare(sql).run(...params).lastInsertRowid);

function conversation(
  state: string,
  createdAt: number,
  handoffAt: number | null = null,
  updatedAt = createdAt,
): number {
  const contact = run(
    "INSERT INTO contacts (wa_id, profile_name) VALUES (?, ?)",
    `628${createdAt}${Math.random()}`,
    `Customer ${state}`,
  );
  return run(
    `INSERT INTO conversations (contact_id, state, handoff_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?)`,
    contact,
    state,
    handoffAt,
    createdAt,
    updatedAt,
  );
}

function thread(
  conversationId: number,
  createdAt: number,
  firstReplyAfter: number | null,
  waitingSince: number | null = null,
) {
  run(
    `INSERT INTO slack_threads (conversation_id, channel, root_ts, status, reason, agent_name,
       customer_waiting_since, first_human_reply_at, created_at, updated_at)
     VALUES (?, 'C0Q', ?, 'waiting', 'complaint', 'Ayu', ?, ?, ?, ?)`,
    conversationId,
    `${conversationId}.000100`,
    waitingSince,
    firstReplyAfter === null ? null : createdAt + firstReplyAfter,
    createdAt,
    createdAt,
  );
}

const message = (conversationId: number, createdAt: number) =>
  run(
    `INSERT INTO messages (conversation_id, direction, kind, payload, status, created_at)
     VALUES (?, 'in', 'text', '{}', 'handled', ?)`,
    conversationId,
    createdAt,
  );

const aiCall = (costUsd: number, createdAt: number) =>
  run(
    `INSERT INTO ai_calls (purpose, tier, model, outcome, cost_usd, created_at)
     VALUES ('answer', 'fast', 'm', 'ok', ?, ?)`,
    costUsd,
    createdAt,
  );

describe("homeInput", () => {
  it("shows zeros and an empty queue on an empty database", () => {
    expect(homeInput(t.db, NOW, TZ)).toEqual({
      aiEnabled: true,
      escalationRate: null,
      escalationPeriod: "last 7 days",
      medianFirstResponseMs: null,
      costTodayUsd: 0,
      costWeekUsd: 0,
      messagesToday: 0,
      queue: [],
      queueTotal: 0,
      now: NOW,
    });
  });

  it("computes each figure over its window on seeded data with known answers", () => {
    // Last 7 days: 4 conversations, 1 escalated (rate 0.25); older ones do not count.
    const a = conversation("closed", NOW - DAY, NOW - DAY + MINUTE);
    conversation("closed", NOW - 2 * DAY);
    conversation("closed", NOW - 3 * DAY);
    conversation("bot", NOW - HOUR);
    const older = conversation("closed", NOW - 8 * DAY, NOW - 8 * DAY);
    // First human replies after 1, 3 and 2 minutes this week (median 2); older and unanswered
    // threads do not count.
    thread(a, NOW - DAY, MINUTE);
    thread(conversation("closed", NOW - 10 * DAY), NOW - 2 * DAY, 3 * MINUTE);
    thread(conversation("closed", NOW - 10 * DAY), NOW - 3 * DAY, 2 * MINUTE);
    thread(older, NOW - 8 * DAY, 60 * MINUTE);
    thread(conversation("closed", NOW - 10 * DAY), NOW - 2 * HOUR, null);
    // Messages: two today (business day), one yesterday evening local time.
    message(a, START_OF_DAY);
    message(a, NOW - MINUTE);
    message(a, START_OF_DAY - 1);
    // Cost: 0.5 + 0.25 today, 2 earlier this week, 8 before it (binary fractions: exact sums).
    aiCall(0.5, START_OF_DAY + HOUR);
    aiCall(0.25, NOW);
    aiCall(2, NOW - 6 * DAY);
    aiCall(8, NOW - 8 * DAY);
    setAiSwitch(t.db, "off", NOW);

    const input = homeInput(t.db, NOW, TZ);
    expect(input).toMatchObject({
      aiEnabled: false,
      escalationRate: 0.25,
      medianFirstResponseMs: 2 * MINUTE,
      costTodayUsd: 0.75,
      costWeekUsd: 2.75,
      messagesToday: 2,
      queue: [],
      queueTotal: 0,
    });
  });

  it("lists open handoffs, longest waiting first, 20 at most, with the total", () => {
    const waiting: number[] = [];
    for (let i = 0; i < 23; i++) {
      const id = conversation(
        i % 2 ? "agent" : "escalated",
        NOW - DAY,
        NOW - DAY,
        NOW - i * MINUTE,
      );
      thread(id, NOW - DAY, null, i % 3 === 0 ? NOW - (100 - i) * MINUTE : null);
      waiting.push(id);
    }
    conversation("closed", NOW - DAY, NOW - DAY);
    conversation("bot", NOW - DAY);
    const input = homeInput(t.db, NOW, TZ);
    expect(input.queueTotal).toBe(23);
    expect(input.queue).toHaveLength(20);
    // Ordered by coalesce(customer waiting since, updated): the waiting customers come first.
    const keys = input.queue.map(
      (q) => q.waitingSince ?? NOW - waiting.indexOf(q.conversationId) * MINUTE,
    );
    expect(keys).toEqual([...keys].sort((x, y) => x - y));
    expect(input.queue[0]).toMatchObject({
      conversationId: waiting[0],
      state: "escalated",
      agentName: "Ayu",
      waitingSince: NOW - 100 * MINUTE,
      thread: { channel: "C0Q", ts: `${waiting[0]}.000100` },
    });
  });

  it("reads index ranges only, never a whole table of the history", () => {
    const recorder = recordStatements(t.db);
    try {
      homeInput(t.db, NOW, TZ);
    } finally {
      recorder.detach();
    }
    const sqls = recorder.statements.filter((s) => /\b(SELECT|select)\b/.test(s));
    expect(sqls.length).toBeGreaterThanOrEqual(6);
    for (const sql of sqls) expect(fullScans(t.db, sql), sql).toEqual([]);
  });
});
