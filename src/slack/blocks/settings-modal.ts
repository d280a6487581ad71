import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import {
  ALWAYS_OPEN,
  BUSINESS_HOURS_MAX_LENGTH,
  describeSetting,
  type EffectiveSetting,
  RUNTIME_SETTING_KEYS,
  type RuntimeSettingKey,
  type SettingsForm,
  SLA_MINUTES_RANGE,
  settingEnvironmentVariable,
} from "../../core/runtime-settings.ts";
import type { ViewStateValues } from "./template-modal.ts";
import { contextLine, LIMITS, plain } from "./text.ts";

/**
 * The settings modal: the Home tab's button (`openActionId`, added by the Home tab's builder)
 * opens it for managers; each field's block id is its setting key (so a refused value is shown
 * under its field with `response_action: "errors"`), the AI switch's block id is `ai`.
 */
export const SETTINGS_MODAL = {
  openActionId: "settings_open",
  callbackId: "runtime_settings",
  actionId: "value",
  aiBlockId: "ai",
} as const;

/** What the modal shows: the values in force, where each comes from, and the model choices. */
export interface SettingsModalInput {
  aiEnabled: boolean;
  settings: readonly EffectiveSetting[];
  /** The model ids a manager may pick (`MODEL_CHOICES`). */
  modelChoices: readonly string[];
  /** The business's UTC offset (`BUSINESS_UTC_OFFSET`), in which the opening hours are read. */
  utcOffsetMinutes: number;
}

/** What the form showed, kept in `private_metadata` to tell which fields the manager changed. */
export interface SettingsShown {
  ai: "on" | "off";
  settings: SettingsForm;
}

const LABELS: Record<RuntimeSettingKey, string> = {
  "ai.threshold": "Hand off below this confidence",
  "model.fast": "Fast model",
  "model.smart": "Smart model",
  "business.hours": "Business hours",
  "sla.minutes": "SLA reminder after (minutes)",
};

/** "UTC+07:00", "UTC-03:30", "UTC". */
export function utcOffsetText(minutes: number): string {
  if (minutes === 0) return "UTC";
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `UTC${minutes < 0 ? "-" : "+"}${hh}:${mm}`;
}

/** Where a value comes from, in words, for the field's hint. */
function sourceText(s: EffectiveSetting): string {
  return s.source === "set"
    ? `Set in Slack (/jembatan reset ${s.key} goes back to ${settingEnvironmentVariable(s.key)}).`
    : `Environment default (${settingEnvironmentVariable(s.key)}).`;
}

function option(value: string, text: string = value): PlainTextOption {
  return { text: plain(text, LIMITS.optionText), value };
}

function input(
  s: EffectiveSetting,
  element: Record<string, unknown>,
  opts: { optional?: boolean; extraHint?: string } = {},
): KnownBlock {
  const hint = [sourceText(s), describeSetting(s.key), opts.extraHint].filter(Boolean).join(" · ");
  return {
    type: "input",
    block_id: s.key,
    label: plain(LABELS[s.key], LIMITS.inputLabel),
    optional: opts.optional ?? false,
    hint: plain(hint, LIMITS.inputLabel),
    element: { action_id: SETTINGS_MODAL.actionId, ...element },
  } as KnownBlock;
}

/** A model select: the configured choices, with the model in force first when it is not one. */
function modelSelect(s: EffectiveSetting, choices: readonly string[]): Record<string, unknown> {
  const values = [...new Set([s.value, ...choices])].filter(
    (v) => v.length > 0 && v.length <= LIMITS.optionValue,
  );
  const options = values.slice(0, LIMITS.selectOptions).map((v) => option(v));
  const initial = options.find((o) => o.value === s.value);
  return {
    type: "static_select",
    options,
    ...(initial ? { initial_option: initial } : {}),
  };
}

/** The values the form shows, as `private_metadata` (empty when too long to keep: then the
 * submission is compared with the values in force instead). */
export function settingsModalMetadata(shown: SettingsShown): string {
  const json = JSON.stringify({ ai: shown.ai, s: shown.settings });
  return json.length <= LIMITS.privateMetadata ? json : "";
}

/** Reads {@link settingsModalMetadata} back; null when absent or not ours. */
export function parseSettingsModalMetadata(raw: string | undefined): SettingsShown | null {
  if (!raw) return null;
  try {
    const o = JSON.parse(raw) as { ai?: unknown; s?: unknown };
    if ((o.ai !== "on" && o.ai !== "off") || typeof o.s !== "object" || o.s === null) return null;
    const settings: SettingsForm = {};
    for (const key of RUNTIME_SETTING_KEYS) {
      const v = (o.s as Record<string, unknown>)[key];
      if (typeof v === "string") settings[key] = v;
    }
    return { ai: o.ai, settings };
  } catch {
    return null;
  }
}

/**
 * The settings modal for managers: AI on/off (radio), the handoff threshold (number), the fast
 * and smart model (selects from `MODEL_CHOICES`), business hours (text, empty = always open) and
 * the SLA minutes (whole number), each filled with the value in force and saying where it comes
 * from.
 */
export function settingsModal(input_: SettingsModalInput): ModalView {
  const by = new Map(input_.settings.map((s) => [s.key, s]));
  const aiOn = option("on", "On: the AI answers customers first");
  const aiOff = option("off", "Off: every message goes to a person");
  const blocks: KnownBlock[] = [
    contextLine(
      "Changes apply from the next customer message, without a restart. Each change is recorded (who, old → new) and announced in the alert channel.",
    ),
    {
      type: "input",
      block_id: SETTINGS_MODAL.aiBlockId,
      label: plain("AI replies", LIMITS.inputLabel),
      element: {
        type: "radio_buttons",
        action_id: SETTINGS_MODAL.actionId,
        options: [aiOn, aiOff],
        initial_option: input_.aiEnabled ? aiOn : aiOff,
      },
    } as KnownBlock,
  ];
  const threshold = by.get("ai.threshold");
  if (threshold)
    blocks.push(
      input(threshold, {
        type: "number_input",
        is_decimal_allowed: true,
        min_value: "0",
        max_value: "1",
        initial_value: threshold.value,
      }),
    );
  for (const key of ["model.fast", "model.smart"] as const) {
    const s = by.get(key);
    if (s) blocks.push(input(s, modelSelect(s, input_.modelChoices)));
  }
  const hours = by.get("business.hours");
  if (hours) {
    const shown = hours.value === ALWAYS_OPEN ? "" : hours.value;
    blocks.push(
      input(
        hours,
        {
          type: "plain_text_input",
          max_length: Math.max(BUSINESS_HOURS_MAX_LENGTH, shown.length),
          placeholder: plain("Mon-Fri 09:00-17:00", LIMITS.placeholder),
          ...(shown ? { initial_value: shown } : {}),
        },
        {
          optional: true,
          extraHint: `Times in ${utcOffsetText(input_.utcOffsetMinutes)} (BUSINESS_UTC_OFFSET). Empty: always open.`,
        },
      ),
    );
  }
  const sla = by.get("sla.minutes");
  if (sla)
    blocks.push(
      input(sla, {
        type: "number_input",
        is_decimal_allowed: false,
        min_value: String(SLA_MINUTES_RANGE.min),
        max_value: String(SLA_MINUTES_RANGE.max),
        initial_value: sla.value,
      }),
    );
  return {
    type: "modal",
    callback_id: SETTINGS_MODAL.callbackId,
    title: plain("Settings", LIMITS.modalTitle),
    submit: plain("Save", LIMITS.modalButton),
    close: plain("Cancel", LIMITS.modalButton),
    private_metadata: settingsModalMetadata({
      ai: input_.aiEnabled ? "on" : "off",
      settings: Object.fromEntries(input_.settings.map((s) => [s.key, s.value])),
    }),
    blocks,
  };
}

/** What a user who may not change the settings sees instead of the form. */
export function settingsRefusedModal(message: string): ModalView {
  return {
    type: "modal",
    callback_id: `${SETTINGS_MODAL.callbackId}_refused`,
    title: plain("Settings", LIMITS.modalTitle),
    close: plain("Close", LIMITS.modalButton),
    blocks: [{ type: "section", text: plain(message) }],
  };
}

/**
 * A submission's values: the AI switch ("on" / "off", null when missing) and each setting's raw
 * text. An emptied business-hours field arrives as null and means "always open"; any other
 * missing field is left out (unchanged).
 */
export function parseSettingsSubmission(values: ViewStateValues): {
  ai: "on" | "off" | null;
  settings: SettingsForm;
} {
  const field = (blockId: string) => values[blockId]?.[SETTINGS_MODAL.actionId];
  const picked = field(SETTINGS_MODAL.aiBlockId)?.selected_option?.value;
  const settings: SettingsForm = {};
  for (const key of RUNTIME_SETTING_KEYS) {
    const f = field(key);
    if (!f) continue;
    const raw = f.selected_option ? f.selected_option.value : f.value;
    if (typeof raw === "string") settings[key] = raw;
    else if (key === "business.hours" && f.value === null) settings[key] = "";
  }
  return { ai: picked === "on" || picked === "off" ? picked : null, settings };
}
