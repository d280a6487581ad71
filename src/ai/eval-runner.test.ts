import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../emulators/anthropic.ts";
import { createEvalRunner } from "./eval-runner.ts";

let emu: AnthropicEmulator;
beforeEach(async () => {
  emu = await startAnthropicEmulator();
});
afterEach(async () => emu.close());

describe("eval model runner", () => {
  it("is unavailable without a key", () => {
    expect(createEvalRunner({})).toBeUndefined();
  });

  it("runs a message through the router and the model, with its cost and final tier", async () => {
    const runner = createEvalRunner({
      ANTHROPIC_API_KEY: emu.apiKey,
      ANTHROPIC_BASE_URL: emu.url,
    })!;
    emu.respond((req) => ({
      json: {
        reply: "ok",
        handoff: false,
        reason: "answered_from_knowledge",
        confidence: 0.9,
        language: "en",
        needs_smart: req.model.includes("haiku"),
      },
    }));
    const r = await runner({ id: "x", text: "What are your opening hours?", lang: "en" });
    expect(r).toMatchObject({ tier: "smart", handoff: false });
    expect(r.costUsd).toBeGreaterThan(0);
    expect(emu.requests).toHaveLength(2);
    // A request for a person is settled by the trigger: no model call.
    expect(
      await runner({ id: "y", text: "I want to talk to a human agent", lang: "en" }),
    ).toMatchObject({
      handoff: true,
      costUsd: 0,
    });
    expect(emu.requests).toHaveLength(2);
  });
});
