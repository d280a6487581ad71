import { describe, expect, it } from "vitest";
import { reminderDue, type SlaPolicy, type ThreadTiming, windowWarningDue } from "./sla.ts";

const min = 60_000;
const policy: SlaPolicy = {
  firstReminderMs: 15 * min,
  reminderEveryMs: 15 * min,
  maxReminders: 3,
  windowWarningMs: 60 * min,
};
const t0 = 1_800_000_000_000;
const waiting: ThreadTiming = {
  customerWaitingSince: t0,
  remindersSent: 0,
  lastReminderAt: null,
  windowEndsAt: t0 + 24 * 60 * min,
  windowWarnedFor: null,
};

describe("reminderDue", () => {
  it("fires after the SLA and then every interval, up to the maximum", () => {
    expect(reminderDue(waiting, policy, t0 + 14 * min)).toBe(false);
    expect(reminderDue(waiting, policy, t0 + 15 * min)).toBe(true);
    const once = { ...waiting, remindersSent: 1, lastReminderAt: t0 + 15 * min };
    expect(reminderDue(once, policy, t0 + 20 * min)).toBe(false);
    expect(reminderDue(once, policy, t0 + 30 * min)).toBe(true);
    expect(reminderDue({ ...once, remindersSent: 3 }, policy, t0 + 300 * min)).toBe(false);
  });

  it("never fires when nobody is waiting", () => {
    expect(reminderDue({ ...waiting, customerWaitingSince: null }, policy, t0 + 999 * min)).toBe(
      false,
    );
  });
});

describe("windowWarningDue", () => {
  const end = waiting.windowEndsAt!;
  it("warns within the last hour, once per window end", () => {
    expect(windowWarningDue(waiting, policy, end - 61 * min)).toBe(false);
    expect(windowWarningDue(waiting, policy, end - 59 * min)).toBe(true);
    expect(windowWarningDue({ ...waiting, windowWarnedFor: end }, policy, end - 30 * min)).toBe(
      false,
    );
    expect(windowWarningDue(waiting, policy, end + 1)).toBe(false);
  });

  it("does not warn when the customer is not waiting for an answer", () => {
    expect(
      windowWarningDue({ ...waiting, customerWaitingSince: null }, policy, end - 30 * min),
    ).toBe(false);
  });
});
