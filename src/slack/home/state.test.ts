import { describe, expect, it } from "vitest";
import { DEFAULT_HOME_STATE, encodeHomeState, MAX_HOME_PAGE, parseHomeState } from "./state.ts";

describe("home state", () => {
  it("round-trips every range and filter", () => {
    for (const state of [
      { range: "today", filter: "all", page: 0 },
      { range: "7d", filter: "mine", page: 3 },
      { range: "30d", filter: "unassigned", page: MAX_HOME_PAGE },
      { range: "7d", filter: "channel:C0123ABC", page: 1 },
    ] as const) {
      const value = encodeHomeState(state);
      expect(value.length).toBeLessThanOrEqual(150);
      expect(parseHomeState(value)).toEqual(state);
    }
  });

  it("falls back to the defaults, field by field, on foreign or forged values", () => {
    for (const v of [undefined, null, "", "on", "{", "[]", "null", "42", "x".repeat(3000)]) {
      expect(parseHomeState(v)).toEqual(DEFAULT_HOME_STATE);
    }
    expect(parseHomeState('{"r":"1y","f":"mine","p":2}')).toEqual({
      range: "today",
      filter: "mine",
      page: 2,
    });
    expect(parseHomeState('{"r":"30d","f":"channel:<!here>","p":-1}')).toEqual({
      range: "30d",
      filter: "all",
      page: 0,
    });
    expect(parseHomeState(`{"r":"7d","f":"everyone","p":${MAX_HOME_PAGE + 1}}`)).toEqual({
      range: "7d",
      filter: "all",
      page: 0,
    });
    expect(parseHomeState('{"r":"7d","f":"all","p":1.5}').page).toBe(0);
  });
});
