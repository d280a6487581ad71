import {
  type EffectiveSetting,
  effectiveSettings,
  type RuntimeSettingKey,
  type RuntimeSettings,
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

/** Reads the settings in force (one small query): for every turn, the Home tab and `/jembatan`. */
export function createSettingsReader(
  db: Db,
  defaults: RuntimeSettings,
  rules: SettingRules,
): { values(): RuntimeSettings; list(): EffectiveSetting[]; rules: SettingRules } {
  return {
    values: () => effectiveSettings(defaults, storedSettings(db), rules).values,
    list: () => effectiveSettings(defaults, storedSettings(db), rules).list,
    rules,
  };
}
