import {
  type AllRuntimeSettings,
  type EffectiveSetting,
  effectiveSettings,
  type RuntimeDefaults,
  type RuntimeSettingKey,
  type SettingRules,
} from "../core/runtime-settings.ts";
import type { Db } from "./db.ts";
import { prepared } from "./prepared.ts";

/** Every stored setting (a handful of rows), as key → value. */
export function storedSettings(db: Db): Record<string, string> {
  const rows = prepared(db, "SELECT key, value FROM settings").all() as {
    key: string;
    value: string;
  }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** Stores a manager's value, or removes it (null: back to the environment's default). */
export function writeSetting(
  db: Db,
  key: RuntimeSettingKey,
  value: string | null,
  at: number,
): void {
  if (value === null) prepared(db, "DELETE FROM settings WHERE key = ?").run(key);
  else
    prepared(
      db,
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(key, value, at);
}

/** The settings in force, read from the database on every call. */
export interface SettingsReader {
  /** The values: the AI's on every turn, the Slack side's at each handoff and sweep. */
  values(): AllRuntimeSettings;
  /** Each key's value and where it comes from, for the Home tab, the modal and `/jembatan`. */
  list(): EffectiveSetting[];
  rules: SettingRules;
}

/**
 * Reads the settings in force (one small query per call, no cache): a manager's change applies
 * to the next turn, handoff or sweep without a restart, in this process or another one.
 */
export function createSettingsReader(
  db: Db,
  defaults: RuntimeDefaults,
  rules: SettingRules,
): SettingsReader {
  return {
    values: () => effectiveSettings(defaults, storedSettings(db), rules).values,
    list: () => effectiveSettings(defaults, storedSettings(db), rules).list,
    rules,
  };
}
