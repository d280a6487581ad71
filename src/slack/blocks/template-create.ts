import type { KnownBlock, ModalView } from "@slack/types";
import {
  TEMPLATE_CATEGORIES,
  TEMPLATE_LANGUAGES,
  type TemplateDraftField,
  type TemplateDraftInput,
} from "../../core/template-draft.ts";
import type { ViewStateValues } from "./template-modal.ts";
import { contextLine, escapeMrkdwn, mrkdwn, oneLine, plain } from "./text.ts";

/** One line of text someone else wrote, safe inside mrkdwn (no pings, no links). */
const safe = (s: string) => escapeMrkdwn(oneLine(s));

/** The create-template modal's callback id; each field's block id is its draft field name. */
export const TEMPLATE_CREATE_MODAL = { callbackId: "create_template", actionId: "value" } as const;

const LANGUAGE_NAMES: Record<string, string> = {
  id: "Indonesian (id)",
  en: "English (en)",
  en_US: "English, US (en_US)",
  en_GB: "English, UK (en_GB)",
  ms: "Malay (ms)",
  zh_CN: "Chinese, simplified (zh_CN)",
};

function input(
  field: TemplateDraftField,
  label: string,
  element: Record<string, unknown>,
  opts: { hint?: string; optional?: boolean } = {},
): KnownBlock {
  return {
    type: "input",
    block_id: field,
    label: plain(label, 2000),
    optional: opts.optional ?? false,
    ...(opts.hint ? { hint: plain(opts.hint, 2000) } : {}),
    element: { action_id: TEMPLATE_CREATE_MODAL.actionId, ...element },
  } as KnownBlock;
}

function select(values: readonly string[], names: Record<string, string> = {}) {
  return {
    type: "static_select",
    options: values.map((v) => ({ text: plain(names[v] ?? v, 75), value: v })),
    initial_option: { text: plain(names[values[0]!] ?? values[0]!, 75), value: values[0]! },
  };
}

/** The modal a manager fills in to submit a new WhatsApp template for Meta's review. */
export function templateCreateModal(): ModalView {
  return {
    type: "modal",
    callback_id: TEMPLATE_CREATE_MODAL.callbackId,
    title: plain("New WhatsApp template", 24),
    submit: plain("Submit for review", 24),
    close: plain("Cancel", 24),
    blocks: [
      contextLine(
        "Meta reviews every template (usually minutes, up to 24 h). Approved templates appear in *Send template*; status changes are announced in the escalation channel.",
      ),
      input(
        "name",
        "Name",
        { type: "plain_text_input", max_length: 512, placeholder: plain("order_update", 150) },
        { hint: "Lowercase letters, digits and underscores." },
      ),
      input("category", "Category", select(TEMPLATE_CATEGORIES)),
      input("language", "Language", select(TEMPLATE_LANGUAGES, LANGUAGE_NAMES)),
      input(
        "body",
        "Message",
        { type: "plain_text_input", multiline: true, max_length: 1024 },
        {
          hint: "Parameters are {{1}}, {{2}}, … in order, with words before the first and after the last.",
        },
      ),
      input(
        "examples",
        "Example values",
        { type: "plain_text_input", multiline: true },
        { hint: "One per line, for {{1}}, {{2}}, … (Meta needs them to review).", optional: true },
      ),
      input(
        "buttons",
        "Quick-reply buttons",
        { type: "plain_text_input", multiline: true },
        { hint: "Optional: one label per line, up to 25 characters each.", optional: true },
      ),
    ],
  };
}

const lines = (v: string | null | undefined) =>
  (v ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** The form's values as a draft (checked by `checkTemplateDraft`). */
export function parseTemplateCreateSubmission(values: ViewStateValues): TemplateDraftInput {
  const v = (field: TemplateDraftField) => values[field]?.[TEMPLATE_CREATE_MODAL.actionId];
  return {
    name: v("name")?.value ?? "",
    category: v("category")?.selected_option?.value ?? "",
    language: v("language")?.selected_option?.value ?? "",
    body: v("body")?.value ?? "",
    examples: lines(v("examples")?.value),
    buttons: lines(v("buttons")?.value),
  };
}

/** What the modal shows after submitting (a `response_action: "update"` view). */
export function templateCreatedView(result: {
  name: string;
  language: string;
  status: string | null;
  note?: string;
}): ModalView {
  const status = result.status ? ` Status: *${safe(result.status)}*.` : "";
  return {
    type: "modal",
    callback_id: `${TEMPLATE_CREATE_MODAL.callbackId}_done`,
    title: plain("New WhatsApp template", 24),
    close: plain("Done", 24),
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `Template \`${safe(result.name)}\` (${safe(result.language)}) was submitted to Meta for review.${status}${result.note ? `\n${result.note}` : ""}`,
        ),
      },
    ],
  };
}

/** One line per template for `/jembatan templates`: status, category, language. */
export function templateListText(
  rows: {
    name: string;
    language: string;
    status: string;
    category: string | null;
    reason: string | null;
  }[],
): string {
  if (rows.length === 0)
    return "No templates known yet. Create one with `/jembatan template new` (they are also synced from Meta at start).";
  const icon = (s: string) =>
    s === "APPROVED" ? "✅" : s === "PENDING" ? "⏳" : s === "REJECTED" ? "❌" : "⏸️";
  return rows
    .slice(0, 50)
    .map(
      (t) =>
        `${icon(t.status)} \`${safe(t.name)}\` (${safe(t.language)}) · ${safe(t.category ?? "?")} · ${safe(t.status)}${t.reason && t.reason !== "NONE" ? ` (${safe(t.reason)})` : ""}`,
    )
    .concat(rows.length > 50 ? [`… and ${rows.length - 50} more`] : [])
    .join("\n");
}
