import { describe, expect, it } from "vitest";
import { type BusinessHours, isOpen, parseBusinessHours } from "./business-hours.ts";

const jakarta = 7 * 60;
// 2026-11-25 is a Wednesday.
const at = (hh: number, mm = 0, day = 25) => Date.UTC(2026, 10, day, hh, mm) - jakarta * 60_000;

describe("business hours", () => {
  const hours = parseBusinessHours("Mon-Fri 09:00-17:00", jakarta) as BusinessHours;

  it("parses a day range and a time range", () => {
    expect(hours).toEqual({
      days: [1, 2, 3, 4, 5],
      openMinute: 540,
      closeMinute: 1020,
      utcOffsetMinutes: jakarta,
    });
    expect((parseBusinessHours("Sat, Sun 10:00-14:00", 0) as BusinessHours).days).toEqual([0, 6]);
    expect((parseBusinessHours("Fri-Mon 10:00-14:00", 0) as BusinessHours).days).toEqual([
      0, 1, 5, 6,
    ]);
  });

  it("rejects nonsense with a message", () => {
    expect(parseBusinessHours("weekdays", 0)).toContain("expected");
    expect(parseBusinessHours("Mon-Fun 09:00-17:00", 0)).toContain("day name");
    expect(parseBusinessHours("Mon-Fri 17:00-09:00", 0)).toContain("after");
  });

  it("is open inside the hours in the business's own timezone", () => {
    expect(isOpen(hours, at(9))).toBe(true);
    expect(isOpen(hours, at(16, 59))).toBe(true);
    expect(isOpen(hours, at(17))).toBe(false);
    expect(isOpen(hours, at(8, 59))).toBe(false);
    expect(isOpen(hours, at(12, 0, 28))).toBe(false); // Saturday
  });
});
