import { type BusinessHours, parseBusinessHours } from "./business-hours.ts";

/** The settings a manager may change at run time (stored in the `settings` table). */
export const RUNTIME_SETTING_KEYS = [
  "ai.threshold",
  "model.fast",
  "model.smart",
  "business.hours",
  "sla.minutes",
] as const;
export type RuntimeSettingKey = (typeof RUNTIME_SETTING_KEYS)[number];

/** The values the AI reads on every turn. */
export interface RuntimeSettings {
  confidenceThreshold: number;
  models: { fast: string; smart: string };
}

/** The values the Slack side reads at use time: opening hours and the first SLA reminder. */
export interface BridgeRuntimeSettings {
  /** Opening hours in the configured UTC offset; null = always staffed. */
  businessHours: BusinessHours | null;
  /** The hours as the customer reads them (`{hours}` of the bridge message); null = always. */
  businessHoursText: string | null;
  /** Minutes without a human reply before the first SLA reminder (`{minutes}` of the bridge). */
  slaMinutes: number;
}

/** Every runtime setting in force. */
export type AllRuntimeSettings = RuntimeSettings & BridgeRuntimeSettings;

/** The environment's defaults (`BUSINESS_HOURS` as text; null or empty = always staffed). */
export type RuntimeDefaults = RuntimeSettings & {
  businessHoursText: string | null;
  slaMinutes: number;
};

/** Where a value comes from: the environment's default, or a manager's setting. */
export type SettingSource = "environment" | "set";

export interface EffectiveSetting {
  key: RuntimeSettingKey;
  value: string;
  source: SettingSource;
}

/**
 * What a value may be: the model ids come from a configured list (`MODEL_CHOICES`); opening
 * hours are read in the business's UTC offset (`BUSINESS_UTC_OFFSET`, not a runtime setting).
 */
export interface SettingRules {
  modelChoices: readonly string[];
  utcOffsetMinutes: number;
}

/** The stored text of `business.hours` meaning "no opening hours: always staffed". */
export const ALWAYS_OPEN = "always";

/** The longest opening-hours text accepted (a week of day names and a time range fit easily). */
export const BUSINESS_HOURS_MAX_LENGTH = 100;

/** The range of `sla.minutes` (the same as `SLACK_SLA_MINUTES`). */
export const SLA_MINUTES_RANGE = { min: 1, max: 24 * 60 } as const;

const DESCRIPTIONS: Record<RuntimeSettingKey, string> = {
  "ai.threshold": "hand off when the model's confidence is below this (0 to 1)",
  "model.fast": "model of the fast tier",
  "model.smart": "model of the smart tier",
  "business.hours": `opening hours, e.g. "Mon-Fri 09:00-17:00", or "${ALWAYS_OPEN}"; outside them the customer gets the closed message`,
  "sla.minutes": `minutes without a human reply before the first SLA reminder (${SLA_MINUTES_RANGE.min} to ${SLA_MINUTES_RANGE.max})`,
};

/** A short description of each key, for `/jembatan settings` and the Home tab. */
export function describeSetting(key: RuntimeSettingKey): string {
  return DESCRIPTIONS[key];
}

export function isRuntimeSettingKey(key: string): key is RuntimeSettingKey {
  return (RUNTIME_SETTING_KEYS as readonly string[]).includes(key);
}

/**
 * The canonical text of opening hours that `parseBusinessHours` accepted: one space between the
 * days and the times, none around `-` and `,`, day names capitalised, hours with two digits. So
 * "mon - fri 9:00 - 17:00" and "Mon-Fri 09:00-17:00" are the same setting (and the customer
 * reads the tidy form in the closed message).
 */
function canonicalHours(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/\s*([-,])\s*/g, "$1")
    .replace(/[a-z]{3}/gi, (d) => d.charAt(0).toUpperCase() + d.slice(1).toLowerCase())
    .replace(/(^|\D)(\d):/g, (_, before: string, hour: string) => `${before}0${hour}:`)
    .trim();
}

function parseHours(
  text: string,
  utcOffsetMinutes: number,
): { ok: true; value: string; hours: BusinessHours | null } | { ok: false; error: string } {
  if (text === "" || text.toLowerCase() === ALWAYS_OPEN)
    return { ok: true, value: ALWAYS_OPEN, hours: null };
  const fail = (why: string) => ({
    ok: false as const,
    error: `business.hours: ${why} (e.g. "Mon-Fri 09:00-17:00", or "${ALWAYS_OPEN}")`,
  });
  if (text.length > BUSINESS_HOURS_MAX_LENGTH)
    return fail(`at most ${BUSINESS_HOURS_MAX_LENGTH} characters`);
  // parseBusinessHours reads "09:75" as 10:15; a person typing it meant something else.
  if ([...text.matchAll(/:(\d{2})/g)].some((m) => Number(m[1]) > 59))
    return fail("minutes go from 00 to 59");
  const value = canonicalHours(text);
  const hours = parseBusinessHours(value, utcOffsetMinutes);
  if (typeof hours === "string")
    return fail(hours.replace(/^expected e\.g\. .*$/, "not understood"));
  return { ok: true, value, hours };
}

/**
 * Checks a value a manager typed for `key`; returns the canonical text to store, or why not.
 * A threshold is a number from 0 to 1; a model id must be one of the configured choices (a model
 * swap is a setting, but only to a model the operator allowed and priced); opening hours are
 * `parseBusinessHours` text, or "always" / empty for none; SLA minutes a whole number of minutes.
 */
export function parseSetting(
  key: RuntimeSettingKey,
  raw: string,
  rules: SettingRules,
): { ok: true; value: string } | { ok: false; error: string } {
  const text = raw.trim();
  switch (key) {
    case "ai.threshold": {
      const n = Number(text.replace(",", "."));
      if (text === "" || !Number.isFinite(n) || n < 0 || n > 1)
        return { ok: false, error: "ai.threshold is a number from 0 to 1, e.g. 0.6" };
      return { ok: true, value: String(n) };
    }
    case "business.hours": {
      const parsed = parseHours(text, rules.utcOffsetMinutes);
      return parsed.ok ? { ok: true, value: parsed.value } : parsed;
    }
    case "sla.minutes": {
      const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
      if (!(n >= SLA_MINUTES_RANGE.min && n <= SLA_MINUTES_RANGE.max))
        return {
          ok: false,
          error: `sla.minutes is a whole number of minutes from ${SLA_MINUTES_RANGE.min} to ${SLA_MINUTES_RANGE.max}, e.g. 15`,
        };
      return { ok: true, value: String(n) };
    }
    case "model.fast":
    case "model.smart":
      if (!rules.modelChoices.includes(text))
        return { ok: false, error: `${key} must be one of: ${rules.modelChoices.join(", ")}` };
      return { ok: true, value: text };
  }
}

/**
 * The opening hours of the `business.hours` in force. The environment's text is read exactly as
 * the config read it; should it not parse, always staffed is the safe reading (the customer is
 * told a person is coming, not "closed").
 */
function openingHours(setting: EffectiveSetting, utcOffsetMinutes: number): BusinessHours | null {
  if (setting.source === "set") {
    const parsed = parseHours(setting.value, utcOffsetMinutes);
    return parsed.ok ? parsed.hours : null;
  }
  if (setting.value === ALWAYS_OPEN) return null;
  const hours = parseBusinessHours(setting.value, utcOffsetMinutes);
  return typeof hours === "string" ? null : hours;
}

/**
 * The effective settings: each stored value that is still valid wins over the environment's
 * default (a stored model id no longer in the choices, or a corrupt number, falls back to the
 * default rather than breaking every turn).
 */
export function effectiveSettings(
  defaults: RuntimeDefaults,
  stored: Readonly<Record<string, string>>,
  rules: SettingRules,
): { values: AllRuntimeSettings; list: EffectiveSetting[] } {
  const pick = (key: RuntimeSettingKey, fallback: string): EffectiveSetting => {
    const raw = stored[key];
    if (raw !== undefined && parseSetting(key, raw, rules).ok)
      return { key, value: raw, source: "set" };
    return { key, value: fallback, source: "environment" };
  };
  const envHours = defaults.businessHoursText?.trim() || ALWAYS_OPEN;
  const list = [
    pick("ai.threshold", String(defaults.confidenceThreshold)),
    pick("model.fast", defaults.models.fast),
    pick("model.smart", defaults.models.smart),
    pick("business.hours", envHours),
    pick("sla.minutes", String(defaults.slaMinutes)),
  ];
  const byKey = (key: RuntimeSettingKey) => list.find((s) => s.key === key)!.value;
  const open = openingHours(list[3]!, rules.utcOffsetMinutes);
  return {
    values: {
      confidenceThreshold: Number(byKey("ai.threshold")),
      models: { fast: byKey("model.fast"), smart: byKey("model.smart") },
      businessHours: open,
      businessHoursText: open === null ? null : byKey("business.hours"),
      slaMinutes: Number(byKey("sla.minutes")),
    },
    list,
  };
}

const ENVIRONMENT_VARIABLES: Record<RuntimeSettingKey, string> = {
  "ai.threshold": "AI_CONFIDENCE_THRESHOLD",
  "model.fast": "MODEL_FAST",
  "model.smart": "MODEL_SMART",
  "business.hours": "BUSINESS_HOURS",
  "sla.minutes": "SLACK_SLA_MINUTES",
};

/** The environment variable giving a key's default, for "where does this come from". */
export function settingEnvironmentVariable(key: RuntimeSettingKey): string {
  return ENVIRONMENT_VARIABLES[key];
}

/** A settings form's values (raw text as submitted, or as shown), by key; absent = not in it. */
export type SettingsForm = Partial<Record<RuntimeSettingKey, string>>;

/** What a submitted settings form changes, or why each refused field is wrong (nothing stored). */
export type SettingsFormPlan =
  | { ok: true; changes: { key: RuntimeSettingKey; value: string }[] }
  | { ok: false; errors: Partial<Record<RuntimeSettingKey, string>> };

/**
 * Decides what a submitted settings form changes. A field counts as changed only when the
 * manager changed it: it differs from what the form showed (`shown`; when unknown, from the
 * value in force), so an untouched field never overwrites a change another manager made while
 * the form was open, and an unchanged model id that is not among the choices is not refused.
 * A changed field must parse; one bad field refuses the whole form (all or nothing). A change
 * to the value already in force is left out (nothing to record).
 */
export function planSettingsForm(
  submitted: SettingsForm,
  shown: SettingsForm | null,
  current: readonly EffectiveSetting[],
  rules: SettingRules,
): SettingsFormPlan {
  const changes: { key: RuntimeSettingKey; value: string }[] = [];
  const errors: Partial<Record<RuntimeSettingKey, string>> = {};
  for (const key of RUNTIME_SETTING_KEYS) {
    const raw = submitted[key];
    if (raw === undefined) continue;
    const inForce = current.find((s) => s.key === key);
    const before = shown?.[key] ?? inForce?.value;
    if (before !== undefined && raw.trim() === before.trim()) continue;
    const parsed = parseSetting(key, raw, rules);
    if (!parsed.ok) {
      errors[key] = parsed.error;
      continue;
    }
    if (parsed.value === before) continue;
    if (inForce?.source === "set" && parsed.value === inForce.value) continue;
    changes.push({ key, value: parsed.value });
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, changes };
}
