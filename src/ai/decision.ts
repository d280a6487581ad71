import { z } from "zod";

/**
 * What the model answers, as a structured output (`output_config.format`). Numeric limits are not
 * enforced by the API, so `confidence` is clamped after parsing.
 */
export const decisionSchema = z.object({
  reply: z.string().describe("The WhatsApp reply to the customer, in their language."),
  handoff: z.boolean().describe("True when a human colleague must take over."),
  reason: z
    .string()
    .describe("Short English label of why: answered_from_knowledge, missing_information, ..."),
  confidence: z
    .number()
    .describe("0..1: how sure you are that the reply is correct and grounded in the knowledge."),
  language: z.enum(["id", "en"]).describe("Language of the reply: id (Indonesian) or en."),
  needs_smart: z
    .boolean()
    .describe("Fast tier only: true when the question needs the stronger model to answer well."),
});

export type RawDecision = z.infer<typeof decisionSchema>;

/** A decision after clamping and trimming. */
export interface Decision {
  reply: string;
  handoff: boolean;
  reason: string;
  confidence: number;
  language: "id" | "en";
  needsSmart: boolean;
}

export function clampConfidence(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return Math.min(1, Math.max(0, x));
}

export function normaliseDecision(raw: RawDecision): Decision {
  return {
    reply: raw.reply.trim(),
    handoff: raw.handoff,
    reason: raw.reason.trim().slice(0, 200) || "unspecified",
    confidence: clampConfidence(raw.confidence),
    language: raw.language,
    needsSmart: raw.needs_smart,
  };
}

/**
 * Whether a decision goes to a human: the model asked for it, its confidence is under the
 * threshold, or it produced no reply at all.
 */
export function shouldHandOff(d: Decision, threshold: number): boolean {
  return d.handoff || d.confidence < threshold || d.reply === "";
}
