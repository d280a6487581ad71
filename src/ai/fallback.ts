import type { Logger } from "../logger.ts";
import type { TurnTools } from "./agent-turn.ts";
import { type ModelPort, ModelUnavailableError } from "./anthropic-client.ts";
import { type CallRecord, failedCall, type Tier } from "./call-log.ts";
import type { CannedText, Lang } from "./canned.ts";
import type { CircuitBreaker } from "./circuit-breaker.ts";
import { costUsd } from "./cost.ts";
import { type Decision, shouldHandOff } from "./decision.ts";
import type { HandoffReason } from "./handoff.ts";
import type { BuiltPrompt } from "./prompt.ts";

/** What answers with the models. */
export interface AnswerEngine {
  /** Null in offline mode (no ANTHROPIC_API_KEY). */
  model: ModelPort | null;
  models: Record<Tier, string>;
  breakers: Record<Tier, CircuitBreaker>;
  /** AI_CONFIDENCE_THRESHOLD. */
  threshold: number;
  maxTokens?: number;
  logger: Logger;
}

export interface AnswerRequest {
  prompt: BuiltPrompt;
  /** The router's choice. */
  firstTier: Tier;
  language: Lang;
  /** A strong knowledge-base match to send verbatim when no model answers. */
  kbAnswer: string | null;
  /** A cached answer to the same question, looked up only when no model answers. */
  cachedAnswer: () => string | null;
  signal: AbortSignal;
  /** Called after every model call (to record usage and cost at once). */
  onCall: (c: CallRecord) => void;
  /** The agent's tools for this turn (its enabled actions); absent: the model only talks. */
  tools?: TurnTools | null;
}

export type AnswerOutcome =
  | {
      kind: "reply";
      text: string;
      source: Tier | "kb" | "cache";
      confidence: number | null;
      language: Lang;
      reason: string;
    }
  | {
      kind: "handoff";
      reason: HandoffReason;
      detail: string | null;
      confidence: number | null;
      language: Lang;
      /** What the customer is told. */
      notice: CannedText;
    };

export const DEFAULT_MAX_TOKENS = 700;

/**
 * Rounds of tool calls answered per tier in one turn; a model still calling tools after them has
 * not decided, which counts as an unusable answer (the next stage of the chain takes over).
 */
export const MAX_TOOL_ROUNDS = 2;

/**
 * The fallback chain of one turn:
 * 1. the router's tier (the SDK retries 429/5xx/timeouts itself, with a chat-sized timeout);
 *    a fast-tier answer flagged `needs_smart` is retried on the smart tier;
 * 2. on failure (API error after retries, refusal, max_tokens, output not matching the schema)
 *    or an open circuit breaker, the other tier;
 * 3. a strong knowledge-base match, answered verbatim;
 * 4. a cached answer to the same question;
 * 5. a handoff, with a graceful message to the customer.
 * A decision with `handoff` or a confidence under the threshold is a handoff, not a reply.
 *
 * With tools (the agent's actions), a tier's answer may be tool calls instead of a decision:
 * `req.tools.run` checks and collects them and returns the tool results, which are sent back in
 * a follow-up call (every call recorded through `onCall` like any other), at most
 * MAX_TOOL_ROUNDS times per tier.
 */
export async function answerWithFallback(
  engine: AnswerEngine,
  req: AnswerRequest,
): Promise<AnswerOutcome> {
  const order: Tier[] = req.firstTier === "fast" ? ["fast", "smart"] : ["smart", "fast"];
  const failures: string[] = [];
  let escalated: Decision | null = null;

  if (engine.model) {
    for (const tier of order) {
      const breaker = engine.breakers[tier];
      if (!breaker.allow()) {
        failures.push(`${tier}: circuit open`);
        continue;
      }
      const model = engine.models[tier];
      let result: Awaited<ReturnType<ModelPort["decide"]>>;
      let messages = req.prompt.messages;
      let round = 0;
      try {
        for (;;) {
          result = await engine.model.decide(
            {
              ...req.prompt,
              messages,
              model,
              maxTokens: engine.maxTokens ?? DEFAULT_MAX_TOKENS,
              ...(req.tools ? { tools: req.tools.defs } : {}),
            },
            req.signal,
          );
          if (result.outcome !== "tool_use") break;
          // A tool round is a successful call: recorded as `ok` (failure rates and the outage
          // return read `ok` as "the model answered").
          req.onCall({
            purpose: "answer",
            tier,
            model,
            outcome: "ok",
            usage: result.usage,
            costUsd: costUsd(model, result.usage),
            latencyMs: result.latencyMs,
            error: null,
          });
          if (!req.tools || round >= MAX_TOOL_ROUNDS) break;
          round++;
          engine.logger.info(
            { tier, round, tools: result.calls.map((c) => c.name) },
            "model called tools",
          );
          const results = req.tools.run(result.calls);
          messages = [
            ...messages,
            { role: "assistant", content: result.content },
            { role: "user", content: results },
          ];
        }
      } catch (err) {
        if (!(err instanceof ModelUnavailableError)) {
          breaker.abandon();
          throw err; // aborted (shutdown, lost lease): the turn job runs again
        }
        breaker.failure();
        req.onCall(failedCall("answer", tier, model, err));
        failures.push(`${tier}: ${err.status ?? "no answer"}`);
        engine.logger.warn({ tier, status: err.status, err: err.message }, "model call failed");
        continue;
      }
      breaker.success();
      if (result.outcome === "tool_use") {
        failures.push(`${tier}: still calling tools after ${round} round(s)`);
        engine.logger.warn({ tier, rounds: round }, "model kept calling tools: answer unusable");
        continue;
      }
      req.onCall({
        purpose: "answer",
        tier,
        model,
        outcome: result.outcome,
        usage: result.usage,
        costUsd: costUsd(model, result.usage),
        latencyMs: result.latencyMs,
        error: result.outcome === "ok" ? null : result.detail,
      });
      if (result.outcome !== "ok") {
        failures.push(`${tier}: ${result.outcome}`);
        engine.logger.warn({ tier, outcome: result.outcome }, "model answer unusable");
        continue;
      }
      const d = result.decision;
      if (tier === "fast" && order[0] === "fast" && d.needsSmart && !d.handoff) {
        escalated = d;
        continue;
      }
      return fromDecision(d, tier, engine.threshold);
    }
    // The smart tier failed after the fast tier asked for it: the fast answer still stands on
    // its own confidence.
    if (escalated) return fromDecision(escalated, "fast", engine.threshold);
  }

  if (req.kbAnswer) {
    return {
      kind: "reply",
      text: req.kbAnswer,
      source: "kb",
      confidence: null,
      language: req.language,
      reason: "knowledge_base_match",
    };
  }
  const cached = req.cachedAnswer();
  if (cached) {
    return {
      kind: "reply",
      text: cached,
      source: "cache",
      confidence: null,
      language: req.language,
      reason: "answer_cache",
    };
  }
  return engine.model
    ? {
        kind: "handoff",
        reason: "model_unavailable",
        detail: failures.join("; ") || null,
        confidence: null,
        language: req.language,
        notice: "unavailable",
      }
    : {
        kind: "handoff",
        reason: "offline",
        detail: "no ANTHROPIC_API_KEY and no strong knowledge-base match",
        confidence: null,
        language: req.language,
        notice: "handoff",
      };
}

function fromDecision(d: Decision, tier: Tier, threshold: number): AnswerOutcome {
  if (shouldHandOff(d, threshold)) {
    return {
      kind: "handoff",
      reason: d.handoff ? "model_decision" : "low_confidence",
      detail: d.reason,
      confidence: d.confidence,
      language: d.language,
      notice: "handoff",
    };
  }
  return {
    kind: "reply",
    text: d.reply,
    source: tier,
    confidence: d.confidence,
    language: d.language,
    reason: d.reason,
  };
}
