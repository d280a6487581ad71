import { type AiSwitch, getAiSwitch } from "../ai/kill-switch.ts";
import {
  describeSetting,
  type EffectiveSetting,
  isRuntimeSettingKey,
  parseSetting,
  planSettingsForm,
  RUNTIME_SETTING_KEYS,
  type RuntimeSettingKey,
  type SettingsForm,
} from "../core/runtime-settings.ts";
import { writeSetting } from "../store/runtime-settings.ts";
import { inTransaction } from "../store/tx.ts";
import { recordControlChange } from "./audit.ts";
import { escapeMrkdwn, oneLine } from "./blocks/index.ts";
import type { ListenerDeps } from "./listeners/context.ts";
import { switchAi } from "./switch-ai.ts";

/** What `changeSetting` and the settings modal may use. */
export type SettingChangeDeps = Pick<ListenerDeps, "db" | "settings" | "now" | "runtimeSettings">;

/** `/jembatan settings`: each value in force and where it comes from. */
export function settingsText(list: readonly EffectiveSetting[]): string {
  return list
    .map(
      (s) =>
        `\`${s.key}\` = \`${escapeMrkdwn(oneLine(s.value))}\` (${s.source === "set" ? "set in Slack" : "environment default"}): ${describeSetting(s.key)}`,
    )
    .concat([
      "Managers change them with `/jembatan set <key> <value>` and `/jembatan reset <key>`, or with *Settings* in the app's Home tab.",
    ])
    .join("\n");
}

/** The outcome of one setting change. */
export type SettingChange =
  | {
      ok: true;
      key: RuntimeSettingKey;
      changed: boolean;
      before: EffectiveSetting;
      after: EffectiveSetting;
    }
  | { ok: false; error: string };

/**
 * A manager sets (`raw`) or resets (null) one runtime setting: checked, stored, audited (old →
 * new) and announced in the alert channel in one transaction; the next turn, handoff or sweep
 * reads it. A value equal to what is in force changes and records nothing. The caller has
 * checked that `actor` is a manager.
 */
export function applySetting(
  deps: SettingChangeDeps,
  actor: string,
  key: string,
  raw: string | null,
): SettingChange {
  const runtime = deps.runtimeSettings;
  if (!runtime) return { ok: false, error: "Runtime settings are not available in this process." };
  if (!isRuntimeSettingKey(key))
    return {
      ok: false,
      error: `Unknown setting \`${escapeMrkdwn(oneLine(key)).slice(0, 60)}\`. Settings: ${RUNTIME_SETTING_KEYS.map((k) => `\`${k}\``).join(", ")}.`,
    };
  let value: string | null = null;
  if (raw !== null) {
    const parsed = parseSetting(key, raw, runtime.rules);
    if (!parsed.ok) return parsed;
    value = parsed.value;
  }
  const before = runtime.list().find((s) => s.key === key)!;
  const same =
    value === null
      ? before.source === "environment"
      : before.source === "set" && before.value === value;
  if (same) return { ok: true, key, changed: false, before, after: before };
  const at = deps.now();
  recordControlChange(
    deps.db,
    { actor, action: key, from: before.value, to: value ?? "(environment default)", at },
    deps.settings.alertChannel ?? deps.settings.escalationChannel,
    () => writeSetting(deps.db, key, value, at),
  );
  const after = runtime.list().find((s) => s.key === key)!;
  return { ok: true, key, changed: true, before, after };
}

const source = (s: EffectiveSetting) =>
  s.source === "set" ? "set in Slack" : "environment default";

/** `/jembatan set|reset`: {@link applySetting}, answered in words for the manager. */
export function changeSetting(
  deps: SettingChangeDeps,
  actor: string,
  key: string,
  raw: string | null,
): string {
  const result = applySetting(deps, actor, key, raw);
  if (!result.ok) return result.error;
  const { before, after } = result;
  if (!result.changed)
    return `\`${key}\` is already \`${escapeMrkdwn(oneLine(after.value))}\` (${source(after)}); nothing changed.`;
  return `\`${key}\` is now \`${escapeMrkdwn(oneLine(after.value))}\` (${source(after)}); it was \`${escapeMrkdwn(oneLine(before.value))}\`. It applies from the next customer message.`;
}

/** The outcome of a submitted settings form. */
export type SettingsFormResult =
  | { ok: true; changed: string[] }
  | { ok: false; errors: Partial<Record<RuntimeSettingKey | "ai", string>> };

/**
 * A manager's settings form (the Home tab's modal): every changed field checked first (one bad
 * field refuses the form, nothing stored), then the AI switch through {@link switchAi} and each
 * setting through {@link applySetting}, all in one transaction, each with its audit row and
 * alert line. Fields the manager did not change (same as `shown`, what the form showed) are left
 * alone. The caller has checked that `actor` is a manager. Returns what changed, by key.
 */
export function saveSettingsForm(
  deps: SettingChangeDeps,
  actor: string,
  form: { ai: AiSwitch | null; settings: SettingsForm },
  shown: { ai: AiSwitch; settings: SettingsForm } | null,
): SettingsFormResult {
  const runtime = deps.runtimeSettings;
  if (!runtime)
    return { ok: false, errors: { ai: "Runtime settings are not available in this process." } };
  const plan = planSettingsForm(
    form.settings,
    shown?.settings ?? null,
    runtime.list(),
    runtime.rules,
  );
  if (!plan.ok) return plan;
  const ai = form.ai !== null && form.ai !== (shown?.ai ?? getAiSwitch(deps.db)) ? form.ai : null;
  return inTransaction(deps.db, () => {
    const changed: string[] = [];
    if (ai !== null && getAiSwitch(deps.db) !== ai) {
      switchAi(deps, actor, ai);
      changed.push("ai");
    }
    for (const { key, value } of plan.changes) {
      const result = applySetting(deps, actor, key, value);
      // Checked by the plan a moment ago, in this process: a refusal here is a bug, and the
      // throw rolls back the whole form.
      if (!result.ok)
        throw new Error(`settings form: ${key} refused after planning: ${result.error}`);
      if (result.changed) changed.push(key);
    }
    return { ok: true as const, changed };
  });
}
