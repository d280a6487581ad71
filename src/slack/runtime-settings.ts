import {
  describeSetting,
  type EffectiveSetting,
  isRuntimeSettingKey,
  parseSetting,
  RUNTIME_SETTING_KEYS,
} from "../core/runtime-settings.ts";
import { writeSetting } from "../store/runtime-settings.ts";
import { recordControlChange } from "./audit.ts";
import { escapeMrkdwn, oneLine } from "./blocks/index.ts";
import type { ListenerDeps } from "./listeners/context.ts";

/** `/jembatan settings`: each value in force and where it comes from. */
export function settingsText(list: readonly EffectiveSetting[]): string {
  return list
    .map(
      (s) =>
        `\`${s.key}\` = \`${escapeMrkdwn(oneLine(s.value))}\` (${s.source === "set" ? "set in Slack" : "environment default"}): ${describeSetting(s.key)}`,
    )
    .concat([
      "Managers change them with `/jembatan set <key> <value>` and `/jembatan reset <key>`.",
    ])
    .join("\n");
}

/**
 * A manager sets (`raw`) or resets (null) one runtime setting: checked, stored, audited and
 * announced in one transaction; the next turn reads it. Returns the answer for the manager.
 */
export function changeSetting(
  deps: Pick<ListenerDeps, "db" | "settings" | "now" | "runtimeSettings">,
  actor: string,
  key: string,
  raw: string | null,
): string {
  const runtime = deps.runtimeSettings;
  if (!runtime) return "Runtime settings are not available in this process.";
  if (!isRuntimeSettingKey(key))
    return `Unknown setting \`${escapeMrkdwn(oneLine(key)).slice(0, 60)}\`. Settings: ${RUNTIME_SETTING_KEYS.map((k) => `\`${k}\``).join(", ")}.`;
  let value: string | null = null;
  if (raw !== null) {
    const parsed = parseSetting(key, raw, runtime.rules);
    if (!parsed.ok) return parsed.error;
    value = parsed.value;
  }
  const before = runtime.list().find((s) => s.key === key)!;
  const at = deps.now();
  recordControlChange(
    deps.db,
    { actor, action: key, from: before.value, to: value ?? "(environment default)", at },
    deps.settings.alertChannel ?? deps.settings.escalationChannel,
    () => writeSetting(deps.db, key, value, at),
  );
  const after = runtime.list().find((s) => s.key === key)!;
  return `\`${key}\` is now \`${escapeMrkdwn(after.value)}\` (${after.source === "set" ? "set in Slack" : "environment default"}); it was \`${escapeMrkdwn(before.value)}\`. It applies from the next customer message.`;
}
