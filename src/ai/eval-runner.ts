import { loadAiConfig } from "../config.ts";
import type { ModelRunner } from "../eval/run.ts";
import { createLogger } from "../logger.ts";
import { createAnthropicModel } from "./anthropic-client.ts";
import { createKnowledgeBase } from "./knowledge-base.ts";
import { loadBusinessPrompt } from "./prompt-file.ts";
import { createStandaloneAnswerer } from "./standalone.ts";

/**
 * The model runner of `npm run eval` (without `--offline`): each golden message goes through the
 * responder's decision path (triggers, router, prompt with the business prompt and knowledge,
 * fast → smart escalation, fallback chain) against the configured Anthropic API. Undefined
 * without ANTHROPIC_API_KEY.
 */
export function createEvalRunner(
  env: Readonly<Record<string, string | undefined>>,
): ModelRunner | undefined {
  const { anthropic, ai } = loadAiConfig(env);
  if (!anthropic.apiKey) return undefined;
  const logger = createLogger("silent");
  const answer = createStandaloneAnswerer({
    model: createAnthropicModel({
      apiKey: anthropic.apiKey,
      baseUrl: anthropic.baseUrl,
      timeoutMs: ai.timeoutMs,
      maxRetries: ai.maxRetries,
    }),
    business: loadBusinessPrompt(ai.promptFile),
    kb: createKnowledgeBase({ dir: ai.knowledgeDir, logger }),
    models: { fast: anthropic.modelFast, smart: anthropic.modelSmart },
    threshold: ai.confidenceThreshold,
    logger,
  });
  return async (message) => {
    const r = await answer(message.text, { language: message.lang });
    const lastOk = [...r.calls].reverse().find((c) => c.outcome === "ok" && c.purpose === "answer");
    return {
      latencyMs: r.latencyMs,
      costUsd: r.costUsd,
      tier: lastOk?.tier ?? r.routedTier ?? "fast",
      handoff: r.trigger === "human_request" || r.outcome?.kind === "handoff",
    };
  };
}
