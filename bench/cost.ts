// Model cost of the tiered responder against answering everything with the smart tier.
// Replays the golden set (eval/golden.jsonl) through the responder's decision path
// (triggers, router, the real prompt with business prompt + knowledge and prompt caching, fast →
// smart escalation) against the Anthropic emulator, which reports realistic token usage (about
// 4 characters a token, cached prefix included) and prices each call with src/ai/pricing.ts.
// Usage: npm run bench:cost [-- --json] [--file PATH]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAnthropicModel } from "../src/ai/anthropic-client.ts";
import type { CallRecord, Tier } from "../src/ai/call-log.ts";
import { createKnowledgeBase } from "../src/ai/knowledge-base.ts";
import { loadBusinessPrompt } from "../src/ai/prompt-file.ts";
import { createStandaloneAnswerer } from "../src/ai/standalone.ts";
import { type ParsedRequest, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { createLogger } from "../src/logger.ts";

const root = join(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    file: { type: "string", default: join(root, "eval/golden.jsonl") },
  },
});

interface Golden {
  id: string;
  lang: "id" | "en";
  text: string;
}

const golden: Golden[] = readFileSync(args.file!, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

const MODELS: Record<Tier, string> = { fast: "claude-haiku-5-5", smart: "claude-sonnet-5-5" };

/**
 * A stand-in for the model's judgement, so that the emulator answers like a model would in size:
 * the reply is the best knowledge entry in the prompt (a realistic WhatsApp-sized answer), and the
 * fast tier asks for the smart one on long, multi-part messages.
 */
function emulatedModel(req: ParsedRequest) {
  const customer = /<customer>\n([\s\S]*?)\n<\/customer>/.exec(req.lastUserText)?.[1] ?? "";
  const match = /# Knowledge entries that best match the message\nQ: .*\nA: (.*)/.exec(
    req.systemText,
  );
  const fast = req.model.includes("haiku");
  const complex = customer.length > 160 || (customer.match(/\?/g)?.length ?? 0) > 1;
  return {
    json: {
      reply:
        match?.[1] ??
        "Terima kasih sudah menghubungi kami, Kak. Pertanyaan ini saya teruskan ke tim kami supaya dijawab dengan tepat ya.",
      handoff: !match,
      reason: match ? "answered_from_knowledge" : "missing_information",
      confidence: match ? 0.88 : 0.4,
      language: "id",
      needs_smart: fast && complex,
    },
  };
}

interface Totals {
  messages: number;
  turnsWithModel: number;
  calls: number;
  escalations: number;
  inputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  costUsd: number;
  byTier: Record<Tier, number>;
}

async function replay(mode: "tiered" | "smart-only"): Promise<Totals> {
  const emu = await startAnthropicEmulator();
  emu.respond(emulatedModel);
  const logger = createLogger("silent");
  const kb = createKnowledgeBase({ dir: join(root, "knowledge"), logger });
  const answer = createStandaloneAnswerer({
    model: createAnthropicModel({
      apiKey: emu.apiKey,
      baseUrl: emu.url,
      timeoutMs: 10_000,
      maxRetries: 0,
    }),
    business: loadBusinessPrompt(join(root, "prompts/business.example.md")),
    kb,
    models: MODELS,
    threshold: 0.6,
    logger,
  });
  const t: Totals = {
    messages: 0,
    turnsWithModel: 0,
    calls: 0,
    escalations: 0,
    inputTokens: 0,
    cacheWriteTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    byTier: { fast: 0, smart: 0 },
  };
  try {
    for (const m of golden) {
      t.messages++;
      const calls: CallRecord[] = (
        mode === "tiered"
          ? await answer(m.text, { language: m.lang })
          : // The naive design: every message straight to the smart model, no triggers, no router.
            await answer(m.text, { language: m.lang, forceTier: "smart", skipTriggers: true })
      ).calls;
      if (calls.length > 0) t.turnsWithModel++;
      if (calls.length > 1 && calls[0]!.tier === "fast") t.escalations++;
      for (const c of calls) {
        t.calls++;
        t.byTier[c.tier]++;
        t.inputTokens += c.usage.inputTokens;
        t.cacheWriteTokens += c.usage.cacheWriteTokens;
        t.cacheReadTokens += c.usage.cacheReadTokens;
        t.outputTokens += c.usage.outputTokens;
        t.costUsd += c.costUsd;
      }
    }
  } finally {
    kb.close();
    await emu.close();
  }
  return t;
}

const tiered = await replay("tiered");
const smartOnly = await replay("smart-only");

const per = (t: Totals) => ({
  callsPerTurn: t.calls / t.messages,
  callsPerModelTurn: t.turnsWithModel ? t.calls / t.turnsWithModel : 0,
  tokensPerMessage: {
    input: Math.round(t.inputTokens / t.messages),
    cacheWrite: Math.round(t.cacheWriteTokens / t.messages),
    cacheRead: Math.round(t.cacheReadTokens / t.messages),
    output: Math.round(t.outputTokens / t.messages),
  },
  usdPerMessage: t.costUsd / t.messages,
});
const result = {
  messages: tiered.messages,
  tiered: {
    ...per(tiered),
    calls: tiered.calls,
    byTier: tiered.byTier,
    escalations: tiered.escalations,
    modelTurns: tiered.turnsWithModel,
    totalUsd: tiered.costUsd,
  },
  smartOnly: { ...per(smartOnly), calls: smartOnly.calls, totalUsd: smartOnly.costUsd },
  savingsFactor: smartOnly.costUsd / tiered.costUsd,
  targets: { callsPerTurnMax: 1.25, savingsFactorMin: 2 },
};
const pass = result.tiered.callsPerModelTurn <= 1.25 && result.savingsFactor >= 2;

if (args.json) {
  console.log(JSON.stringify({ ...result, pass }));
} else {
  const r = result;
  const usd = (x: number) => `US$${x.toFixed(6)}`;
  const tok = (p: ReturnType<typeof per>["tokensPerMessage"]) =>
    `input ${p.input}, cache write ${p.cacheWrite}, cache read ${p.cacheRead}, output ${p.output}`;
  console.log(`golden messages: ${r.messages} (each the first turn of a new conversation)`);
  console.log("");
  console.log("tiered (triggers → router → fast, escalation to smart)");
  console.log(
    `  model calls: ${r.tiered.calls} (fast ${r.tiered.byTier.fast}, smart ${r.tiered.byTier.smart}) for ${r.tiered.modelTurns} turns that reached a model; ${r.tiered.escalations} fast → smart escalations`,
  );
  console.log(
    `  calls per turn: ${r.tiered.callsPerModelTurn.toFixed(3)} (model turns), ${r.tiered.callsPerTurn.toFixed(3)} (all turns)`,
  );
  console.log(`  tokens per message: ${tok(r.tiered.tokensPerMessage)}`);
  console.log(`  cost per message: ${usd(r.tiered.usdPerMessage)}`);
  console.log("");
  console.log("smart tier for everything");
  console.log(`  model calls: ${r.smartOnly.calls}`);
  console.log(`  tokens per message: ${tok(r.smartOnly.tokensPerMessage)}`);
  console.log(`  cost per message: ${usd(r.smartOnly.usdPerMessage)}`);
  console.log("");
  console.log(
    `tiered is ${r.savingsFactor.toFixed(1)}x cheaper per message (target ≥ 2x); ${r.tiered.callsPerModelTurn.toFixed(2)} calls per turn (target ≤ 1.25): ${pass ? "PASS" : "FAIL"}`,
  );
}
