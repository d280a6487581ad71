import { priceFor } from "./pricing.ts";

/** Token counts of one model call, as the API's `usage` reports them. */
export interface TokenUsage {
  /** Uncached input tokens (the API's `input_tokens` excludes cached ones). */
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
}

export const NO_USAGE: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheWriteTokens: 0,
  cacheReadTokens: 0,
};

/** Reads the SDK's usage object (null fields count as 0). */
export function usageFromApi(
  u:
    | {
        input_tokens?: number | null;
        output_tokens?: number | null;
        cache_creation_input_tokens?: number | null;
        cache_read_input_tokens?: number | null;
      }
    | null
    | undefined,
): TokenUsage {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
    cacheReadTokens: u?.cache_read_input_tokens ?? 0,
  };
}

/** Cost in US$: input·p + cache write·p_write + cache read·p_read + output·q. */
export function costUsd(model: string, u: TokenUsage): number {
  const p = priceFor(model);
  if (!p) return 0;
  return (
    (u.inputTokens * p.input +
      u.cacheWriteTokens * p.cacheWrite +
      u.cacheReadTokens * p.cacheRead +
      u.outputTokens * p.output) /
    1_000_000
  );
}

/** All tokens of a call, cached ones included: what the daily token budget counts. */
export const totalTokens = (u: TokenUsage) =>
  u.inputTokens + u.outputTokens + u.cacheWriteTokens + u.cacheReadTokens;

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
  };
}
