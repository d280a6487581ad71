import { describe, expect, it } from "vitest";
import { type EventFacts, type EventTarget, planEvent, quote } from "./events.ts";
import type { WaId, WaMessageId } from "./ids.ts";

const target = (over: Partial<EventTarget> = {}): EventTarget => ({
  direction: "in",
  author: null,
  kind: "text",
  text: "pesanan INV-1 belum sampai",
  slack: { channel: "C1", ts: "1.2" },
  ...over,
});
const facts = (over: Partial<EventFacts> = {}): EventFacts => ({
  state: "agent",
  hasThread: true,
  target: target(),
  previousEmoji: null,
  newNumberTaken: false,
  ...over,
});
const W = "wamid.C1" as WaMessageId;

describe("planEvent", () => {
  it("shows nothing while the AI owns the conversation, or without a thread", () => {
    const reaction = { kind: "reaction", targetId: W, emoji: "👍" } as const;
    expect(planEvent(reaction, facts({ state: "bot" })).show).toBeNull();
    expect(planEvent(reaction, facts({ state: "closed" })).show).toBeNull();
    expect(planEvent(reaction, facts({ hasThread: false })).show).toBeNull();
  });

  it("puts a reaction on the Slack message showing its target, with a note to fall back on", () => {
    expect(planEvent({ kind: "reaction", targetId: W, emoji: "👍" }, facts()).show).toEqual({
      type: "react",
      channel: "C1",
      ts: "1.2",
      emoji: "👍",
      fallback: "👍 The customer reacted to their message “pesanan INV-1 belum sampai”",
    });
  });

  it("takes a reaction back only when it knows which emoji it was", () => {
    const removed = { kind: "reaction", targetId: W, emoji: null } as const;
    expect(planEvent(removed, facts({ previousEmoji: "👍" })).show).toMatchObject({
      type: "unreact",
      emoji: "👍",
    });
    expect(planEvent(removed, facts()).show).toMatchObject({ type: "note" });
    expect(planEvent(removed, facts({ target: null })).show).toBeNull();
  });

  it("quotes a target Slack never showed (the AI's answer) in a note", () => {
    const plan = planEvent(
      { kind: "reaction", targetId: W, emoji: "🙏" },
      facts({
        target: target({ direction: "out", author: "bot", slack: null, text: "Buka 09.00" }),
      }),
    );
    expect(plan.show).toEqual({
      type: "note",
      text: "🙏 The customer reacted to the AI's message “Buka 09.00”",
    });
  });

  it("redraws a mirrored message edited or deleted, and notes one that is not mirrored", () => {
    expect(planEvent({ kind: "edit", targetId: W, newText: "INV-2" }, facts()).show).toEqual({
      type: "mark",
      channel: "C1",
      ts: "1.2",
      mark: { editedTo: "INV-2" },
    });
    expect(planEvent({ kind: "revoke", targetId: W }, facts()).show).toMatchObject({
      type: "mark",
      mark: { deleted: true },
    });
    expect(planEvent({ kind: "revoke", targetId: null }, facts({ target: null })).show).toEqual({
      type: "note",
      text: "🗑️ The customer deleted a message on WhatsApp.",
    });
  });

  it("follows a number change unless another contact already has the number", () => {
    const change = {
      kind: "number_change",
      newWaId: "628123" as WaId,
      newUserId: null,
      body: null,
    } as const;
    expect(planEvent(change, facts()).moveContactTo).toBe("628123");
    expect(planEvent(change, facts({ state: "bot", hasThread: false })).moveContactTo).toBe(
      "628123",
    );
    const taken = planEvent(change, facts({ newNumberTaken: true }));
    expect(taken.moveContactTo).toBeNull();
    expect(taken.show).toMatchObject({ type: "note", text: expect.stringContaining("could not") });
  });

  it("never plans a turn, a window refresh or a reply: a plan has no such fields", () => {
    const plan = planEvent(
      { kind: "unsupported", originalType: "poll", errorCode: null, errorTitle: null },
      facts(),
    );
    expect(Object.keys(plan).sort()).toEqual(["moveContactTo", "show"]);
  });

  it("keeps an unknown type's name harmless in the note", () => {
    const plan = planEvent(
      { kind: "unsupported", originalType: "<!channel>", errorCode: null, errorTitle: null },
      facts(),
    );
    expect(JSON.stringify(plan.show)).not.toContain("<!");
  });
});

describe("quote", () => {
  it("makes one short line", () => {
    expect(quote("a\n  b")).toBe("“a b”");
    expect(quote("x".repeat(500)).length).toBeLessThanOrEqual(122);
  });
});
