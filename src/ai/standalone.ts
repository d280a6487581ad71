import { analysisText } from "../core/analysis-text.ts";
import { detectLanguage } from "../core/language.ts";
import { routeTier } from "../core/router.ts";
import { detectTriggers } from "../core/triggers.ts";
import type { Logger } from "../logger.ts";
import type { ModelPort } from "./anthropic-client.ts";
import type { CallRecord, Tier } from "./call-log.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import { type AnswerOutcome, answerWithFallback } from "./fallback.ts";
import type { KnowledgeBase } from "./knowledge-base.ts";
import { buildPrompt, KB_INLINE_MAX_CHARS } from "./prompt.ts";
import type { BusinessPrompt } from "./prompt-file.ts";

export interface StandaloneDeps {
  model: ModelPort | null;
  business: BusinessPrompt;
  kb: KnowledgeBase;
  models: Record<Tier, string>;
  threshold: number;
  logger: Logger;
}

/** What one message, as the first of a new conversation, led to. */
export interface StandaloneResult {
  /** Null when a deterministic trigger decided before any model (person requested, opt-out). */
  outcome: AnswerOutcome | null;
  trigger: "human_request" | "opt_out" | null;
  /** The router's tier (null when a trigger decided). */
  routedTier: Tier | null;
  calls: CallRecord[];
  costUsd: number;
  latencyMs: number;
}

/**
 * The responder's decision path for one message without a database: triggers, router, prompt
 * (same prompt, knowledge and caching as the service) and the fallback chain. Used by
 * `npm run eval` (model mode) and `npm run bench:cost`.
 */
export function createStandaloneAnswerer(deps: StandaloneDeps) {
  const breakers = {
    fast: new CircuitBreaker({ failures: 5, cooldownMs: 30_000 }),
    smart: new CircuitBreaker({ failures: 5, cooldownMs: 30_000 }),
  };
  return async (
    text: string,
    opts: {
      language?: "id" | "en";
      /** Skip the router (e.g. the smart-only baseline of bench/cost). */
      forceTier?: Tier;
      /** Skip the deterministic triggers (the baseline sends every message to a model). */
      skipTriggers?: boolean;
      signal?: AbortSignal;
    } = {},
  ): Promise<StandaloneResult> => {
    const started = performance.now();
    const calls: CallRecord[] = [];
    const t = opts.skipTriggers
      ? { optOut: null, humanRequest: null, injection: null }
      : detectTriggers(text);
    const done = (
      outcome: AnswerOutcome | null,
      trigger: StandaloneResult["trigger"],
      tier: Tier | null,
    ) => ({
      outcome,
      trigger,
      routedTier: tier,
      calls,
      costUsd: calls.reduce((s, c) => s + c.costUsd, 0),
      latencyMs: Math.round(performance.now() - started),
    });
    if (t.optOut) return done(null, "opt_out", null);
    if (t.humanRequest) return done(null, "human_request", null);
    const language = opts.language ?? detectLanguage(text, "id");
    const tier =
      opts.forceTier ??
      routeTier({ text, turnCount: 1, previousLowConfidence: false, hasMedia: false }).tier;
    const prompt = buildPrompt({
      business: deps.business,
      contact: { profileName: null, waId: null, userId: null },
      language,
      knowledge: deps.kb.fullText(KB_INLINE_MAX_CHARS),
      hits: deps.kb.search(analysisText(text), { limit: 3, language }),
      summary: null,
      previousSummary: null,
      history: [],
      turn: [{ type: "text", text }],
      firstReply: true,
      injection: t.injection?.evidence ?? null,
      now: Date.now(),
    });
    const outcome = await answerWithFallback(
      {
        model: deps.model,
        models: deps.models,
        breakers,
        threshold: deps.threshold,
        logger: deps.logger,
      },
      {
        prompt,
        firstTier: tier,
        language,
        kbAnswer: deps.kb.strongMatch(analysisText(text), language)?.entry.answer ?? null,
        cachedAnswer: () => null,
        signal: opts.signal ?? new AbortController().signal,
        onCall: (c) => calls.push(c),
      },
    );
    return done(outcome, null, tier);
  };
}
