import { describe, expect, it } from "vitest";
import { aiMayAnswer, canTransition } from "./conversation.ts";

describe("conversation states", () => {
  it("follows the handoff path and back", () => {
    expect(canTransition("bot", "escalated")).toBe(true);
    expect(canTransition("escalated", "agent")).toBe(true);
    expect(canTransition("agent", "bot")).toBe(true);
    expect(canTransition("escalated", "bot")).toBe(true);
    expect(canTransition("agent", "closed")).toBe(true);
  });

  it("never reopens a closed conversation", () => {
    for (const to of ["bot", "escalated", "agent"] as const)
      expect(canTransition("closed", to)).toBe(false);
  });

  it("lets the AI answer only in the bot state", () => {
    expect(aiMayAnswer("bot")).toBe(true);
    expect(aiMayAnswer("escalated")).toBe(false);
    expect(aiMayAnswer("agent")).toBe(false);
    expect(aiMayAnswer("closed")).toBe(false);
  });
});
