import { Writable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { jobs, workers } from "../store/schema.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import { claimDueJobs, enqueueJob, registerWorker } from "./repository.ts";
import { createJobRunner, type JobRunnerOptions } from "./runner.ts";
import { PermanentJobError } from "./types.ts";

// Outages measured in time, not attempts: a "10-minute" outage is simulated as a second or two
// with a small retry budget and backoff cap.

let t: TestDatabase;
let logLines: Record<string, unknown>[];
const started: ReturnType<typeof createJobRunner>[] = [];

function runner(handlers: JobRunnerOptions["handlers"], extra: Partial<JobRunnerOptions> = {}) {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
      cb();
    },
  });
  const r = createJobRunner({
    db: t.db,
    logger: createLogger("debug", sink),
    handlers,
    leaseMs: 60_000,
    pollMs: 10,
    concurrency: 4,
    backoff: { baseMs: 5, maxMs: 40 },
    retryBudgetMs: 1_000,
    heartbeatMs: 100,
    ...extra,
  });
  started.push(r);
  return r;
}

const job = (id: number) =>
  t.db
    .select()
    .from(jobs)
    .where(eq(jobs.id, id as never))
    .get()!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  t = openTestDatabase();
  logLines = [];
});
afterEach(async () => {
  for (const r of started.splice(0)) await r.stop(0);
  t.cleanup();
});

describe("retry budget", () => {
  it("keeps retrying a remote that is down far past the old 8 attempts, and drains on recovery", async () => {
    // Long enough for well over 8 attempts also where each attempt's database work takes
    // milliseconds (PostgreSQL), within a budget that outlasts the outage.
    const downUntil = Date.now() + 1_500;
    let calls = 0;
    const order: number[] = [];
    const first = enqueueJob(t.db, { kind: "remote", payload: 1, orderKey: "c:1" })!;
    const second = enqueueJob(t.db, { kind: "remote", payload: 2, orderKey: "c:1" })!;
    const r = runner(
      {
        remote: async (j) => {
          calls++;
          if (Date.now() < downUntil) throw Object.assign(new Error("503"), { retryable: true });
          order.push(j.payload as number);
        },
      },
      { retryBudgetMs: 3_000 },
    );
    r.start();
    await expect.poll(() => job(second).state, { timeout: 5_000 }).toBe("done");
    expect(job(first)).toMatchObject({ state: "done" });
    expect(job(first).attempts).toBeGreaterThan(8);
    expect(order).toEqual([1, 2]); // the later job waited behind the failing one
    expect(calls).toBe(job(first).attempts + 1);
    // Recovered at downUntil; drained within a backoff cap of it.
    expect(job(second).finishedAt!).toBeLessThan(downUntil + 40 + 200);
  });

  it("gives up once the budget from the first failure is spent, runs the dead handler and alerts", async () => {
    // Created long ago (it waited behind other work): the budget starts at its first failure.
    const id = enqueueJob(t.db, { kind: "down", payload: { n: 1 } }, Date.now() - 3_600_000)!;
    const dead: string[] = [];
    const r = runner(
      {
        down: async () => {
          throw new Error("connect ECONNREFUSED");
        },
      },
      {
        retryBudgetMs: 300,
        onDead: { down: (_j, error) => dead.push(error) },
      },
    );
    const startedAt = Date.now();
    r.start();
    await expect.poll(() => job(id).state, { timeout: 3_000 }).toBe("dead");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(job(id).attempts).toBeGreaterThan(2);
    expect(job(id).firstFailedAt).toBeGreaterThanOrEqual(startedAt);
    expect(dead).toEqual(["Error: connect ECONNREFUSED"]);
    const line = logLines.find((l) => l.jobDead === true);
    expect(line).toMatchObject({ level: 50, alert: "operator" });
    expect(String(line?.msg)).toMatch(/budget/);
  });

  it("ends a job early only for a permanent error", async () => {
    const id = enqueueJob(t.db, { kind: "perm", payload: null })!;
    await runner({
      perm: async () => {
        throw new PermanentJobError("not a WhatsApp number");
      },
    }).drain();
    expect(job(id)).toMatchObject({ state: "dead", attempts: 1 });
  });

  it("lets a kind have no time budget (handoffs are never given up)", async () => {
    const id = enqueueJob(t.db, { kind: "handoff", payload: null })!;
    let calls = 0;
    const r = runner(
      {
        handoff: async () => {
          calls++;
          if (calls < 30) throw new Error("slack 500");
        },
      },
      {
        retryBudgetMs: 50,
        backoff: { baseMs: 1, maxMs: 5 },
        retryBudgetByKind: { handoff: Infinity },
      },
    );
    r.start();
    await expect.poll(() => job(id).state, { timeout: 3_000 }).toBe("done");
    expect(calls).toBe(30);
  });

  it("honours Retry-After, capped at five minutes", async () => {
    const a = enqueueJob(t.db, { kind: "limited", payload: 20_000 })!;
    const b = enqueueJob(t.db, { kind: "limited", payload: 3_600_000 })!;
    const before = Date.now();
    await runner({
      limited: async (j) => {
        throw Object.assign(new Error("429"), { retryAfterMs: j.payload });
      },
    }).drain();
    expect(job(a).runAt - before).toBeGreaterThanOrEqual(20_000);
    expect(job(b).runAt - before).toBeGreaterThanOrEqual(5 * 60_000);
    expect(job(b).runAt - Date.now()).toBeLessThanOrEqual(5 * 60_000);
  });
});

describe("prompt takeover (worker heartbeats)", () => {
  function lockedByOtherWorker(heartbeatAgoMs: number, stopped = false) {
    const now = Date.now();
    const id = enqueueJob(t.db, { kind: "answer", payload: null }, now - heartbeatAgoMs)!;
    inTransaction(t.db, () => {
      registerWorker(t.db, "old-worker", now - heartbeatAgoMs);
      if (stopped)
        t.db.update(workers).set({ stoppedAt: now }).where(eq(workers.id, "old-worker")).run();
      // A 60 s lease, as with the default JOB_LEASE_MS.
      claimDueJobs(t.db, "old-worker", 1, 60_000, now - heartbeatAgoMs);
    });
    return id;
  }

  it("takes over at once the job of a worker whose heartbeat stopped, counting it in the budget", async () => {
    const id = lockedByOtherWorker(1_000); // > 3 heartbeats of 100 ms
    const r = runner({ answer: async () => {} });
    r.start();
    await expect.poll(() => job(id).state, { timeout: 1_000 }).toBe("done");
    expect(job(id)).toMatchObject({ attempts: 2, lockedBy: r.workerId });
    expect(job(id).firstFailedAt).not.toBeNull();
  });

  it("takes over at once the job of a worker that announced a clean stop", async () => {
    const id = lockedByOtherWorker(0, true);
    const r = runner({ answer: async () => {} });
    r.start();
    await expect.poll(() => job(id).state, { timeout: 1_000 }).toBe("done");
  });

  it("leaves alone the job of a worker that is alive (fresh heartbeat, lease not expired)", async () => {
    const id = lockedByOtherWorker(0);
    const r = runner({ answer: async () => {} });
    r.start();
    await sleep(150);
    expect(job(id)).toMatchObject({ state: "running", lockedBy: "old-worker", attempts: 1 });
  });

  it("keeps its own heartbeat fresh while running, and records a clean stop", async () => {
    const r = runner({});
    r.start();
    await sleep(250);
    const row = t.db.select().from(workers).where(eq(workers.id, r.workerId)).get()!;
    expect(Date.now() - row.heartbeatAt).toBeLessThan(200);
    expect(row.stoppedAt).toBeNull();
    await r.stop(0);
    expect(
      t.db.select().from(workers).where(eq(workers.id, r.workerId)).get()!.stoppedAt,
    ).not.toBeNull();
  });

  it("releases a running job at once on abandon() (a second signal)", async () => {
    const id = enqueueJob(t.db, { kind: "hang", payload: null })!;
    const r = runner({ hang: () => new Promise(() => {}) });
    r.start();
    await expect.poll(() => job(id).state, { timeout: 1_000 }).toBe("running");
    r.abandon();
    expect(job(id)).toMatchObject({ state: "pending", attempts: 1, leaseUntil: null });
    let ran = 0;
    await runner({ hang: async () => void ran++ }).drain();
    expect(ran).toBe(1);
    expect(job(id).state).toBe("done");
  });
});
