import { Writable } from "node:stream";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { jobs } from "../store/schema.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import { claimDueJobs, enqueueJob, nextDueAt } from "./repository.ts";
import { createJobRunner, type JobRunnerOptions } from "./runner.ts";
import { type JobHandler, LeaseLostError, PermanentJobError } from "./types.ts";

let t: TestDatabase;
let logLines: Record<string, unknown>[];

function logger() {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
      cb();
    },
  });
  return createLogger("debug", sink);
}

function runner(handlers: JobRunnerOptions["handlers"], extra: Partial<JobRunnerOptions> = {}) {
  return createJobRunner({
    db: t.db,
    logger: logger(),
    handlers,
    leaseMs: 5_000,
    pollMs: 20,
    concurrency: 4,
    backoff: { baseMs: 1, maxMs: 5 },
    ...extra,
  });
}

function job(id: number) {
  return t.db
    .select()
    .from(jobs)
    .where(eq(jobs.id, id as never))
    .get()!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  t = openTestDatabase();
  logLines = [];
});
afterEach(() => t.cleanup());

describe("job runner", () => {
  it("runs a job once and marks it done", async () => {
    const seen: unknown[] = [];
    const id = enqueueJob(t.db, { kind: "echo", payload: { n: 1 } })!;
    const r = runner({ echo: async (j) => void seen.push(j.payload) });
    expect(await r.drain()).toBe(1);
    expect(await r.drain()).toBe(0);
    expect(seen).toEqual([{ n: 1 }]);
    expect(job(id)).toMatchObject({ state: "done", attempts: 1 });
  });

  it("ignores a second enqueue with the same dedupe key", () => {
    expect(enqueueJob(t.db, { kind: "k", payload: 1, dedupeKey: "x" })).not.toBeNull();
    expect(enqueueJob(t.db, { kind: "k", payload: 2, dedupeKey: "x" })).toBeNull();
    expect(t.db.select().from(jobs).all()).toHaveLength(1);
  });

  it("runs jobs of one key one at a time and in order, other keys in parallel", async () => {
    const events: string[] = [];
    let parallel = 0;
    let maxParallel = 0;
    const handler: JobHandler<{ key: string; n: number }> = async (j) => {
      parallel++;
      maxParallel = Math.max(maxParallel, parallel);
      events.push(`start ${j.payload.key}${j.payload.n}`);
      await sleep(15);
      events.push(`end ${j.payload.key}${j.payload.n}`);
      parallel--;
    };
    for (let n = 1; n <= 3; n++) {
      enqueueJob(t.db, { kind: "h", payload: { key: "a", n }, orderKey: "a" });
      enqueueJob(t.db, { kind: "h", payload: { key: "b", n }, orderKey: "b" });
    }
    await runner({ h: handler as JobHandler<never> }).drain();
    const a = events.filter((e) => / a\d$/.test(e));
    expect(a).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
    expect(maxParallel).toBe(2);
  });

  it("keeps later jobs of a key waiting while an earlier one backs off", () => {
    const first = enqueueJob(t.db, {
      kind: "h",
      payload: 1,
      orderKey: "c",
      runAt: Date.now() + 60_000,
    })!;
    enqueueJob(t.db, { kind: "h", payload: 2, orderKey: "c" });
    const claimed = inTransaction(t.db, () => claimDueJobs(t.db, "w", 10, 1000, Date.now()));
    expect(claimed).toHaveLength(0);
    expect(job(first).state).toBe("pending");
  });

  it("retries a failing job with backoff until it succeeds", async () => {
    let calls = 0;
    const id = enqueueJob(t.db, { kind: "flaky", payload: null })!;
    const r = runner({
      flaky: async () => {
        calls++;
        if (calls < 3) throw new Error(`boom ${calls}`);
      },
    });
    r.start();
    await expect.poll(() => job(id).state, { timeout: 2000 }).toBe("done");
    await r.stop();
    expect(calls).toBe(3);
    expect(job(id).attempts).toBe(3);
    expect(logLines.filter((l) => l.msg === "job failed, will retry: Error: boom 1")).toHaveLength(
      1,
    );
  });

  it("honours a retryAfterMs hint from the error", async () => {
    const id = enqueueJob(t.db, { kind: "limited", payload: null })!;
    const before = Date.now();
    await runner({
      limited: async () => {
        throw Object.assign(new Error("rate limited"), { retryAfterMs: 30_000 });
      },
    }).drain();
    expect(job(id).state).toBe("pending");
    expect(job(id).runAt).toBeGreaterThanOrEqual(before + 30_000);
  });

  it("moves a job to dead after max attempts, keeping the last error, and logs it", async () => {
    const id = enqueueJob(t.db, { kind: "bad", payload: null, maxAttempts: 2 })!;
    const r = runner({
      bad: async (j) => {
        throw new Error(`attempt ${j.attempt} failed`);
      },
    });
    r.start();
    await expect.poll(() => job(id).state, { timeout: 2000 }).toBe("dead");
    await r.stop();
    expect(job(id)).toMatchObject({ attempts: 2, lastError: "Error: attempt 2 failed" });
    expect(logLines.some((l) => l.level === 50 && String(l.msg).includes("job dead after 2"))).toBe(
      true,
    );
  });

  it("does not retry a permanent error", async () => {
    const id = enqueueJob(t.db, { kind: "perm", payload: null })!;
    await runner({
      perm: async () => {
        throw new PermanentJobError("invalid recipient");
      },
    }).drain();
    expect(job(id)).toMatchObject({ state: "dead", attempts: 1 });
  });

  it("kills a job whose kind has no handler instead of spinning", async () => {
    const id = enqueueJob(t.db, { kind: "unknown", payload: null })!;
    await runner({}).drain();
    expect(job(id).state).toBe("dead");
    expect(job(id).lastError).toContain('no handler for job kind "unknown"');
  });

  it("reclaims a job whose worker died holding the lease", async () => {
    const id = enqueueJob(t.db, { kind: "work", payload: null })!;
    // A worker claims it and dies: its lease expires 50 ms later.
    inTransaction(t.db, () => claimDueJobs(t.db, "dead-worker", 1, 50, Date.now()));
    expect(job(id).state).toBe("running");
    let runs = 0;
    const r = runner({ work: async () => void runs++ });
    expect(await r.drain()).toBe(0);
    await sleep(60);
    expect(await r.drain()).toBe(1);
    expect(runs).toBe(1);
    expect(job(id)).toMatchObject({ state: "done", attempts: 2 });
  });

  it("discards the writes of a run that lost its lease", async () => {
    const id = enqueueJob(t.db, { kind: "slow", payload: null })!;
    t.db.$client.exec("create table effects (v text)");
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const r = runner(
      {
        slow: async (_j, ctx) => {
          await gate;
          ctx.commit(() => t.db.$client.prepare("insert into effects values ('first')").run());
        },
      },
      { leaseMs: 60_000 },
    );
    const drained = r.drain();
    await sleep(20);
    // Another worker takes the job over (as if the lease had expired).
    t.db.$client.exec(`update jobs set lease_until = 0 where id = ${id}`);
    const other = inTransaction(t.db, () => claimDueJobs(t.db, "other", 1, 60_000, Date.now()));
    expect(other).toHaveLength(1);
    release();
    await drained;
    expect(t.db.$client.prepare("select count(*) n from effects").get()).toEqual({ n: 0 });
    expect(job(id)).toMatchObject({ state: "running", lockedBy: "other" });
    expect(logLines.some((l) => String(l.msg).includes("lease lost"))).toBe(true);
  });

  it("applies fenced writes only while the run owns the job", async () => {
    const id = enqueueJob(t.db, { kind: "f", payload: null })!;
    t.db.$client.exec("create table effects (v text)");
    const insert = (v: string) => t.db.$client.prepare("insert into effects values (?)").run(v);
    let second: unknown = null;
    await runner(
      {
        f: async (_j, ctx) => {
          const value = ctx.fenced(() => {
            insert("first");
            return "value";
          });
          expect(value).toBe("value");
          // Another worker takes the job over: a fenced write now changes nothing and throws.
          t.db.$client.exec(`update jobs set locked_by = 'other' where id = ${id}`);
          try {
            ctx.fenced(() => insert("second"));
          } catch (err) {
            second = err;
          }
          throw second;
        },
      },
      { leaseMs: 60_000 },
    ).drain();
    expect(second).toBeInstanceOf(LeaseLostError);
    expect(t.db.$client.prepare("select v from effects").all()).toEqual([{ v: "first" }]);
    expect(job(id)).toMatchObject({ state: "running", lockedBy: "other" });
  });

  it("commits a handler's writes together with completion", async () => {
    const id = enqueueJob(t.db, { kind: "c", payload: null })!;
    t.db.$client.exec("create table effects (v text)");
    await runner({
      c: async (_j, ctx) => {
        ctx.commit(() => t.db.$client.prepare("insert into effects values ('x')").run());
      },
    }).drain();
    expect(t.db.$client.prepare("select count(*) n from effects").get()).toEqual({ n: 1 });
    expect(job(id).state).toBe("done");
  });

  it("reschedules without counting an attempt when asked", async () => {
    const id = enqueueJob(t.db, { kind: "wait", payload: null })!;
    await runner({
      wait: async () => ({ type: "reschedule", delayMs: 10_000, reason: "waiting" }),
    }).drain();
    expect(job(id)).toMatchObject({ state: "pending", attempts: 0, lastError: "waiting" });
  });
});

describe("job runner: giving up and shutting down", () => {
  it("runs the kind's dead handler once, in the same transaction as the death", async () => {
    const id = enqueueJob(t.db, { kind: "doomed", payload: { n: 7 }, maxAttempts: 1 })!;
    const dead: unknown[] = [];
    await runner(
      {
        doomed: async () => {
          throw new Error("remote down");
        },
      },
      { onDead: { doomed: (j, error) => dead.push([j.payload, error, job(id).state]) } },
    ).drain();
    // The handler ran inside the killing transaction: it already sees the job dead.
    expect(dead).toEqual([[{ n: 7 }, "Error: remote down", "dead"]]);
  });

  it("does not count an attempt for a job abandoned at shutdown", async () => {
    const id = enqueueJob(t.db, { kind: "slow", payload: null, maxAttempts: 1 })!;
    const r = runner({
      slow: (_j, ctx) =>
        new Promise((_resolve, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
        ),
    });
    r.start();
    await expect.poll(() => job(id).state, { timeout: 2000 }).toBe("running");
    await r.stop(50);
    // Released: due at once for the next start, no failure counted (no backoff, no budget); its
    // next run is attempt 2 (it may have got as far as a remote call) and may not be its last.
    expect(job(id)).toMatchObject({
      state: "pending",
      attempts: 1,
      maxAttempts: 2,
      leaseUntil: null,
      lockedBy: null,
      firstFailedAt: null,
    });
    expect(job(id).runAt).toBeLessThanOrEqual(Date.now());
    expect(logLines.some((l) => String(l.msg).includes("abandoned at shutdown"))).toBe(true);
    const seen: number[] = [];
    await runner({ slow: async (j) => void seen.push(j.attempt) }).drain();
    expect(seen).toEqual([2]);
    expect(job(id).state).toBe("done");
  });

  it("gives up on a job whose worker died on its last attempt", async () => {
    const id = enqueueJob(t.db, { kind: "crasher", payload: null, maxAttempts: 1 })!;
    inTransaction(t.db, () => claimDueJobs(t.db, "dead-worker", 1, 10, Date.now()));
    await sleep(20);
    let ran = false;
    await runner({
      crasher: async () => {
        ran = true;
      },
    }).drain();
    expect(ran).toBe(false);
    expect(job(id)).toMatchObject({ state: "dead" });
    expect(job(id).lastError).toContain("lease expired on its last attempt");
  });

  it("does not treat a job held back by its key as due", () => {
    enqueueJob(t.db, { kind: "h", payload: 1, orderKey: "k", runAt: Date.now() + 60_000 });
    enqueueJob(t.db, { kind: "h", payload: 2, orderKey: "k" });
    const due = nextDueAt(t.db)!;
    expect(due).toBeGreaterThan(Date.now() + 50_000);
  });

  it("starts the next job of a key as soon as the previous one finishes, not at the next poll", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    enqueueJob(t.db, { kind: "h", payload: "first", orderKey: "k" });
    const r = runner(
      {
        h: async (j) => {
          if (j.payload === "first") await gate;
          order.push(j.payload as string);
        },
      },
      // A poll far away: only the finished job can start the next one in time.
      { pollMs: 60_000 },
    );
    r.start();
    await until(() => r.inFlight() === 1);
    // Queued while the first runs: the claim at wake() finds it held back by its key.
    enqueueJob(t.db, { kind: "h", payload: "second", orderKey: "k" });
    r.wake();
    await sleep(20);
    expect(order).toEqual([]);
    release();
    await until(() => order.length === 2);
    expect(order).toEqual(["first", "second"]);
    await r.stop();
  });

  it("runs a job put back for a retry at its retry time, not at the next poll", async () => {
    let runs = 0;
    enqueueJob(t.db, { kind: "h", payload: null });
    const r = runner(
      {
        h: async () => {
          if (++runs === 1) throw new Error("transient");
        },
      },
      { pollMs: 60_000 },
    );
    r.start();
    await until(() => runs === 2);
    expect(t.db.$client.prepare("select state, attempts from jobs").get()).toEqual({
      state: "done",
      attempts: 2,
    });
    await r.stop();
  });

  it("claims again after a job when every free slot was taken", async () => {
    const done: number[] = [];
    for (let n = 0; n < 3; n++) enqueueJob(t.db, { kind: "h", payload: n });
    const r = runner(
      { h: async (j) => void done.push(j.payload as number) },
      { pollMs: 60_000, concurrency: 1 },
    );
    r.start();
    await until(() => done.length === 3);
    expect(done).toEqual([0, 1, 2]);
    await r.stop();
  });
});

/** Waits (up to 2 s, far below the 60 s poll of these tests) until `predicate` holds. */
async function until(predicate: () => boolean) {
  const deadline = Date.now() + 2_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out: the runner did not get to it");
    await sleep(2);
  }
}
