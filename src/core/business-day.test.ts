import { describe, expect, it } from "vitest";
import { businessDaysAgo, startOfBusinessDay } from "./business-day.ts";

const at = (iso: string) => Date.parse(iso);

describe("startOfBusinessDay", () => {
  it("is UTC midnight with no offset", () => {
    expect(startOfBusinessDay(at("2026-12-02T05:30:00Z"), 0)).toBe(at("2026-12-02T00:00:00Z"));
  });

  it("follows the business's offset across the UTC date line", () => {
    // 23:30 UTC on the 1st is 06:30 on the 2nd in Jakarta (+07:00).
    expect(startOfBusinessDay(at("2026-12-01T23:30:00Z"), 420)).toBe(at("2026-12-01T17:00:00Z"));
    // 16:59 UTC is still the 1st in Jakarta.
    expect(startOfBusinessDay(at("2026-12-01T16:59:00Z"), 420)).toBe(at("2026-11-30T17:00:00Z"));
  });

  it("handles negative offsets", () => {
    // 02:00 UTC on the 2nd is 21:00 on the 1st in New York (-05:00).
    expect(startOfBusinessDay(at("2026-12-02T02:00:00Z"), -300)).toBe(at("2026-12-01T05:00:00Z"));
  });

  it("is the instant itself at the boundary", () => {
    const boundary = at("2026-12-01T17:00:00Z");
    expect(startOfBusinessDay(boundary, 420)).toBe(boundary);
  });
});

describe("businessDaysAgo", () => {
  it("steps whole days back from today's start", () => {
    expect(businessDaysAgo(at("2026-12-02T05:30:00Z"), 0, 13)).toBe(at("2026-11-19T00:00:00Z"));
  });
});
