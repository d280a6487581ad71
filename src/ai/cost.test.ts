import { describe, expect, it } from "vitest";
import { addUsage, costUsd, totalTokens, usageFromApi } from "./cost.ts";
import { PRICES, priceFor } from "./pricing.ts";

describe("pricing and cost", () => {
  it("has the reference's prices for both tiers", () => {
    expect(PRICES["claude-haiku-5-5"]).toEqual({
      input: 0.1,
      output: 0.5,
      cacheWrite: 0.125,
      cacheRead: 0.01,
    });
    expect(PRICES["claude-sonnet-5-5"]).toEqual({
      input: 2,
      output: 10,
      cacheWrite: 2.5,
      cacheRead: 0.1,
    });
  });

  it("prices dated snapshots like their base model and ignores unknown models", () => {
    expect(priceFor("claude-haiku-4-5-20251001")).toBe(PRICES["claude-haiku-4-5"]);
    expect(priceFor("gpt-5")).toBeNull();
    expect(costUsd("gpt-5", { ...usageFromApi(null), inputTokens: 1000 })).toBe(0);
  });

  it("counts input, cache write, cache read and output separately", () => {
    const u = usageFromApi({
      input_tokens: 1_000_000,
      output_tokens: 1_000_000,
      cache_creation_input_tokens: 1_000_000,
      cache_read_input_tokens: 1_000_000,
    });
    expect(costUsd("claude-sonnet-5-5", u)).toBeCloseTo(2 + 10 + 2.5 + 0.1, 10);
    expect(costUsd("claude-haiku-5-5", { ...u, outputTokens: 0 })).toBeCloseTo(0.235, 10);
    expect(totalTokens(u)).toBe(4_000_000);
    expect(addUsage(u, u).cacheReadTokens).toBe(2_000_000);
  });

  it("treats null usage fields as zero", () => {
    expect(
      usageFromApi({ input_tokens: 5, output_tokens: 2, cache_read_input_tokens: null }),
    ).toEqual({
      inputTokens: 5,
      outputTokens: 2,
      cacheWriteTokens: 0,
      cacheReadTokens: 0,
    });
  });
});
