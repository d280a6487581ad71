import { describe, expect, it } from "vitest";
import { effectiveSettings } from "../../core/runtime-settings.ts";
import {
  parseSettingsModalMetadata,
  parseSettingsSubmission,
  SETTINGS_MODAL,
  settingsModal,
  settingsModalMetadata,
  settingsRefusedModal,
  utcOffsetText,
} from "./settings-modal.ts";
import { viewLimitProblems } from "./validate.ts";

const rules = {
  modelChoices: ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-haiku-4-5"],
  utcOffsetMinutes: 7 * 60,
};
const defaults = {
  confidenceThreshold: 0.6,
  models: { fast: "claude-haiku-5-5", smart: "claude-sonnet-5-5" },
  businessHoursText: "Mon-Fri 09:00-17:00",
  slaMinutes: 15,
};
const list = (stored: Record<string, string> = {}) =>
  effectiveSettings(defaults, stored, rules).list;

type Block = {
  type: string;
  block_id?: string;
  optional?: boolean;
  hint?: { text: string };
  element?: Record<string, unknown>;
};
const blocks = (view: { blocks: unknown[] }) => view.blocks as Block[];
const field = (view: { blocks: unknown[] }, id: string) =>
  blocks(view).find((b) => b.block_id === id)!;

describe("settingsModal", () => {
  it("is a valid modal with one field per control, block ids being the keys", () => {
    const view = settingsModal({ aiEnabled: true, settings: list(), ...rules });
    expect(viewLimitProblems(view)).toEqual([]);
    expect(view.callback_id).toBe(SETTINGS_MODAL.callbackId);
    expect(
      blocks(view)
        .filter((b) => b.type === "input")
        .map((b) => b.block_id),
    ).toEqual(["ai", "ai.threshold", "model.fast", "model.smart", "business.hours", "sla.minutes"]);
    const types = blocks(view)
      .filter((b) => b.type === "input")
      .map((b) => b.element!.type);
    expect(types).toEqual([
      "radio_buttons",
      "number_input",
      "static_select",
      "static_select",
      "plain_text_input",
      "number_input",
    ]);
    // Every element answers under the same action id.
    for (const b of blocks(view).filter((b) => b.type === "input"))
      expect(b.element!.action_id).toBe(SETTINGS_MODAL.actionId);
  });

  it("is filled with the values in force", () => {
    const view = settingsModal({
      aiEnabled: false,
      settings: list({
        "ai.threshold": "0.75",
        "model.smart": "claude-haiku-4-5",
        "sla.minutes": "30",
      }),
      ...rules,
    });
    expect(field(view, "ai").element!.initial_option).toMatchObject({ value: "off" });
    expect(field(view, "ai.threshold").element).toMatchObject({
      initial_value: "0.75",
      is_decimal_allowed: true,
      min_value: "0",
      max_value: "1",
    });
    expect(field(view, "model.fast").element!.initial_option).toMatchObject({
      value: "claude-haiku-5-5",
    });
    expect(field(view, "model.smart").element!.initial_option).toMatchObject({
      value: "claude-haiku-4-5",
    });
    expect(
      (field(view, "model.fast").element!.options as { value: string }[]).map((o) => o.value),
    ).toEqual(rules.modelChoices);
    expect(field(view, "business.hours").element!.initial_value).toBe("Mon-Fri 09:00-17:00");
    expect(field(view, "business.hours").optional).toBe(true);
    expect(field(view, "sla.minutes").element).toMatchObject({
      initial_value: "30",
      is_decimal_allowed: false,
      min_value: "1",
      max_value: "1440",
    });
  });

  it("says where each value comes from", () => {
    const view = settingsModal({
      aiEnabled: true,
      settings: list({ "sla.minutes": "30" }),
      ...rules,
    });
    expect(field(view, "sla.minutes").hint!.text).toContain("Set in Slack");
    expect(field(view, "sla.minutes").hint!.text).toContain("/jembatan reset sla.minutes");
    expect(field(view, "business.hours").hint!.text).toContain(
      "Environment default (BUSINESS_HOURS)",
    );
    expect(field(view, "business.hours").hint!.text).toContain("UTC+07:00");
    expect(field(view, "ai.threshold").hint!.text).toContain("AI_CONFIDENCE_THRESHOLD");
    expect(field(view, "model.fast").hint!.text).toContain("MODEL_FAST");
  });

  it("shows always-open hours as an empty field", () => {
    const view = settingsModal({
      aiEnabled: true,
      settings: list({ "business.hours": "always" }),
      ...rules,
    });
    expect(field(view, "business.hours").element!.initial_value).toBeUndefined();
  });

  it("keeps a model in force that is not among the choices selectable", () => {
    const settings = effectiveSettings(
      { ...defaults, models: { fast: "claude-custom", smart: "claude-sonnet-5-5" } },
      {},
      rules,
    ).list;
    const view = settingsModal({ aiEnabled: true, settings, ...rules });
    const el = field(view, "model.fast").element!;
    expect((el.options as { value: string }[])[0]!.value).toBe("claude-custom");
    expect(el.initial_option).toMatchObject({ value: "claude-custom" });
    expect(viewLimitProblems(view)).toEqual([]);
  });

  it("stays within Slack's limits with hostile or huge input", () => {
    const many = Array.from({ length: 300 }, (_, i) => `model-${i}-${"x".repeat(i)}`);
    const long = `Mon${",Tue".repeat(200)} 09:00-17:00`;
    const settings = effectiveSettings(
      { ...defaults, businessHoursText: long, models: { fast: many[0]!, smart: many[299]! } },
      {},
      { ...rules, modelChoices: many },
    ).list;
    const view = settingsModal({
      aiEnabled: true,
      settings,
      modelChoices: many,
      utcOffsetMinutes: -210,
    });
    expect(viewLimitProblems(view)).toEqual([]);
    const options = field(view, "model.fast").element!.options as { value: string }[];
    expect(options.length).toBeLessThanOrEqual(100);
    expect(options.every((o) => o.value.length <= 150)).toBe(true);
    // The hours field may hold what is in force, however long.
    expect(field(view, "business.hours").element!.max_length).toBeGreaterThanOrEqual(long.length);
    expect(field(view, "business.hours").hint!.text).toContain("UTC-03:30");
  });

  it("remembers what it showed in private_metadata", () => {
    const settings = list({ "sla.minutes": "30" });
    const view = settingsModal({ aiEnabled: false, settings, ...rules });
    expect(parseSettingsModalMetadata(view.private_metadata)).toEqual({
      ai: "off",
      settings: Object.fromEntries(settings.map((s) => [s.key, s.value])),
    });
    expect(parseSettingsModalMetadata("")).toBeNull();
    expect(parseSettingsModalMetadata("{not json")).toBeNull();
    expect(parseSettingsModalMetadata('{"ai":"maybe","s":{}}')).toBeNull();
    expect(parseSettingsModalMetadata('{"ai":"on","s":{"colour":"blue","sla.minutes":5}}')).toEqual(
      { ai: "on", settings: {} },
    );
    // Too long to keep: left empty (the submission is then compared with the values in force).
    expect(
      settingsModalMetadata({ ai: "on", settings: { "business.hours": "x".repeat(4000) } }),
    ).toBe("");
  });

  it("a refused user gets a modal without a form", () => {
    const view = settingsRefusedModal("Only managers can change this.");
    expect(viewLimitProblems(view)).toEqual([]);
    expect(view.submit).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain("Only managers");
  });
});

describe("parseSettingsSubmission", () => {
  it("reads each field's raw value", () => {
    expect(
      parseSettingsSubmission({
        ai: { value: { type: "radio_buttons", selected_option: { value: "off" } } },
        "ai.threshold": { value: { type: "number_input", value: "0.7" } },
        "model.fast": {
          value: { type: "static_select", selected_option: { value: "claude-haiku-4-5" } },
        },
        "model.smart": { value: { type: "static_select", selected_option: null } },
        "business.hours": { value: { type: "plain_text_input", value: "Sat 10:00-12:00" } },
        "sla.minutes": { value: { type: "number_input", value: "30" } },
        colour: { value: { type: "plain_text_input", value: "blue" } },
      }),
    ).toEqual({
      ai: "off",
      settings: {
        "ai.threshold": "0.7",
        "model.fast": "claude-haiku-4-5",
        "business.hours": "Sat 10:00-12:00",
        "sla.minutes": "30",
      },
    });
  });

  it("an emptied hours field means always open; anything missing is left out", () => {
    expect(
      parseSettingsSubmission({
        ai: { value: { type: "radio_buttons", selected_option: { value: "maybe" } } },
        "business.hours": { value: { type: "plain_text_input", value: null } },
      }),
    ).toEqual({ ai: null, settings: { "business.hours": "" } });
    expect(parseSettingsSubmission({})).toEqual({ ai: null, settings: {} });
  });
});

describe("utcOffsetText", () => {
  it.each([
    [0, "UTC"],
    [420, "UTC+07:00"],
    [-210, "UTC-03:30"],
    [345, "UTC+05:45"],
  ])("%d → %s", (minutes, text) => {
    expect(utcOffsetText(minutes)).toBe(text);
  });
});
