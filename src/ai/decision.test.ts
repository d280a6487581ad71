import { zodOutputFormat } from "@anthropic-ai/sdk/helpers/zod";
import { describe, expect, it } from "vitest";
import { clampConfidence, decisionSchema, normaliseDecision, shouldHandOff } from "./decision.ts";

const raw = {
  reply: "  Buka jam 9, Kak.  ",
  handoff: false,
  reason: "answered_from_knowledge",
  confidence: 1.7,
  language: "id" as const,
  needs_smart: false,
};

describe("decision", () => {
  it("is a strict JSON schema the API accepts (all fields required, no extra properties)", () => {
    const { schema } = zodOutputFormat(decisionSchema);
    expect(schema).toMatchObject({ type: "object", additionalProperties: false });
    expect((schema as { required: string[] }).required.sort()).toEqual(
      ["confidence", "handoff", "language", "needs_smart", "reason", "reply"].sort(),
    );
  });

  it("clamps confidence to 0..1 and trims the reply", () => {
    expect(normaliseDecision(raw)).toMatchObject({ reply: "Buka jam 9, Kak.", confidence: 1 });
    expect(clampConfidence(-3)).toBe(0);
    expect(clampConfidence(Number.NaN)).toBe(0);
  });

  it("hands off on the flag, on low confidence, and on an empty reply", () => {
    const d = normaliseDecision({ ...raw, confidence: 0.8 });
    expect(shouldHandOff(d, 0.6)).toBe(false);
    expect(shouldHandOff({ ...d, handoff: true }, 0.6)).toBe(true);
    expect(shouldHandOff({ ...d, confidence: 0.59 }, 0.6)).toBe(true);
    expect(shouldHandOff({ ...d, reply: "" }, 0.6)).toBe(true);
  });
});
