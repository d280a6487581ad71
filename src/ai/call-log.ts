import { eq, sql } from "drizzle-orm";
import type { ConversationId, MessageId } from "../core/ids.ts";
import type { Db } from "../store/db.ts";
import { aiCalls, conversations } from "../store/schema.ts";
import { inTransaction } from "../store/tx.ts";
import type { ModelUnavailableError, TextResult } from "./anthropic-client.ts";
import { costUsd, NO_USAGE, type TokenUsage } from "./cost.ts";

export type Tier = "fast" | "smart";

/** One model call as the responder saw it. */
export interface CallRecord {
  purpose: "answer" | "summary";
  tier: Tier;
  model: string;
  /** ok | error | refusal | max_tokens | malformed */
  outcome: string;
  usage: TokenUsage;
  costUsd: number;
  latencyMs: number;
  error: string | null;
}

/** The record of a free-text call that returned (`max_tokens` when the text was cut off). */
export function textCall(
  purpose: CallRecord["purpose"],
  tier: Tier,
  model: string,
  r: Pick<TextResult, "ok" | "usage" | "latencyMs">,
): CallRecord {
  return {
    purpose,
    tier,
    model,
    outcome: r.ok ? "ok" : "max_tokens",
    usage: r.usage,
    costUsd: costUsd(model, r.usage),
    latencyMs: r.latencyMs,
    error: null,
  };
}

/** The record of a call the API did not answer (ModelUnavailableError): nothing spent. */
export function failedCall(
  purpose: CallRecord["purpose"],
  tier: Tier,
  model: string,
  err: Pick<ModelUnavailableError, "latencyMs" | "message">,
): CallRecord {
  return {
    purpose,
    tier,
    model,
    outcome: "error",
    usage: NO_USAGE,
    costUsd: 0,
    latencyMs: err.latencyMs,
    error: err.message.slice(0, 500),
  };
}

/**
 * Records a model call as soon as it returns (not with the turn's commit): it is spent even if
 * the turn later crashes, and the daily token budget must count it.
 */
export function recordCall(
  db: Db,
  conversationId: ConversationId | null,
  turnMessageId: MessageId | null,
  c: CallRecord,
  now: number,
): void {
  inTransaction(db, () => {
    db.insert(aiCalls)
      .values({
        conversationId,
        turnMessageId,
        purpose: c.purpose,
        tier: c.tier,
        model: c.model,
        outcome: c.outcome,
        inputTokens: c.usage.inputTokens,
        outputTokens: c.usage.outputTokens,
        cacheWriteTokens: c.usage.cacheWriteTokens,
        cacheReadTokens: c.usage.cacheReadTokens,
        costUsd: c.costUsd,
        latencyMs: c.latencyMs,
        error: c.error,
        createdAt: now,
      })
      .run();
    if (conversationId !== null)
      db.update(conversations)
        .set({
          aiCalls: sql`${conversations.aiCalls} + 1`,
          aiCostUsd: sql`${conversations.aiCostUsd} + ${c.costUsd}`,
        })
        .where(eq(conversations.id, conversationId))
        .run();
  });
}

/** Totals since `since` (Unix ms), for `npm run ai -- status`. */
export function callTotals(db: Db, since: number) {
  return db.$client
    .prepare(
      `SELECT count(*) AS calls, count(DISTINCT turn_message_id) AS turns,
         coalesce(sum(input_tokens + output_tokens + cache_write_tokens + cache_read_tokens), 0) AS tokens,
         coalesce(sum(cost_usd), 0) AS costUsd,
         coalesce(sum(outcome <> 'ok'), 0) AS failures
       FROM ai_calls WHERE created_at >= ?`,
    )
    .get(since) as {
    calls: number;
    turns: number;
    tokens: number;
    costUsd: number;
    failures: number;
  };
}
