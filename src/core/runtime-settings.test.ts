import { describe, expect, it } from "vitest";
import { effectiveSettings, isRuntimeSettingKey, parseSetting } from "./runtime-settings.ts";

const rules = { modelChoices: ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-haiku-4-5"] };
const defaults = {
  confidenceThreshold: 0.6,
  models: { fast: "claude-haiku-5-5", smart: "claude-sonnet-5-5" },
};

describe("parseSetting", () => {
  it.each([
    ["0.7", "0.7"],
    [" 1 ", "1"],
    ["0,55", "0.55"],
    ["0", "0"],
  ])("accepts threshold %s", (raw, value) => {
    expect(parseSetting("ai.threshold", raw, rules)).toEqual({ ok: true, value });
  });

  it.each(["", "1.2", "-0.1", "abc", "NaN", "Infinity"])("refuses threshold %j", (raw) => {
    expect(parseSetting("ai.threshold", raw, rules)).toMatchObject({ ok: false });
  });

  it("accepts only configured model ids", () => {
    expect(parseSetting("model.fast", "claude-haiku-4-5", rules)).toEqual({
      ok: true,
      value: "claude-haiku-4-5",
    });
    const r = parseSetting("model.smart", "gpt-9", rules);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.error).toContain("claude-sonnet-5-5");
  });

  it("knows its keys", () => {
    expect(isRuntimeSettingKey("model.fast")).toBe(true);
    expect(isRuntimeSettingKey("ai")).toBe(false);
  });
});

describe("effectiveSettings", () => {
  it("uses the environment's defaults when nothing is set", () => {
    const e = effectiveSettings(defaults, {}, rules);
    expect(e.values).toEqual(defaults);
    expect(e.list.map((s) => s.source)).toEqual(["environment", "environment", "environment"]);
  });

  it("a manager's values win, and say so", () => {
    const e = effectiveSettings(
      defaults,
      { "ai.threshold": "0.8", "model.fast": "claude-haiku-4-5", ai: "off" },
      rules,
    );
    expect(e.values).toEqual({
      confidenceThreshold: 0.8,
      models: { fast: "claude-haiku-4-5", smart: "claude-sonnet-5-5" },
    });
    expect(e.list).toEqual([
      { key: "ai.threshold", value: "0.8", source: "set" },
      { key: "model.fast", value: "claude-haiku-4-5", source: "set" },
      { key: "model.smart", value: "claude-sonnet-5-5", source: "environment" },
    ]);
  });

  it("falls back to the default for a stored value that is no longer valid", () => {
    const e = effectiveSettings(
      defaults,
      { "model.smart": "retired-model", "ai.threshold": "x" },
      rules,
    );
    expect(e.values).toEqual(defaults);
  });
});
