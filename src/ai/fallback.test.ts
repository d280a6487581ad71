import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { type DecisionResult, type ModelPort, ModelUnavailableError } from "./anthropic-client.ts";
import type { CallRecord } from "./call-log.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import { NO_USAGE } from "./cost.ts";
import type { Decision } from "./decision.ts";
import { type AnswerRequest, answerWithFallback } from "./fallback.ts";

const ok = (d: Partial<Decision> = {}): DecisionResult => ({
  outcome: "ok",
  decision: {
    reply: "jawaban",
    handoff: false,
    reason: "answered_from_knowledge",
    confidence: 0.9,
    language: "id",
    needsSmart: false,
    ...d,
  },
  usage: { ...NO_USAGE, inputTokens: 100, outputTokens: 10 },
  latencyMs: 1,
});
const down = () => new ModelUnavailableError("overloaded", 529, 1);

/** A model answering from a script per tier (haiku = fast, sonnet = smart). */
function fake(script: Record<"fast" | "smart", (DecisionResult | Error)[]>): ModelPort & {
  seen: string[];
} {
  const seen: string[] = [];
  return {
    seen,
    async decide(req) {
      const tier = req.model.includes("haiku") ? "fast" : "smart";
      seen.push(tier);
      const next = script[tier].shift();
      if (!next) throw new Error(`unexpected ${tier} call`);
      if (next instanceof Error) throw next;
      return next;
    },
    async text() {
      throw new Error("not used");
    },
  };
}

function run(model: ModelPort | null, over: Partial<AnswerRequest> = {}, breakerFailures = 5) {
  const calls: CallRecord[] = [];
  const breakers = {
    fast: new CircuitBreaker({ failures: breakerFailures, cooldownMs: 60_000 }),
    smart: new CircuitBreaker({ failures: breakerFailures, cooldownMs: 60_000 }),
  };
  const p = answerWithFallback(
    {
      model,
      models: { fast: "claude-haiku-5-5", smart: "claude-sonnet-5-5" },
      breakers,
      threshold: 0.6,
      logger: createLogger("silent"),
    },
    {
      prompt: { system: [], messages: [] },
      firstTier: "fast",
      language: "id",
      kbAnswer: null,
      cachedAnswer: () => null,
      signal: new AbortController().signal,
      onCall: (c) => calls.push(c),
      ...over,
    },
  );
  return { p, calls, breakers };
}

describe("fallback chain", () => {
  it("escalates to the smart tier when the fast tier asks, and keeps the fast answer if smart fails", async () => {
    const m = fake({ fast: [ok({ needsSmart: true, confidence: 0.7 })], smart: [down()] });
    const { p, calls } = run(m);
    expect(await p).toMatchObject({ kind: "reply", source: "fast", confidence: 0.7 });
    expect(m.seen).toEqual(["fast", "smart"]);
    expect(calls.map((c) => c.outcome)).toEqual(["ok", "error"]);
    expect(calls[0]!.costUsd).toBeGreaterThan(0);
  });

  it("starts on the smart tier when routed there, falling back to fast", async () => {
    const m = fake({ fast: [ok({ reply: "dari fast" })], smart: [down()] });
    expect(await run(m, { firstTier: "smart" }).p).toMatchObject({ text: "dari fast" });
    expect(m.seen).toEqual(["smart", "fast"]);
  });

  it("then the knowledge base, then the answer cache, then a handoff", async () => {
    const failing = () => fake({ fast: [down()], smart: [down()] });
    expect(await run(failing(), { kbAnswer: "dari KB" }).p).toMatchObject({
      kind: "reply",
      source: "kb",
      text: "dari KB",
    });
    expect(await run(failing(), { cachedAnswer: () => "dari cache" }).p).toMatchObject({
      source: "cache",
    });
    expect(await run(failing()).p).toMatchObject({
      kind: "handoff",
      reason: "model_unavailable",
      notice: "unavailable",
    });
    expect(await run(null).p).toMatchObject({ kind: "handoff", reason: "offline" });
  });

  it("skips a tier whose breaker is open", async () => {
    const m = fake({ fast: [down()], smart: [down()] });
    const first = run(m, {}, 1);
    await first.p;
    expect(first.breakers.fast.state).toBe("open");
    const m2 = fake({ fast: [], smart: [] });
    const again = answerWithFallback(
      {
        model: m2,
        models: { fast: "claude-haiku-5-5", smart: "claude-sonnet-5-5" },
        breakers: first.breakers,
        threshold: 0.6,
        logger: createLogger("silent"),
      },
      {
        prompt: { system: [], messages: [] },
        firstTier: "fast",
        language: "en",
        kbAnswer: null,
        cachedAnswer: () => null,
        signal: new AbortController().signal,
        onCall: () => {},
      },
    );
    expect(await again).toMatchObject({
      kind: "handoff",
      detail: "fast: circuit open; smart: circuit open",
    });
    expect(m2.seen).toEqual([]);
  });

  it("rethrows anything that is not an API failure (e.g. the job being aborted)", async () => {
    const m = fake({ fast: [new Error("aborted")], smart: [] });
    await expect(run(m).p).rejects.toThrow("aborted");
  });
});
