/** The settings a manager may change at run time (stored in the `settings` table). */
export const RUNTIME_SETTING_KEYS = ["ai.threshold", "model.fast", "model.smart"] as const;
export type RuntimeSettingKey = (typeof RUNTIME_SETTING_KEYS)[number];

/** The values the AI reads on every turn. */
export interface RuntimeSettings {
  confidenceThreshold: number;
  models: { fast: string; smart: string };
}

/** Where a value comes from: the environment's default, or a manager's setting. */
export type SettingSource = "environment" | "set";

export interface EffectiveSetting {
  key: RuntimeSettingKey;
  value: string;
  source: SettingSource;
}

/** What a value may be: the model ids come from a configured list (`MODEL_CHOICES`). */
export interface SettingRules {
  modelChoices: readonly string[];
}

const DESCRIPTIONS: Record<RuntimeSettingKey, string> = {
  "ai.threshold": "hand off when the model's confidence is below this (0 to 1)",
  "model.fast": "model of the fast tier",
  "model.smart": "model of the smart tier",
};

/** A short description of each key, for `/jembatan settings` and the Home tab. */
export function describeSetting(key: RuntimeSettingKey): string {
  return DESCRIPTIONS[key];
}

export function isRuntimeSettingKey(key: string): key is RuntimeSettingKey {
  return (RUNTIME_SETTING_KEYS as readonly string[]).includes(key);
}

/**
 * Checks a value a manager typed for `key`; returns the canonical text to store, or why not.
 * A threshold is a number from 0 to 1; a model id must be one of the configured choices (a model
 * swap is a setting, but only to a model the operator allowed and priced).
 */
export function parseSetting(
  key: RuntimeSettingKey,
  raw: string,
  rules: SettingRules,
): { ok: true; value: string } | { ok: false; error: string } {
  const text = raw.trim();
  if (key === "ai.threshold") {
    const n = Number(text.replace(",", "."));
    if (text === "" || !Number.isFinite(n) || n < 0 || n > 1)
      return { ok: false, error: "ai.threshold is a number from 0 to 1, e.g. 0.6" };
    return { ok: true, value: String(n) };
  }
  if (!rules.modelChoices.includes(text))
    return { ok: false, error: `${key} must be one of: ${rules.modelChoices.join(", ")}` };
  return { ok: true, value: text };
}

/**
 * The effective settings: each stored value that is still valid wins over the environment's
 * default (a stored model id no longer in the choices, or a corrupt number, falls back to the
 * default rather than breaking every turn).
 */
export function effectiveSettings(
  defaults: RuntimeSettings,
  stored: Readonly<Record<string, string>>,
  rules: SettingRules,
): { values: RuntimeSettings; list: EffectiveSetting[] } {
  const pick = (key: RuntimeSettingKey, fallback: string): EffectiveSetting => {
    const raw = stored[key];
    if (raw !== undefined && parseSetting(key, raw, rules).ok)
      return { key, value: raw, source: "set" };
    return { key, value: fallback, source: "environment" };
  };
  const list = [
    pick("ai.threshold", String(defaults.confidenceThreshold)),
    pick("model.fast", defaults.models.fast),
    pick("model.smart", defaults.models.smart),
  ];
  return {
    values: {
      confidenceThreshold: Number(list[0]!.value),
      models: { fast: list[1]!.value, smart: list[2]!.value },
    },
    list,
  };
}
