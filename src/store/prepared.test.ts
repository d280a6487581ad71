import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepared, updateRow } from "./prepared.ts";
import { jobs, slackThreads } from "./schema.ts";
import { openTestDatabase, type TestDatabase } from "./testing.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
  t.db.$client.exec(
    `INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at, updated_at)
     VALUES ('turn', '{"a":1}', 0, 3, 0, 0)`,
  );
});
afterEach(() => t.cleanup());

const job = () => t.db.$client.prepare("select payload, run_at, last_error from jobs").get();

describe("prepared", () => {
  it("compiles a statement once per connection", () => {
    expect(prepared(t.db, "select 1")).toBe(prepared(t.db, "select 1"));
  });
});

describe("updateRow", () => {
  it("sets the given columns through their driver mapping", () => {
    expect(updateRow(t.db, jobs, 1, { payload: { b: 2 }, runAt: 5, lastError: "x" })).toBe(1);
    expect(job()).toEqual({ payload: '{"b":2}', run_at: 5, last_error: "x" });
  });

  it("writes null as NULL, leaves undefined keys alone", () => {
    updateRow(t.db, jobs, 1, { lastError: "x" });
    expect(updateRow(t.db, jobs, 1, { lastError: null, runAt: undefined })).toBe(1);
    expect(job()).toEqual({ payload: '{"a":1}', run_at: 0, last_error: null });
  });

  it("changes nothing for an empty patch or an unknown id", () => {
    expect(updateRow(t.db, jobs, 1, {})).toBe(0);
    expect(updateRow(t.db, jobs, 99, { runAt: 7 })).toBe(0);
    expect(job()).toMatchObject({ run_at: 0 });
  });

  it("refuses a key that is not a column of the table, changing nothing", () => {
    expect(() => updateRow(t.db, slackThreads, 1, { nope: 1 } as never)).toThrow(
      'updateRow: slack_threads has no column "nope"',
    );
  });
});
