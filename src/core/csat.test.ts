import { describe, expect, it } from "vitest";
import {
  type CsatAskFacts,
  csatButtonId,
  csatLabel,
  csatQuestion,
  csatTapOf,
  csatThanks,
  decideCsatAsk,
  decideCsatTap,
  parseCsatButtonId,
  sameCustomer,
} from "./csat.ts";
import type { BsuId, WaId } from "./ids.ts";

const NOW = 1_700_000_000_000;
const ask: CsatAskFacts = {
  enabled: true,
  humanHandled: true,
  windowEndsAt: NOW + 3_600_000,
  optedOut: false,
  alreadyAsked: false,
};

describe("decideCsatAsk", () => {
  it("asks after a conversation a person handled, inside the window", () => {
    expect(decideCsatAsk(ask, NOW)).toEqual({ ask: true });
  });

  it("does not ask when switched off, bot-only, asked before, opted out or after the window", () => {
    expect(decideCsatAsk({ ...ask, enabled: false }, NOW)).toEqual({ ask: false, why: "disabled" });
    expect(decideCsatAsk({ ...ask, humanHandled: false }, NOW)).toEqual({
      ask: false,
      why: "not_human_handled",
    });
    expect(decideCsatAsk({ ...ask, alreadyAsked: true }, NOW)).toEqual({
      ask: false,
      why: "asked",
    });
    expect(decideCsatAsk({ ...ask, optedOut: true }, NOW)).toEqual({
      ask: false,
      why: "opted_out",
    });
    expect(decideCsatAsk({ ...ask, windowEndsAt: NOW }, NOW)).toEqual({
      ask: false,
      why: "window_closed",
    });
    expect(decideCsatAsk({ ...ask, windowEndsAt: null }, NOW)).toEqual({
      ask: false,
      why: "window_closed",
    });
  });
});

describe("survey buttons", () => {
  it("offers three buttons, best first, in the customer's language, within WhatsApp's limits", () => {
    for (const language of ["id", "en"] as const) {
      const q = csatQuestion(42, language);
      expect(q.buttons.map((b) => b.id)).toEqual(["csat:42:3", "csat:42:2", "csat:42:1"]);
      expect(q.buttons).toHaveLength(3);
      expect(new Set(q.buttons.map((b) => b.title)).size).toBe(3);
      for (const b of q.buttons) {
        expect([...b.title].length).toBeLessThanOrEqual(20);
        expect(b.id.length).toBeLessThanOrEqual(256);
      }
      expect(q.body.length).toBeGreaterThan(0);
      expect(q.body.length).toBeLessThanOrEqual(1024);
    }
    expect(csatQuestion(7, "id").buttons.map((b) => b.title)).toEqual([
      "😊 Puas",
      "😐 Biasa",
      "😞 Kecewa",
    ]);
    expect(csatQuestion(7, "en").buttons.map((b) => b.title)).toEqual([
      "😊 Good",
      "😐 Okay",
      "😞 Poor",
    ]);
    expect(csatThanks("id")).toContain("Terima kasih");
    expect(csatThanks("en")).toContain("Thank you");
    expect(csatLabel(3)).toBe("😊 Good");
  });

  it("parses its own ids back", () => {
    for (const score of [1, 2, 3] as const) {
      expect(parseCsatButtonId(csatButtonId(123_456, score))).toEqual({
        conversationId: 123_456,
        score,
      });
    }
  });

  it("rejects foreign and malformed ids", () => {
    for (const id of [
      "",
      "csat",
      "csat:",
      "csat:12",
      "csat:12:",
      "csat:12:0",
      "csat:12:4",
      "csat:12:33",
      "csat:0:3",
      "csat:-1:3",
      "csat:012:3",
      "csat:1.5:3",
      "csat:abc:3",
      "csat:12:3:extra",
      " csat:12:3",
      "csat:12:3\n",
      "CSAT:12:3",
      "csat:1234567890123456:3",
      "order:12:3",
      "yes",
    ]) {
      expect(parseCsatButtonId(id), id).toBeNull();
    }
  });

  it("takes only button replies outside groups as taps", () => {
    const tap = { kind: "button_reply" as const, id: "csat:9:1", title: "😞 Poor" };
    expect(csatTapOf(tap, null)).toEqual({ conversationId: 9, score: 1 });
    expect(csatTapOf(tap, "group-1")).toBeNull();
    expect(csatTapOf({ kind: "text", body: "csat:9:1" }, null)).toBeNull();
    expect(
      csatTapOf({ kind: "list_reply", id: "csat:9:1", title: "x", description: null }, null),
    ).toBeNull();
    expect(csatTapOf({ ...tap, id: "menu:refund" }, null)).toBeNull();
  });
});

describe("sameCustomer", () => {
  const sender = (waId: string | null, userId: string | null) => ({
    waId: waId as WaId | null,
    userId: userId as BsuId | null,
    profileName: null,
  });

  it("matches on the phone number or on the business-scoped user id", () => {
    expect(sameCustomer({ waId: "628111", userId: null }, sender("628111", null))).toBe(true);
    expect(sameCustomer({ waId: null, userId: "US.1" }, sender(null, "US.1"))).toBe(true);
    expect(sameCustomer({ waId: "628111", userId: "US.1" }, sender(null, "US.1"))).toBe(true);
  });

  it("refuses another customer, and never matches on two missing ids", () => {
    expect(sameCustomer({ waId: "628111", userId: null }, sender("628222", null))).toBe(false);
    expect(sameCustomer({ waId: null, userId: null }, sender(null, null))).toBe(false);
    expect(sameCustomer({ waId: null, userId: "US.1" }, sender("628111", "US.2"))).toBe(false);
  });
});

describe("decideCsatTap", () => {
  it("rates on the first tap and thanks once", () => {
    expect(decideCsatTap(3, { survey: { rating: null }, optedOut: false })).toEqual({
      action: "rate",
      score: 3,
      thank: true,
    });
  });

  it("keeps the rating but sends nothing to a customer who opted out", () => {
    expect(decideCsatTap(1, { survey: { rating: null }, optedOut: true })).toEqual({
      action: "rate",
      score: 1,
      thank: false,
    });
  });

  it("changes nothing and thanks nobody on a later tap: the first tap wins", () => {
    expect(decideCsatTap(1, { survey: { rating: 3 }, optedOut: false })).toEqual({
      action: "again",
    });
    expect(decideCsatTap(3, { survey: { rating: 3 }, optedOut: false })).toEqual({
      action: "again",
    });
  });

  it("leaves a tap naming no survey of this customer to the normal message path", () => {
    expect(decideCsatTap(2, { survey: null, optedOut: false })).toEqual({ action: "not_ours" });
  });
});
