import type { RawDecision } from "../../src/ai/decision.ts";

/**
 * The Anthropic emulator's answer carrying the model's structured decision: a confident reply
 * by default, `over` changing any field (a lower confidence, a handoff...).
 */
export function decision(reply: string, over: Partial<RawDecision> = {}): { json: RawDecision } {
  return {
    json: {
      reply,
      handoff: false,
      reason: "answered",
      confidence: 0.9,
      language: "id",
      needs_smart: false,
      ...over,
    } as RawDecision,
  };
}
