import { describe, expect, it } from "vitest";
import {
  effectiveSettings,
  isRuntimeSettingKey,
  parseSetting,
  planSettingsForm,
  RUNTIME_SETTING_KEYS,
  settingEnvironmentVariable,
} from "./runtime-settings.ts";

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

  it.each([
    ["Mon-Fri 09:00-17:00", "Mon-Fri 09:00-17:00"],
    ["  mon - fri   9:00 - 17:30 ", "Mon-Fri 09:00-17:30"],
    ["SAT,sun 10:00-14:00", "Sat,Sun 10:00-14:00"],
    ["Fri-Mon 08:00-24:00", "Fri-Mon 08:00-24:00"],
    ["always", "always"],
    ["ALWAYS", "always"],
    ["", "always"],
    ["   ", "always"],
  ])("accepts business hours %j as %j", (raw, value) => {
    expect(parseSetting("business.hours", raw, rules)).toEqual({ ok: true, value });
  });

  it.each([
    ["Mon-Fri", "not understood"],
    ["9-17", "not understood"],
    ["Mon-Fry 09:00-17:00", "unknown day name"],
    ["Mon-Fri 17:00-09:00", "closing time must be after"],
    ["Mon-Fri 09:75-17:00", "minutes go from 00 to 59"],
    ["Mon-Fri 09:00-25:00", "closing time must be after"],
    [`Mon${",Tue".repeat(30)} 09:00-17:00`, "at most 100 characters"],
    ["never", "not understood"],
  ])("refuses business hours %j with a reason", (raw, why) => {
    const r = parseSetting("business.hours", raw, rules);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.error).toContain(why);
    expect(!r.ok && r.error).toContain("business.hours");
    expect(!r.ok && r.error).toContain("Mon-Fri 09:00-17:00");
  });

  it.each([
    ["1", "1"],
    [" 30 ", "30"],
    ["1440", "1440"],
    ["015", "15"],
  ])("accepts SLA minutes %j", (raw, value) => {
    expect(parseSetting("sla.minutes", raw, rules)).toEqual({ ok: true, value });
  });

  it.each(["", "0", "1441", "1.5", "-5", "abc", "1e3", "99999999", "Infinity"])(
    "refuses SLA minutes %j",
    (raw) => {
      const r = parseSetting("sla.minutes", raw, rules);
      expect(r).toMatchObject({ ok: false });
      expect(!r.ok && r.error).toContain("from 1 to 1440");
    },
  );

  it("knows its keys and where their defaults come from", () => {
    expect(isRuntimeSettingKey("model.fast")).toBe(true);
    expect(isRuntimeSettingKey("business.hours")).toBe(true);
    expect(isRuntimeSettingKey("sla.minutes")).toBe(true);
    expect(isRuntimeSettingKey("ai")).toBe(false);
    expect(RUNTIME_SETTING_KEYS.map(settingEnvironmentVariable)).toEqual([
      "AI_CONFIDENCE_THRESHOLD",
      "MODEL_FAST",
      "MODEL_SMART",
      "BUSINESS_HOURS",
      "SLACK_SLA_MINUTES",
    ]);
  });
});

describe("effectiveSettings", () => {
  it("uses the environment's defaults when nothing is set", () => {
    const e = effectiveSettings(defaults, {}, rules);
    expect(e.values).toEqual({
      confidenceThreshold: 0.6,
      models: defaults.models,
      businessHours: {
        days: [1, 2, 3, 4, 5],
        openMinute: 9 * 60,
        closeMinute: 17 * 60,
        utcOffsetMinutes: 420,
      },
      businessHoursText: "Mon-Fri 09:00-17:00",
      slaMinutes: 15,
    });
    expect(e.list.map((s) => s.source)).toEqual(Array(5).fill("environment"));
  });

  it("no BUSINESS_HOURS is always open, shown as always", () => {
    const e = effectiveSettings({ ...defaults, businessHoursText: null }, {}, rules);
    expect(e.values.businessHours).toBeNull();
    expect(e.values.businessHoursText).toBeNull();
    expect(e.list.find((s) => s.key === "business.hours")).toEqual({
      key: "business.hours",
      value: "always",
      source: "environment",
    });
  });

  it("a manager's values win, and say so", () => {
    const e = effectiveSettings(
      defaults,
      {
        "ai.threshold": "0.8",
        "model.fast": "claude-haiku-4-5",
        "business.hours": "Sat,Sun 10:00-14:00",
        "sla.minutes": "5",
        ai: "off",
      },
      rules,
    );
    expect(e.values).toEqual({
      confidenceThreshold: 0.8,
      models: { fast: "claude-haiku-4-5", smart: "claude-sonnet-5-5" },
      businessHours: { days: [0, 6], openMinute: 600, closeMinute: 840, utcOffsetMinutes: 420 },
      businessHoursText: "Sat,Sun 10:00-14:00",
      slaMinutes: 5,
    });
    expect(e.list).toEqual([
      { key: "ai.threshold", value: "0.8", source: "set" },
      { key: "model.fast", value: "claude-haiku-4-5", source: "set" },
      { key: "model.smart", value: "claude-sonnet-5-5", source: "environment" },
      { key: "business.hours", value: "Sat,Sun 10:00-14:00", source: "set" },
      { key: "sla.minutes", value: "5", source: "set" },
    ]);
  });

  it("a manager may switch the environment's hours off (always open)", () => {
    const e = effectiveSettings(defaults, { "business.hours": "always" }, rules);
    expect(e.values.businessHours).toBeNull();
    expect(e.values.businessHoursText).toBeNull();
    expect(e.list[3]).toEqual({ key: "business.hours", value: "always", source: "set" });
  });

  it("falls back to the default for a stored value that is no longer valid", () => {
    const e = effectiveSettings(
      defaults,
      {
        "model.smart": "retired-model",
        "ai.threshold": "x",
        "business.hours": "Mon-Fri 17:00-09:00",
        "sla.minutes": "0",
      },
      rules,
    );
    expect(e.values).toEqual(effectiveSettings(defaults, {}, rules).values);
    expect(e.list.every((s) => s.source === "environment")).toBe(true);
  });
});

describe("planSettingsForm", () => {
  const current = effectiveSettings(defaults, {}, rules).list;
  const shown = Object.fromEntries(current.map((s) => [s.key, s.value]));

  it("an untouched form changes nothing", () => {
    expect(planSettingsForm({ ...shown }, shown, current, rules)).toEqual({
      ok: true,
      changes: [],
    });
    // The same value written differently is not a change either.
    expect(
      planSettingsForm(
        { "ai.threshold": "0.60", "business.hours": " mon-fri 9:00-17:00 " },
        shown,
        current,
        rules,
      ),
    ).toEqual({ ok: true, changes: [] });
  });

  it("keeps only the changed fields, in canonical form", () => {
    expect(
      planSettingsForm(
        { ...shown, "business.hours": "sat 10:00-12:00", "sla.minutes": "30" },
        shown,
        current,
        rules,
      ),
    ).toEqual({
      ok: true,
      changes: [
        { key: "business.hours", value: "Sat 10:00-12:00" },
        { key: "sla.minutes", value: "30" },
      ],
    });
    // An emptied hours field: always open.
    expect(planSettingsForm({ "business.hours": "" }, shown, current, rules)).toEqual({
      ok: true,
      changes: [{ key: "business.hours", value: "always" }],
    });
  });

  it("refuses the whole form when one changed field is wrong, with each reason by key", () => {
    const plan = planSettingsForm(
      { ...shown, "business.hours": "Mon-Fri", "sla.minutes": "0", "ai.threshold": "0.7" },
      shown,
      current,
      rules,
    );
    expect(plan.ok).toBe(false);
    expect(!plan.ok && Object.keys(plan.errors)).toEqual(["business.hours", "sla.minutes"]);
  });

  it("an untouched field never overwrites another manager's change made meanwhile", () => {
    const meanwhile = effectiveSettings(defaults, { "sla.minutes": "45" }, rules).list;
    expect(planSettingsForm({ ...shown, "ai.threshold": "0.7" }, shown, meanwhile, rules)).toEqual({
      ok: true,
      changes: [{ key: "ai.threshold", value: "0.7" }],
    });
  });

  it("an unchanged model outside the choices is not refused; a forged one is", () => {
    const odd = effectiveSettings(
      { ...defaults, models: { fast: "claude-custom", smart: "claude-sonnet-5-5" } },
      {},
      rules,
    ).list;
    const oddShown = Object.fromEntries(odd.map((s) => [s.key, s.value]));
    expect(planSettingsForm({ ...oddShown }, oddShown, odd, rules)).toEqual({
      ok: true,
      changes: [],
    });
    const forged = planSettingsForm({ "model.fast": "gpt-9" }, oddShown, odd, rules);
    expect(forged).toMatchObject({ ok: false, errors: { "model.fast": expect.any(String) } });
  });

  it("without what the form showed, compares with the values in force", () => {
    expect(
      planSettingsForm({ "sla.minutes": "15", "ai.threshold": "0.9" }, null, current, rules),
    ).toEqual({ ok: true, changes: [{ key: "ai.threshold", value: "0.9" }] });
  });
});
