import { describe, expect, it } from "vitest";
import type { FollowUp } from "./agent-config.ts";
import {
  FOLLOW_UP_WINDOW_MARGIN_MS,
  type FollowUpFacts,
  firstFollowUpAt,
  followUpAction,
  followUpDelayMs,
  planFollowUp,
} from "./follow-ups.ts";

/** A follow-up with a final action (shorthand: biome refuses a literal `then:` key). */
function step(after: string, message: string, then: NonNullable<FollowUp["then"]>): FollowUp {
  return { after, message, then };
}

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);

const chain: FollowUp[] = [
  { after: "6h", message: "Masih ada yang bisa dibantu, $contact.first_name?" },
  step("12h", "Kami tutup percakapan ini ya.", {
    action: "set_lifecycle_stage",
    stage: "Cold Lead",
  }),
  step("1d", "Terakhir!", { action: "close_conversation" }),
];

/** Follow-up #1 of a quiet conversation, due right now, window open for hours. */
function facts(over: Partial<FollowUpFacts> = {}): FollowUpFacts {
  return {
    index: 0,
    state: "bot",
    optedOut: false,
    anchorMessageId: 10,
    lastCustomerMessageId: 10,
    personInvolved: false,
    lastMessageAt: T0,
    windowEndsAt: T0 + 24 * H,
    now: T0 + 6 * H,
    ...over,
  };
}

describe("planFollowUp", () => {
  it("sends the first follow-up when its delay has passed, and schedules the second from now", () => {
    expect(planFollowUp(facts(), chain)).toEqual({
      kind: "send",
      text: "Masih ada yang bisa dibantu, $contact.first_name?",
      action: null,
      next: { index: 1, runAt: T0 + 6 * H + 12 * H },
    });
  });

  it("waits, never sends early: the delay counts from the conversation's newest message", () => {
    expect(planFollowUp(facts({ now: T0 + 6 * H - 1 }), chain)).toEqual({
      kind: "wait",
      until: T0 + 6 * H,
    });
    // Something newer was sent meanwhile (a template by an agent, say): the delay restarts.
    expect(planFollowUp(facts({ lastMessageAt: T0 + H }), chain)).toEqual({
      kind: "wait",
      until: T0 + 7 * H,
    });
  });

  it("runs the final action after sending, and schedules the next follow-up too", () => {
    const plan = planFollowUp(facts({ index: 1, now: T0 + 12 * H }), chain);
    expect(plan).toEqual({
      kind: "send",
      text: "Kami tutup percakapan ini ya.",
      action: { action: "set_lifecycle_stage", stage: "Cold Lead" },
      next: { index: 2, runAt: T0 + 36 * H },
    });
  });

  it("ends the chain after the last one, and after a close even if more are configured", () => {
    const last = planFollowUp(
      facts({ index: 2, now: T0 + 23 * H, lastMessageAt: T0 - H, windowEndsAt: T0 + 24 * H }),
      chain,
    );
    expect(last).toMatchObject({ kind: "send", next: null });
    expect(last.kind === "send" && last.action).toEqual({
      action: "close_conversation",
      summary: "Closed automatically: no answer from the customer after follow-up 3 of 3.",
    });
    const closeFirst: FollowUp[] = [
      step("1h", "a", { action: "close_conversation" }),
      { after: "1h", message: "b" },
    ];
    expect(planFollowUp(facts({ now: T0 + H }), closeFirst)).toMatchObject({
      kind: "send",
      next: null,
    });
  });

  it("is cancelled by a customer message newer than the anchor", () => {
    expect(planFollowUp(facts({ lastCustomerMessageId: 11 }), chain)).toEqual({
      kind: "cancel",
      reason: "customer_replied",
    });
    // No customer message at all when scheduled, one now.
    expect(
      planFollowUp(facts({ anchorMessageId: null, lastCustomerMessageId: 1 }), chain),
    ).toMatchObject({ reason: "customer_replied" });
  });

  it("is cancelled by a close, a handoff, a person's involvement and an opt-out", () => {
    const reason = (over: Partial<FollowUpFacts>) => {
      const p = planFollowUp(facts(over), chain);
      return p.kind === "cancel" ? p.reason : p.kind;
    };
    expect(reason({ state: "closed" })).toBe("closed");
    expect(reason({ state: "escalated" })).toBe("person_involved");
    expect(reason({ state: "agent" })).toBe("person_involved");
    // Handed back to the AI since: still not this chain's business.
    expect(reason({ personInvolved: true })).toBe("person_involved");
    expect(reason({ optedOut: true })).toBe("opted_out");
    // Cancellation wins over "too early" and over the window.
    expect(reason({ optedOut: true, now: T0, windowEndsAt: T0 })).toBe("opted_out");
  });

  it("skips the text after the window (and just before it closes) but keeps the final action", () => {
    const after = planFollowUp(
      facts({ index: 1, now: T0 + 30 * H, windowEndsAt: T0 + 24 * H }),
      chain,
    );
    expect(after).toEqual({
      kind: "skip",
      text: "Kami tutup percakapan ini ya.",
      action: { action: "set_lifecycle_stage", stage: "Cold Lead" },
      next: { index: 2, runAt: T0 + 54 * H },
    });
    const edge = T0 + 24 * H;
    expect(
      planFollowUp(facts({ now: edge - FOLLOW_UP_WINDOW_MARGIN_MS, windowEndsAt: edge }), chain)
        .kind,
    ).toBe("skip");
    expect(
      planFollowUp(facts({ now: edge - FOLLOW_UP_WINDOW_MARGIN_MS - 1, windowEndsAt: edge }), chain)
        .kind,
    ).toBe("send");
    expect(planFollowUp(facts({ windowEndsAt: null }), chain).kind).toBe("skip");
  });

  it("never goes past five follow-ups or past the configuration", () => {
    const six: FollowUp[] = Array.from({ length: 6 }, (_, i) => ({
      after: "1h",
      message: `#${i + 1}`,
    }));
    expect(planFollowUp(facts({ index: 4, now: T0 + H }), six)).toMatchObject({
      kind: "send",
      text: "#5",
      next: null,
    });
    expect(planFollowUp(facts({ index: 5, now: T0 + H }), six)).toEqual({
      kind: "cancel",
      reason: "not_configured",
    });
    // The prompt changed since the job was queued: fewer follow-ups now.
    expect(planFollowUp(facts({ index: 3 }), chain)).toMatchObject({ reason: "not_configured" });
    expect(planFollowUp(facts({ index: -1 }), chain)).toMatchObject({ reason: "not_configured" });
    expect(planFollowUp(facts(), [])).toMatchObject({ reason: "not_configured" });
  });

  it("is deterministic", () => {
    expect(planFollowUp(facts(), chain)).toEqual(planFollowUp(facts(), chain));
  });
});

describe("delays and actions", () => {
  it("reads the configured delays", () => {
    expect(chain.map(followUpDelayMs)).toEqual([6 * H, 12 * H, 24 * H]);
    expect(() => followUpDelayMs({ after: "soon", message: "x" })).toThrow(/invalid/);
    expect(firstFollowUpAt(chain, T0)).toBe(T0 + 6 * H);
    expect(firstFollowUpAt([], T0)).toBeNull();
  });

  it("turns `then` into the agent.action request", () => {
    expect(followUpAction(chain[0]!, 0, 3)).toBeNull();
    expect(followUpAction(chain[1]!, 1, 3)).toEqual({
      action: "set_lifecycle_stage",
      stage: "Cold Lead",
    });
    expect(followUpAction(chain[2]!, 2, 3)).toMatchObject({ action: "close_conversation" });
  });
});
