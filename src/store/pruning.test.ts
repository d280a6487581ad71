import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enqueueJob } from "../jobs/repository.ts";
import { pruneNow, pruningSteps, startPruningTimer } from "./pruning.ts";
import { jobDue, pruningCutoffs, statusEventDue } from "./pruning-rule.ts";
import { openTestDatabase, type TestDatabase } from "./testing.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 5, 1);
const SETTINGS = { jobDoneHours: 72, statusEventDays: 30, unknownOutcomeWaitMs: 45_000 };

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const run = (sql: string, ...params: unknown[]) => t.db.$client.prepare(sql).run(...params);
const all = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) =>
  t.db.$client.prepare(sql).all(...params) as T[];

function job(
  state: "done" | "dead" | "pending" | "running",
  finishedAt: number | null,
  dedupeKey: string | null = null,
): number {
  const at = finishedAt ?? NOW - 200 * DAY;
  return Number(
    run(
      `INSERT INTO jobs (kind, payload, dedupe_key, state, max_attempts, run_at, created_at, updated_at, finished_at)
       VALUES ('send', 'null', ?, ?, 10, ?, ?, ?, ?)`,
      dedupeKey,
      state,
      at - 1_000,
      at - 2_000,
      at,
      finishedAt,
    ).lastInsertRowid,
  );
}

function message(status: string): number {
  const contact = Number(
    run("INSERT INTO contacts (wa_id) VALUES (?)", `62811${Math.random()}`).lastInsertRowid,
  );
  const conversation = Number(
    run("INSERT INTO conversations (contact_id, state) VALUES (?, 'closed')", contact)
      .lastInsertRowid,
  );
  return Number(
    run(
      `INSERT INTO messages (conversation_id, direction, author, kind, payload, status)
       VALUES (?, 'out', 'bot', 'text', '{}', ?)`,
      conversation,
      status,
    ).lastInsertRowid,
  );
}

function statusEvent(createdAt: number, callbackData: string | null = null): number {
  return Number(
    run(
      `INSERT INTO status_events (wa_message_id, status, at, callback_data, payload, created_at)
       VALUES (?, 'delivered', ?, ?, '{}', ?)`,
      `wamid.${Math.random()}`,
      createdAt,
      callbackData,
      createdAt,
    ).lastInsertRowid,
  );
}

const ids = (table: string) =>
  all<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`).map((r) => r.id);

describe("pruning finished jobs", () => {
  it("deletes done jobs past the retention and keeps the rest", () => {
    const old = job("done", NOW - 73 * HOUR);
    const young = job("done", NOW - 71 * HOUR);
    const dead = job("dead", null);
    const pending = job("pending", null);
    const running = job("running", null);
    expect(pruneNow(t.db, SETTINGS, NOW)).toEqual({ jobs: 1, statusEvents: 0 });
    expect(ids("jobs")).toEqual([young, dead, pending, running]);
    expect(ids("jobs")).not.toContain(old);
  });

  it("keeps dedupe working within the retention: a kept key still refuses a second enqueue", () => {
    const kept = enqueueJob(
      t.db,
      { kind: "send", payload: null, dedupeKey: "send:7" },
      NOW - 2 * DAY,
    );
    run("UPDATE jobs SET state = 'done', finished_at = ? WHERE id = ?", NOW - 2 * DAY, kept);
    const gone = enqueueJob(
      t.db,
      { kind: "send", payload: null, dedupeKey: "send:8" },
      NOW - 4 * DAY,
    );
    run("UPDATE jobs SET state = 'done', finished_at = ? WHERE id = ?", NOW - 4 * DAY, gone);
    pruneNow(t.db, SETTINGS, NOW);
    expect(enqueueJob(t.db, { kind: "send", payload: null, dedupeKey: "send:7" }, NOW)).toBeNull();
    expect(ids("jobs")).toEqual([kept]);
  });

  it("never deletes a dedupe key younger than a day, whatever the setting", () => {
    job("done", NOW - 23 * HOUR, "relay:C1:1.2");
    expect(pruneNow(t.db, { ...SETTINGS, jobDoneHours: 0 }, NOW).jobs).toBe(0);
  });
});

describe("pruning status events", () => {
  it("deletes old events, keeps young ones and the proof of an undecided send", () => {
    const sending = message("sending");
    const queued = message("queued");
    const sent = message("read");
    const old = statusEvent(NOW - 31 * DAY);
    const proofSending = statusEvent(NOW - 40 * DAY, `msg:${sending}`);
    const proofQueued = statusEvent(NOW - 40 * DAY, `msg:${queued}`);
    const decided = statusEvent(NOW - 40 * DAY, `msg:${sent}`);
    const foreign = statusEvent(NOW - 40 * DAY, "campaign-7");
    const young = statusEvent(NOW - 29 * DAY);
    expect(pruneNow(t.db, SETTINGS, NOW)).toEqual({ jobs: 0, statusEvents: 3 });
    expect(ids("status_events")).toEqual([proofSending, proofQueued, young]);
    for (const id of [old, decided, foreign]) expect(ids("status_events")).not.toContain(id);
  });

  it("does nothing on an empty database", () => {
    expect(pruneNow(t.db, SETTINGS, NOW)).toEqual({ jobs: 0, statusEvents: 0 });
  });
});

describe("batches", () => {
  it("deletes in batches of the given size, one step each, until nothing is due", () => {
    for (let i = 0; i < 7; i++) job("done", NOW - 10 * DAY);
    for (let i = 0; i < 5; i++) statusEvent(NOW - 60 * DAY);
    const young = statusEvent(NOW - DAY);
    const steps = pruningSteps(t.db, pruningCutoffs(NOW, SETTINGS), 3);
    const seen: { jobs: number; statusEvents: number }[] = [];
    for (;;) {
      const s = steps.next();
      if (s.done) {
        expect(s.value).toEqual({ jobs: 7, statusEvents: 5 });
        break;
      }
      seen.push(s.value);
    }
    expect(seen).toEqual([
      { jobs: 3, statusEvents: 0 },
      { jobs: 3, statusEvents: 0 },
      { jobs: 1, statusEvents: 0 },
      { jobs: 0, statusEvents: 3 },
      { jobs: 0, statusEvents: 2 },
    ]);
    expect(ids("status_events")).toEqual([young]);
  });

  it("agrees with the pure rule on a mix of rows", () => {
    const sending = message("sending");
    const sent = message("delivered");
    // Oldest first: rows are stored in time order (created_at defaults to the time of insert).
    const ages = [90 * DAY, 31 * DAY, 29 * DAY, 8 * DAY, 73 * HOUR, 30 * HOUR, 20 * HOUR, 0];
    const states = ["done", "dead", "pending", "running"] as const;
    for (const age of ages) {
      for (const state of states) job(state, state === "done" ? NOW - age : null);
      for (const cb of [null, `msg:${sending}`, `msg:${sent}`]) statusEvent(NOW - age, cb);
    }
    const cutoffs = pruningCutoffs(NOW, SETTINGS);
    const jobs = all<{ id: number; state: string; finishedAt: number | null }>(
      "SELECT id, state, finished_at AS finishedAt FROM jobs",
    );
    const events = all<{ id: number; createdAt: number; messageStatus: string | null }>(
      `SELECT s.id, s.created_at AS createdAt, m.status AS messageStatus FROM status_events s
       LEFT JOIN messages m ON 'msg:' || m.id = s.callback_data`,
    );
    const keptJobs = jobs.filter((j) => !jobDue(j, cutoffs)).map((j) => j.id);
    const keptEvents = events.filter((e) => !statusEventDue(e, cutoffs)).map((e) => e.id);
    pruneNow(t.db, SETTINGS, NOW, 2);
    expect(ids("jobs")).toEqual(keptJobs);
    expect(ids("status_events")).toEqual(keptEvents);
  });

  it("errs on the side of keeping: an old event stored after a young one waits for it", () => {
    // A clock stepped back between two inserts: the walk stops at the first young event.
    const young = statusEvent(NOW - DAY);
    const late = statusEvent(NOW - 60 * DAY);
    expect(pruneNow(t.db, SETTINGS, NOW).statusEvents).toBe(0);
    expect(ids("status_events")).toEqual([young, late]);
    expect(pruneNow(t.db, SETTINGS, NOW + 30 * DAY).statusEvents).toBe(2);
  });
});

describe("startPruningTimer", () => {
  it("runs on demand with the clock it is given, logs counts and stops cleanly", async () => {
    job("done", NOW - 10 * DAY);
    const logs: string[] = [];
    const logger = {
      info: (_: Record<string, unknown>, m: string) => logs.push(`info ${m}`),
      debug: (_: Record<string, unknown>, m: string) => logs.push(`debug ${m}`),
      error: (_: Record<string, unknown>, m: string) => logs.push(`error ${m}`),
    };
    const timer = startPruningTimer({
      db: t.db,
      settings: SETTINGS,
      logger,
      firstRunMs: 3_600_000,
      now: () => NOW,
    });
    expect(await timer.runNow()).toEqual({ jobs: 1, statusEvents: 0 });
    expect(await timer.runNow()).toEqual({ jobs: 0, statusEvents: 0 });
    expect(logs).toEqual([
      "info finished jobs and old status events pruned",
      "debug finished jobs and old status events pruned",
    ]);
    await timer.stop();
    expect(await timer.runNow()).toBeNull();
  });
});
