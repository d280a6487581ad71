import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../store/db.ts";
import { openDatabase } from "../store/db.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { breakerSettingKey, parseBreakerRecord, storedBreakerState } from "./breaker-store.ts";
import { CircuitBreaker, CLOSED_BREAKER } from "./circuit-breaker.ts";

// Two handles on one database stand in for two instances of the service behind one balancer.
let t: TestDatabase;
let a: Db;
let b: Db;
let clock: number;
beforeEach(() => {
  t = openTestDatabase();
  a = t.db;
  b = openDatabase(t.path);
  clock = 1_000_000;
});
afterEach(() => {
  if (b.$client.open) b.$client.close();
  t.cleanup();
});

const opts = { failures: 3, cooldownMs: 1_000, trialLeaseMs: 5_000, now: () => clock };
const breakerOn = (db: Db, name = "fast") =>
  new CircuitBreaker({ ...opts, store: storedBreakerState(db, name, () => clock) });
const row = (db: Db, name = "fast") =>
  db.$client.prepare("SELECT value FROM settings WHERE key = ?").get(breakerSettingKey(name)) as
    | { value: string }
    | undefined;

describe("a circuit breaker shared through the database", () => {
  it("counts failures seen by every instance and opens for all of them", () => {
    const onA = breakerOn(a);
    const onB = breakerOn(b);
    onA.failure();
    onB.failure();
    expect(onA.allow()).toBe(true);
    onA.failure(); // the third consecutive failure, whichever instance saw the others
    expect(onB.state).toBe("open");
    expect(onB.allow()).toBe(false);
    expect(onA.allow()).toBe(false);
  });

  it("lets one trial through across instances, and a success on one closes it for all", () => {
    const onA = breakerOn(a);
    const onB = breakerOn(b);
    for (let i = 0; i < 3; i++) onA.failure();
    clock += 1_000;
    expect(onB.state).toBe("half_open");
    expect(onA.allow()).toBe(true); // A takes the trial
    expect(onB.allow()).toBe(false); // B is refused while it is in flight
    expect(onA.allow()).toBe(false);
    onA.success();
    expect(onB.state).toBe("closed");
    expect(onB.allow()).toBe(true);
    expect(row(a)).toBeUndefined(); // nothing remembered: no row
  });

  it("a failed trial reopens it everywhere for a full cool-down", () => {
    const onA = breakerOn(a);
    const onB = breakerOn(b);
    for (let i = 0; i < 3; i++) onB.failure();
    clock += 1_000;
    expect(onB.allow()).toBe(true);
    onB.failure();
    expect(onA.state).toBe("open");
    clock += 999;
    expect(onA.allow()).toBe(false);
    clock += 1;
    expect(onA.allow()).toBe(true);
  });

  it("frees the trial of an instance that died mid-call once its lease runs out", () => {
    const dead = breakerOn(a);
    const onB = breakerOn(b);
    for (let i = 0; i < 3; i++) dead.failure();
    clock += 1_000;
    expect(dead.allow()).toBe(true); // ...and the process is killed: no success, failure or abandon
    clock += 4_999;
    expect(onB.allow()).toBe(false);
    clock += 1;
    expect(onB.allow()).toBe(true);
  });

  it("abandon frees only the instance's own trial", () => {
    const onA = breakerOn(a);
    const onB = breakerOn(b);
    for (let i = 0; i < 3; i++) onA.failure();
    clock += 1_000;
    expect(onA.allow()).toBe(true);
    onB.abandon(); // B's own call was cancelled: not a verdict, and not B's trial
    expect(onB.allow()).toBe(false);
    onA.abandon();
    expect(onB.allow()).toBe(true);
  });

  it("keeps each tier apart", () => {
    const fast = breakerOn(a, "fast");
    const smart = breakerOn(b, "smart");
    for (let i = 0; i < 3; i++) fast.failure();
    expect(breakerOn(b, "fast").allow()).toBe(false);
    expect(smart.allow()).toBe(true);
  });

  it("writes nothing while the dependency is healthy", () => {
    const onA = breakerOn(a);
    expect(onA.allow()).toBe(true);
    onA.success();
    expect(row(a)).toBeUndefined();
    onA.failure();
    expect(JSON.parse(row(b)!.value)).toMatchObject({ failures: 1, openedAt: null });
    onA.success();
    expect(row(b)).toBeUndefined();
  });

  it("reads an unreadable stored value as closed", () => {
    expect(parseBreakerRecord("not json")).toEqual(CLOSED_BREAKER);
    expect(parseBreakerRecord("[1]")).toMatchObject({ failures: 0, openedAt: null });
    expect(parseBreakerRecord('{"failures":"x","openedAt":5}')).toMatchObject({
      failures: 0,
      openedAt: 5,
    });
    a.$client
      .prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 0)")
      .run(breakerSettingKey("fast"), "{broken");
    expect(breakerOn(b).allow()).toBe(true);
  });
});
