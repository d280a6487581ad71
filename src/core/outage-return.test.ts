import { describe, expect, it } from "vitest";
import { type OutageReturnFacts, outageReturnDue } from "./outage-return.ts";

const now = 10_000_000;
const base: OutageReturnFacts = {
  state: "escalated",
  handoffReason: "model_unavailable",
  handoffAt: now - 5 * 60_000,
  claimed: false,
  agentWroteSinceHandoff: false,
  modelAnsweredAt: now - 1000,
  windowEndsAt: now + 3600_000,
  optedOut: false,
};
const policy = { withinMs: 60 * 60_000 };

describe("outageReturnDue", () => {
  it("returns an untouched outage handoff once the model has answered someone since", () => {
    expect(outageReturnDue(base, policy, now)).toEqual({ return: true });
  });

  it.each<[Partial<OutageReturnFacts>, string]>([
    [{ handoffReason: "customer_request" }, "not_an_outage_handoff"],
    [{ handoffReason: "low_confidence" }, "not_an_outage_handoff"],
    [{ handoffAt: null }, "not_an_outage_handoff"],
    [{ state: "agent" }, "not_waiting_for_a_person"],
    [{ state: "bot" }, "not_waiting_for_a_person"],
    [{ state: "closed" }, "not_waiting_for_a_person"],
    [{ claimed: true }, "taken_up_by_a_person"],
    [{ agentWroteSinceHandoff: true }, "taken_up_by_a_person"],
    [{ handoffAt: now - 61 * 60_000, modelAnsweredAt: now }, "too_late"],
    [{ modelAnsweredAt: null }, "model_still_down"],
    // A success before the handoff proves nothing about the model now.
    [{ modelAnsweredAt: now - 6 * 60_000 }, "model_still_down"],
    [{ modelAnsweredAt: now - 5 * 60_000 }, "model_still_down"],
    [{ windowEndsAt: now }, "window_closed"],
    [{ windowEndsAt: null }, "window_closed"],
    [{ optedOut: true }, "opted_out"],
  ])("keeps it with people when %o (%s)", (change, why) => {
    expect(outageReturnDue({ ...base, ...change }, policy, now)).toEqual({ return: false, why });
  });

  it("is off when the setting is 0", () => {
    expect(outageReturnDue(base, { withinMs: 0 }, now)).toEqual({ return: false, why: "disabled" });
  });
});
