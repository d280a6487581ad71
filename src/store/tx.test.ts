import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "./testing.ts";
import { inTransaction } from "./tx.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
  t.db.$client.exec("create table t (v text)");
});
afterEach(() => t.cleanup());

const rows = () => t.db.$client.prepare("select v from t order by v").all();
const insert = (v: string) => t.db.$client.prepare("insert into t values (?)").run(v);

describe("inTransaction", () => {
  it("commits on success and rolls back on a throw", () => {
    inTransaction(t.db, () => insert("a"));
    expect(() =>
      inTransaction(t.db, () => {
        insert("b");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(rows()).toEqual([{ v: "a" }]);
    expect(t.db.$client.inTransaction).toBe(false);
  });

  it("rolls back only a failed nested part", () => {
    inTransaction(t.db, () => {
      insert("outer");
      expect(() =>
        inTransaction(t.db, () => {
          insert("inner");
          throw new Error("inner fails");
        }),
      ).toThrow("inner fails");
    });
    expect(rows()).toEqual([{ v: "outer" }]);
  });

  it("refuses an async function instead of committing before it ran", () => {
    expect(() => inTransaction(t.db, async () => insert("late"))).toThrow("synchronous");
    expect(t.db.$client.inTransaction).toBe(false);
  });
});
