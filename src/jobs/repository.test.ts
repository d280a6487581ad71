import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serviceUpSince } from "../core/uptime.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import {
  claimDueJobs,
  enqueueJob,
  heartbeatWorker,
  registerWorker,
  stopWorker,
  workerLives,
} from "./repository.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const NOW = 1_000_000;
const add = (runAt: number, orderKey: string | null = null) =>
  enqueueJob(t.db, { kind: "turn", payload: { runAt }, orderKey, runAt }, NOW - 10_000)!;
const claim = (limit = 10, now = NOW) =>
  claimDueJobs(t.db, "w1", limit, 30_000, now).map((j) => j.id);

describe("claimDueJobs", () => {
  it("takes due pending jobs in run_at order, then id, and leaves future ones", () => {
    const late = add(NOW - 10);
    const early = add(NOW - 500);
    const sameTime = add(NOW - 10);
    add(NOW + 1);
    expect(claim()).toEqual([early, late, sameTime]);
    expect(claim()).toEqual([]);
  });

  it("merges jobs whose lease expired with pending ones, in run_at order, up to the limit", () => {
    const crashed = add(NOW - 300);
    expect(claim(1, NOW - 100)).toEqual([crashed]); // lease until NOW + 29,900
    const pendingEarly = add(NOW - 400);
    const pendingLate = add(NOW - 200);
    // The crashed worker's lease has run out by now + 30 s.
    expect(claim(2, NOW + 30_000)).toEqual([pendingEarly, crashed]);
    expect(claim(5, NOW + 30_000)).toEqual([pendingLate]);
    const row = t.db.$client.prepare("select attempts from jobs where id = ?").get(crashed);
    expect(row).toEqual({ attempts: 2 });
  });

  it("never takes a job while an earlier one with its order key is unfinished", () => {
    const first = add(NOW - 100, "conv:1");
    const second = add(NOW - 200, "conv:1");
    const other = add(NOW - 50, "conv:2");
    expect(claim()).toEqual([first, other]);
    expect(claim()).toEqual([]);
    t.db.$client.prepare("update jobs set state = 'done' where id = ?").run(first);
    expect(claim()).toEqual([second]);
  });
});

describe("workerLives", () => {
  it("records each runner's life: alive, stopped, or silent since its last heartbeat", () => {
    registerWorker(t.db, "killed", NOW - 60_000);
    heartbeatWorker(t.db, "killed", NOW - 20_000);
    registerWorker(t.db, "stopped", NOW - 30_000);
    stopWorker(t.db, "stopped", NOW - 10_000);
    registerWorker(t.db, "alive", NOW - 25_000);
    heartbeatWorker(t.db, "alive", NOW - 1_000);
    const lives = workerLives(t.db, NOW - 6_000);
    expect(lives).toEqual(
      expect.arrayContaining([
        { startedAt: NOW - 60_000, until: NOW - 20_000 },
        { startedAt: NOW - 30_000, until: NOW - 10_000 },
        { startedAt: NOW - 25_000, until: null },
      ]),
    );
    expect(lives).toHaveLength(3);
    // The three overlap: the service has been up since the first one started.
    expect(serviceUpSince(lives)).toBe(NOW - 60_000);
    // Once the live one's heartbeat is stale, nobody is up.
    expect(serviceUpSince(workerLives(t.db, NOW))).toBeNull();
  });

  it("a runner started again under its id begins a new life: the gap is not uptime", () => {
    registerWorker(t.db, "w", NOW - 60_000);
    stopWorker(t.db, "w", NOW - 40_000);
    registerWorker(t.db, "w", NOW - 5_000);
    expect(workerLives(t.db, NOW - 6_000)).toEqual([{ startedAt: NOW - 5_000, until: null }]);
    expect(serviceUpSince(workerLives(t.db, NOW - 6_000))).toBe(NOW - 5_000);
  });

  it("a restart after a crash starts a new uptime", () => {
    registerWorker(t.db, "before", NOW - 60_000);
    heartbeatWorker(t.db, "before", NOW - 40_000);
    registerWorker(t.db, "after", NOW - 5_000);
    expect(serviceUpSince(workerLives(t.db, NOW - 6_000))).toBe(NOW - 5_000);
  });
});
