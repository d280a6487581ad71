import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setAiSwitch } from "../ai/kill-switch.ts";
import { businessDaysAgo } from "../core/business-day.ts";
import { fullScans, recordStatements } from "../store/query-plans.ts";
import { openTestDatabase, type TestDatabase, testEngine } from "../store/testing.ts";
import { homeInput } from "./stats.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// 17:00 in UTC+7: the business day started at 17:00 UTC the day before.
const NOW = Date.UTC(2026, 5, 1, 10);
const TZ = 7 * 60;
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
  windowEndsAt: number | null = null,
  reason: string | null = null,
): number {
  const contact = run(
    "INSERT INTO contacts (wa_id, profile_name) VALUES (?, ?)",
    `628${createdAt}${Math.random()}`,
    `Customer ${state}`,
  );
  return run(
    `INSERT INTO conversations (contact_id, state, handoff_at, handoff_reason, created_at, updated_at, window_ends_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    contact,
    state,
    handoffAt,
    reason ?? (handoffAt === null ? null : "complaint"),
    createdAt,
    updatedAt,
    windowEndsAt,
  );
}

function thread(
  conversationId: number,
  createdAt: number,
  firstReplyAfter: number | null,
  waitingSince: number | null = null,
  agent: string | null = "U0AYU",
  channel = "C0Q",
) {
  run(
    `INSERT INTO slack_threads (conversation_id, channel, root_ts, status, reason, agent_user_id,
       agent_name, customer_waiting_since, first_human_reply_at, created_at, updated_at)
     VALUES (?, ?, ?, 'waiting', 'complaint', ?, ?, ?, ?, ?, ?)`,
    conversationId,
    channel,
    `${conversationId}.000100`,
    agent,
    agent === null ? null : "Ayu",
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

const aiCall = (
  costUsd: number,
  createdAt: number,
  opts: { tier?: string; turn?: number | null; latencyMs?: number } = {},
) =>
  run(
    `INSERT INTO ai_calls (purpose, tier, model, outcome, cost_usd, created_at, turn_message_id, latency_ms)
     VALUES ('answer', ?, 'm', 'ok', ?, ?, ?, ?)`,
    opts.tier ?? "fast",
    costUsd,
    createdAt,
    opts.turn ?? null,
    opts.latencyMs ?? 1000,
  );

const reply = (
  conversationId: number,
  createdAt: number,
  tier: string | null,
  status = "read",
  code: number | null = null,
) =>
  run(
    `INSERT INTO messages (conversation_id, direction, author, kind, payload, status, error_code, ai_tier, created_at)
     VALUES (?, 'out', 'bot', 'text', '{}', ?, ?, ?, ?)`,
    conversationId,
    status,
    code,
    tier,
    createdAt,
  );

const opts = (over: Parameters<typeof homeInput>[2] = {}) => ({
  utcOffsetMinutes: TZ,
  slaMinutes: 15,
  viewerUserId: "U0AYU",
  ...over,
});

describe("homeInput", () => {
  it("says new install, zeros and an empty queue on an empty database", () => {
    const input = homeInput(t.db, NOW, opts());
    expect(input).toMatchObject({
      aiEnabled: true,
      newInstall: true,
      since: START_OF_DAY,
      slaMinutes: 15,
      state: { range: "today", filter: "all", page: 0 },
      figures: {
        conversations: 0,
        escalated: 0,
        escalationRate: null,
        medianFirstResponseMs: null,
        slaBreaches: 0,
        handoffReasons: [],
        messagesIn: 0,
        messagesOut: 0,
        ai: {
          calls: 0,
          turns: 0,
          costUsd: 0,
          costPerConversationUsd: null,
          latencyP50Ms: null,
          latencyP95Ms: null,
          replies: 0,
          cacheHitRate: null,
        },
        deliveryFailures: [],
        deadJobs: [],
      },
      queue: { items: [], total: 0, pages: 1, open: 0, channels: [] },
      agents: [],
    });
    expect(input.figures.escalationTrend).toEqual(Array(14).fill(null));
  });

  it("computes each figure over its range on seeded data with known answers", () => {
    // Today (business day from 17:00 UTC yesterday): 4 conversations, 1 escalated; yesterday
    // evening local time and 8 days ago do not count for today, the latter counts for 30 days.
    const a = conversation("closed", NOW - HOUR, NOW - HOUR + MINUTE);
    conversation("closed", START_OF_DAY);
    conversation("bot", NOW - 2 * HOUR);
    conversation("closed", NOW - 3 * HOUR, NOW - 3 * HOUR, undefined, null, "asked_for_human");
    conversation("closed", START_OF_DAY - 1);
    conversation("closed", NOW - 8 * DAY, NOW - 8 * DAY);
    // Threads: first replies after 1, 3, 2, 20 min today (median 2.5 min); the 20-minute one is an SLA
    // breach (15 min), so is the unanswered one whose deadline passed; one still within its SLA.
    thread(a, NOW - HOUR, MINUTE);
    thread(conversation("closed", NOW - 10 * DAY), NOW - 2 * HOUR, 3 * MINUTE, null, "U0BAYU");
    thread(conversation("closed", NOW - 10 * DAY), NOW - 3 * HOUR, 2 * MINUTE);
    thread(conversation("closed", NOW - 10 * DAY), NOW - 4 * HOUR, 20 * MINUTE);
    thread(conversation("closed", NOW - 10 * DAY), NOW - 5 * HOUR, null);
    thread(conversation("closed", NOW - 10 * DAY), NOW - 5 * MINUTE, null);
    thread(conversation("closed", NOW - 10 * DAY), START_OF_DAY - DAY, 99 * MINUTE);
    // Messages: in today, replies by tier, one failed send today and one a week ago.
    message(a, START_OF_DAY);
    message(a, NOW - MINUTE);
    message(a, START_OF_DAY - 1);
    reply(a, NOW - 30 * MINUTE, "fast");
    reply(a, NOW - 29 * MINUTE, "cache");
    reply(a, NOW - 28 * MINUTE, "cache");
    reply(a, NOW - 27 * MINUTE, "smart");
    reply(a, NOW - 26 * MINUTE, null, "failed", 131047);
    reply(a, NOW - 6 * DAY, null, "failed", 470);
    // Model calls: 0.5 + 0.25 today in 3 calls for 2 turns; 2 earlier this week; 8 before it.
    aiCall(0.5, START_OF_DAY + HOUR, { turn: 1, latencyMs: 900 });
    aiCall(0, START_OF_DAY + HOUR, { turn: 1, tier: "smart", latencyMs: 4000 });
    aiCall(0.25, NOW, { turn: 2, latencyMs: 1200 });
    aiCall(2, NOW - 6 * DAY);
    aiCall(8, NOW - 8 * DAY);
    run("INSERT INTO jobs (kind, state, max_attempts, run_at) VALUES ('wa.send', 'dead', 1, 0)");
    run("INSERT INTO jobs (kind, state, max_attempts, run_at) VALUES ('wa.send', 'dead', 1, 0)");
    run("INSERT INTO jobs (kind, state, max_attempts, run_at) VALUES ('slack.post', 'dead', 1, 0)");
    run("INSERT INTO jobs (kind, state, max_attempts, run_at) VALUES ('slack.post', 'done', 1, 0)");
    setAiSwitch(t.db, "off", NOW);

    const today = homeInput(t.db, NOW, opts());
    expect(today).toMatchObject({
      aiEnabled: false,
      newInstall: false,
      since: START_OF_DAY,
      figures: {
        conversations: 4,
        escalated: 2,
        escalationRate: 0.5,
        medianFirstResponseMs: 2.5 * MINUTE,
        slaBreaches: 2,
        handoffReasons: [
          { reason: "asked_for_human", n: 1 },
          { reason: "complaint", n: 1 },
        ],
        messagesIn: 2,
        messagesOut: 5,
        ai: {
          calls: 3,
          callsByTier: [
            { tier: "fast", n: 2 },
            { tier: "smart", n: 1 },
          ],
          turns: 2,
          costUsd: 0.75,
          costPerConversationUsd: 0.75 / 4,
          replies: 4,
          replyTiers: [
            { tier: "cache", n: 2 },
            { tier: "fast", n: 1 },
            { tier: "smart", n: 1 },
          ],
          cacheHitRate: 0.5,
        },
        deliveryFailures: [{ code: "131047", n: 1 }],
        deadJobs: [
          { kind: "slack.post", n: 1 },
          { kind: "wa.send", n: 2 },
        ].sort((x, y) => y.n - x.n || x.kind.localeCompare(y.kind)),
      },
    });
    // Latency p50 within the bin of the true median (1,200 ms: (1000, 1250]); p95 in (3000, 4000].
    expect(today.figures.ai.latencyP50Ms).toBeGreaterThan(1000);
    expect(today.figures.ai.latencyP50Ms).toBeLessThanOrEqual(1250);
    expect(today.figures.ai.latencyP95Ms).toBeGreaterThan(3000);
    expect(today.figures.ai.latencyP95Ms).toBeLessThanOrEqual(4000);
    // Per agent: Ayu replied to 3 handoffs today (1, 2, 20 min: median 2), Bayu to one.
    expect(today.agents).toEqual([
      {
        agentUserId: "U0AYU",
        agentName: null,
        open: 0,
        replied: 3,
        medianFirstReplyMs: 2 * MINUTE,
      },
      {
        agentUserId: "U0BAYU",
        agentName: null,
        open: 0,
        replied: 1,
        medianFirstReplyMs: 3 * MINUTE,
      },
    ]);
    // Today's escalation rate is the last point of the 14-day trend; yesterday's is 0/1.
    expect(today.figures.escalationTrend.at(-1)).toBe(0.5);
    expect(today.figures.escalationTrend.at(-2)).toBe(0);

    const week = homeInput(t.db, NOW, opts({ state: { range: "7d", filter: "all", page: 0 } }));
    expect(week.since).toBe(businessDaysAgo(NOW, TZ, 6));
    expect(week.figures).toMatchObject({
      conversations: 5,
      ai: { costUsd: 2.75, calls: 4 },
      deliveryFailures: [
        { code: "131047", n: 1 },
        { code: "470", n: 1 },
      ],
    });
    // The yesterday thread (99 min) is in the week's median: 1, 2, 3, 20, 99 → 3 min.
    expect(week.figures.medianFirstResponseMs).toBe(3 * MINUTE);
    const month = homeInput(t.db, NOW, opts({ state: { range: "30d", filter: "all", page: 0 } }));
    expect(month.figures).toMatchObject({ conversations: 12, ai: { costUsd: 10.75 } });
  });

  it("lists open handoffs in sections, filtered and paged, 10 per page", () => {
    const ids: Record<string, number[]> = { closing: [], waiting: [], in_progress: [], closed: [] };
    for (let i = 0; i < 25; i++) {
      const kind = (["closing", "waiting", "in_progress", "closed"] as const)[i % 4];
      const windowEnds =
        kind === "closing" ? NOW + HOUR : kind === "closed" ? NOW - i * MINUTE : NOW + 20 * HOUR;
      const id = conversation(
        kind === "in_progress" ? "agent" : "escalated",
        NOW - DAY,
        NOW - DAY,
        NOW,
        windowEnds,
      );
      thread(
        id,
        NOW - DAY,
        kind === "in_progress" ? MINUTE : null,
        NOW - (100 - i) * MINUTE,
        i % 2 ? "U0AYU" : null,
        i < 5 ? "C0OTHER" : "C0Q",
      );
      ids[kind as string]!.push(id);
    }
    conversation("closed", NOW - DAY, NOW - DAY);
    conversation("bot", NOW - DAY);
    const page = (state: { filter?: string; page?: number }) =>
      homeInput(
        t.db,
        NOW,
        opts({ state: { range: "today", filter: "all", page: 0, ...state } as never }),
      ).queue;
    const first = page({});
    expect(first).toMatchObject({
      total: 25,
      open: 25,
      pages: 3,
      counts: { closing: 7, waiting: 6, in_progress: 6, closed: 6 },
      channels: ["C0OTHER", "C0Q"],
    });
    expect(first.items).toHaveLength(10);
    const all = [0, 1, 2].flatMap((p) => page({ page: p }).items);
    expect(all.map((i) => i.conversationId).sort((x, y) => x - y)).toEqual(
      Object.values(ids)
        .flat()
        .sort((x, y) => x - y),
    );
    expect(all.map((i) => i.section)).toEqual([
      ...Array(7).fill("closing"),
      ...Array(6).fill("waiting"),
      ...Array(6).fill("in_progress"),
      ...Array(6).fill("closed"),
    ]);
    expect(first.items[0]).toMatchObject({
      conversationId: ids.closing![0],
      state: "escalated",
      agentUserId: null,
      reason: "complaint",
      windowEndsAt: NOW + HOUR,
      thread: { channel: "C0OTHER", ts: `${ids.closing![0]}.000100` },
    });
    // A page past the end shows the last one, and says so in the state.
    const late = homeInput(t.db, NOW, opts({ state: { range: "today", filter: "all", page: 9 } }));
    expect(late.state.page).toBe(2);
    expect(late.queue.items).toHaveLength(5);
    expect(page({ filter: "mine" }).total).toBe(12);
    expect(page({ filter: "unassigned" }).total).toBe(13);
    expect(page({ filter: "channel:C0OTHER" }).total).toBe(5);
    // Agent load counts the open conversations each agent owns.
    expect(homeInput(t.db, NOW, opts()).agents[0]).toMatchObject({
      agentUserId: "U0AYU",
      open: 12,
    });
  });

  // 9,000 single-row inserts (longer timeout): on PostgreSQL each is a round trip to the server.
  it("stays exact on a larger history: 30 days of roll-ups equal a raw recount", () => {
    const insertConv = t.db.$client.prepare(
      `INSERT INTO conversations (contact_id, state, handoff_at, handoff_reason, created_at, updated_at)
       VALUES (?, 'closed', ?, ?, ?, ?)`,
    );
    const insertContact = t.db.$client.prepare("INSERT INTO contacts (wa_id) VALUES (?)");
    t.db.$client.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        const at = NOW - ((i * 7919) % (40 * DAY));
        const contact = insertContact.run(`62${i}`).lastInsertRowid;
        const escalated = i % 5 === 0;
        insertConv.run(
          contact,
          escalated ? at + MINUTE : null,
          escalated ? ["a", "b", "c"][i % 3] : null,
          at,
          at,
        );
        aiCall(0.25, at, { turn: i, latencyMs: (i % 50) * 100 });
      }
    })();
    for (const range of ["today", "7d", "30d"] as const) {
      const input = homeInput(t.db, NOW, opts({ state: { range, filter: "all", page: 0 } }));
      const since = input.since;
      const raw = t.db.$client
        .prepare(
          `SELECT count(*) AS n, count(handoff_at) AS escalated FROM conversations WHERE created_at >= ? AND created_at <= ?`,
        )
        .get(since, NOW) as { n: number; escalated: number };
      const cost = t.db.$client
        .prepare(
          "SELECT count(*) AS calls, total(cost_usd) AS usd FROM ai_calls WHERE created_at >= ?",
        )
        .get(since) as { calls: number; usd: number };
      expect(input.figures.conversations).toBe(raw.n);
      expect(input.figures.escalated).toBe(raw.escalated);
      expect(input.figures.ai.calls).toBe(cost.calls);
      expect(input.figures.ai.turns).toBe(cost.calls);
      expect(input.figures.ai.costUsd).toBeCloseTo(cost.usd, 6);
    }
  }, 120_000);

  it("reports the range's CSAT overall and per agent, ratings before the range left out", () => {
    const rate = (agent: string | null, rating: number | null, ratedAt: number | null) => {
      const conv = conversation("closed", ratedAt ?? NOW - HOUR);
      run(
        `INSERT INTO csat_surveys (conversation_id, agent_user_id, agent_name, asked_at, rating, rated_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        conv,
        agent,
        agent === null ? null : `name ${agent}`,
        (ratedAt ?? NOW) - MINUTE,
        rating,
        ratedAt,
      );
    };
    rate("U0AYU", 3, START_OF_DAY + HOUR);
    rate("U0AYU", 1, START_OF_DAY + 2 * HOUR);
    rate("U0BUDI", 3, NOW - MINUTE);
    rate("U0BUDI", null, null); // asked, never answered
    rate("U0BUDI", 1, START_OF_DAY - MINUTE); // yesterday: not today
    const today = homeInput(t.db, NOW, opts()).csat!;
    expect(today.rated).toBe(3);
    expect(today.satisfied).toBeCloseTo(2 / 3, 10);
    expect(today.average).toBeCloseTo(7 / 3, 10);
    expect(today.perAgent).toEqual([
      { agentUserId: "U0AYU", agentName: "name U0AYU", rated: 2, satisfied: 0.5 },
      { agentUserId: "U0BUDI", agentName: "name U0BUDI", rated: 1, satisfied: 1 },
    ]);
    const week = homeInput(t.db, NOW, opts({ state: { range: "7d", filter: "all", page: 0 } }));
    expect(week.csat!.rated).toBe(4);
  });

  // EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its own statistics.
  it.skipIf(testEngine() === "postgres")(
    "reads index ranges only, never a whole table of the history",
    () => {
      conversation("escalated", NOW - HOUR, NOW - HOUR, NOW, NOW + HOUR);
      const recorder = recordStatements(t.db);
      try {
        homeInput(t.db, NOW, opts({ state: { range: "30d", filter: "mine", page: 0 } }));
      } finally {
        recorder.detach();
      }
      const sqls = recorder.statements.filter((s) => /\b(SELECT|select)\b/.test(s));
      expect(sqls.length).toBeGreaterThanOrEqual(6);
      // Scanning a subquery's own result (the roll-up's rows of the range) is not a table scan.
      for (const sql of sqls)
        expect(fullScans(t.db, sql, [/^SCAN \(subquery-\d+\)$/]), sql).toEqual([]);
    },
  );
});

describe("homeInput: lifecycle stages and teams (agent actions)", () => {
  it("counts the open queue per stage and per team, from the same rows", () => {
    const stage = (id: number, s: string | null) =>
      run(
        "UPDATE contacts SET lifecycle_stage = ? WHERE id = (SELECT contact_id FROM conversations WHERE id = ?)",
        s,
        id,
      );
    const team = (id: number, name: string | null) =>
      run("UPDATE conversations SET team = ? WHERE id = ?", name, id);
    const a = conversation("escalated", NOW - DAY, NOW - DAY);
    const b = conversation("agent", NOW - DAY, NOW - DAY);
    const c = conversation("escalated", NOW - DAY, NOW - DAY);
    const closed = conversation("closed", NOW - DAY, NOW - DAY);
    stage(a, "Hot Lead");
    stage(b, "Hot Lead");
    stage(c, "New Lead");
    stage(closed, "Customer");
    team(a, "Sales");
    team(closed, "Support");
    const q = homeInput(t.db, NOW, opts()).queue;
    expect(q.byStage).toEqual([
      { name: "Hot Lead", n: 2 },
      { name: "New Lead", n: 1 },
    ]);
    expect(q.byTeam).toEqual([{ name: "Sales", n: 1 }]);
  });

  it("is empty when nothing open has a stage or a team", () => {
    conversation("escalated", NOW - DAY, NOW - DAY);
    const q = homeInput(t.db, NOW, opts()).queue;
    expect(q.byStage).toEqual([]);
    expect(q.byTeam).toEqual([]);
  });
});
