import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { isWindowOpen } from "../../core/window.ts";
import {
  capBlocks,
  contextLine,
  formatDuration,
  LIMITS,
  mrkdwn,
  oneLine,
  plain,
  slackDate,
  truncatePlain,
  userMrkdwn,
} from "./text.ts";

/** The modal's callback id, and the ids of its select (which dispatches a block action on pick). */
export const TEMPLATE_MODAL = {
  callbackId: "send_template",
  selectBlockId: "template",
  selectActionId: "template_select",
  paramActionId: "value",
} as const;

/** The block id of the input for parameter `{{n}}` (1-based). */
export function paramBlockId(n: number): string {
  return `param_${n}`;
}

/** An approved template as stored from the Graph API. */
export interface TemplateChoice {
  name: string;
  language: string;
  category: string | null;
  bodyText: string | null;
  parameterCount: number;
}

export interface TemplatePickerInput {
  conversationId: number;
  templates: TemplateChoice[];
  selected?: { name: string; language: string } | null;
  /** When the conversation's 24-hour window closes (null: the customer has not written). */
  windowEndsAt: number | null;
  /** Unix ms, to tell an open window from a closed one. */
  now: number;
  /** The customer opted out (STOP): the modal says a template will be refused. */
  optedOut?: boolean;
}

/** The modal's warning while the customer is opted out. */
export const TEMPLATE_OPTED_OUT_INTRO =
  "🚫 *The customer asked not to be messaged any more (STOP).* A template will not be sent until they write again asking for help.";

/**
 * The modal's first line: the real state of the 24-hour window. Open: until when, and that a
 * free reply in the thread reaches the customer too. Closed (or never opened): templates only.
 */
export function templateWindowIntro(windowEndsAt: number | null, now: number): string {
  if (windowEndsAt !== null && isWindowOpen(windowEndsAt, now)) {
    return `The 24-hour window is *open* until ${slackDate(windowEndsAt)} (in ${formatDuration(windowEndsAt - now)}): a free reply in the thread also reaches the customer. A template can still be sent, e.g. to follow a fixed wording.`;
  }
  if (windowEndsAt === null) {
    return "The 24-hour window is *not open* (the customer has not written yet), so only an approved template can reach the customer. Their answer opens the window.";
  }
  return `The 24-hour window is *closed* (since ${slackDate(windowEndsAt)}), so only an approved template can reach the customer. Their answer reopens the window.`;
}

/** The select option value of a template: `name|language`. */
export function templateOptionValue(t: { name: string; language: string }): string {
  return `${t.name}|${t.language}`;
}

/** Reads a `name|language` option value back, or null when malformed. */
export function parseTemplateOptionValue(
  value: string | null | undefined,
): { name: string; language: string } | null {
  if (typeof value !== "string") return null;
  const bar = value.lastIndexOf("|");
  if (bar <= 0 || bar === value.length - 1) return null;
  return { name: value.slice(0, bar), language: value.slice(bar + 1) };
}

/** Reads the modal's private_metadata (`{"conversationId":123}`), or null when malformed. */
export function parseTemplateModalMetadata(
  privateMetadata: string | null | undefined,
): { conversationId: number } | null {
  try {
    const parsed: unknown = JSON.parse(privateMetadata ?? "");
    if (typeof parsed !== "object" || parsed === null) return null;
    const id = (parsed as { conversationId?: unknown }).conversationId;
    return typeof id === "number" && Number.isSafeInteger(id) ? { conversationId: id } : null;
  } catch {
    return null;
  }
}

function option(t: TemplateChoice): PlainTextOption {
  const opt: PlainTextOption = {
    text: plain(`${t.name} (${t.language})`, LIMITS.optionText),
    value: templateOptionValue(t),
  };
  const description = [t.category?.toLowerCase(), t.bodyText === null ? null : oneLine(t.bodyText)]
    .filter((s): s is string => typeof s === "string" && s.length > 0)
    .join(" · ");
  if (description.length > 0) opt.description = plain(description, LIMITS.optionText);
  return opt;
}

/**
 * The Send template modal: a select of approved templates (value `name|language`,
 * `dispatch_action` so that a pick comes back as a block action); once one is selected, its body
 * and one input per parameter (`param_1`… with action_id `value`). private_metadata is
 * `{"conversationId":…}`. It opens with the real state of the 24-hour window
 * ({@link templateWindowIntro}). With no templates: an explanation and no submit button.
 */
export function templatePickerModal(input: TemplatePickerInput): ModalView {
  const base = {
    type: "modal",
    callback_id: TEMPLATE_MODAL.callbackId,
    title: plain("Send template", LIMITS.modalTitle),
    close: plain("Cancel", LIMITS.modalButton),
    private_metadata: JSON.stringify({ conversationId: input.conversationId }),
  } satisfies Partial<ModalView>;

  const seen = new Set<string>();
  const usable = input.templates.filter((t) => {
    const value = templateOptionValue(t);
    if (t.name.length === 0 || value.length > LIMITS.optionValue || seen.has(value)) return false;
    seen.add(value);
    return true;
  });

  const intro: KnownBlock = {
    type: "section",
    block_id: "window",
    text: mrkdwn(
      input.optedOut
        ? `${TEMPLATE_OPTED_OUT_INTRO}\n${templateWindowIntro(input.windowEndsAt, input.now)}`
        : templateWindowIntro(input.windowEndsAt, input.now),
    ),
  };

  if (usable.length === 0) {
    return {
      ...base,
      close: plain("Close", LIMITS.modalButton),
      blocks: [
        intro,
        {
          type: "section",
          text: mrkdwn(
            "*There are no approved WhatsApp templates yet.*\nOutside the 24-hour window WhatsApp only delivers templates that Meta has approved.",
          ),
        },
        {
          type: "section",
          text: mrkdwn(
            "To create one: open *WhatsApp Manager* (business.facebook.com → WhatsApp Manager → Account tools → *Message templates*), choose *Create template*, pick the *Utility* category for follow-ups, write the text with `{{1}}`-style parameters and submit it. Once Meta approves it (usually within minutes), it appears here.",
          ),
        },
      ],
    };
  }

  const options = usable.slice(0, LIMITS.selectOptions).map(option);
  const selectedValue = input.selected ? templateOptionValue(input.selected) : null;
  const selectedIndex = usable
    .slice(0, LIMITS.selectOptions)
    .findIndex((t) => templateOptionValue(t) === selectedValue);
  const selected = selectedIndex >= 0 ? usable[selectedIndex] : undefined;
  const initialOption = selectedIndex >= 0 ? options[selectedIndex] : undefined;

  const blocks: KnownBlock[] = [
    intro,
    {
      type: "input",
      block_id: TEMPLATE_MODAL.selectBlockId,
      dispatch_action: true,
      label: plain("Template", LIMITS.inputLabel),
      element: {
        type: "static_select",
        action_id: TEMPLATE_MODAL.selectActionId,
        placeholder: plain("Choose an approved template", LIMITS.placeholder),
        options,
        ...(initialOption ? { initial_option: initialOption } : {}),
      },
    },
  ];
  if (usable.length > LIMITS.selectOptions) {
    blocks.push(
      contextLine(`Showing the first ${LIMITS.selectOptions} of ${usable.length} templates.`),
    );
  }

  if (selected !== undefined) {
    if (selected.bodyText !== null && selected.bodyText.trim().length > 0) {
      blocks.push({
        type: "section",
        block_id: "template_body",
        text: mrkdwn(`*Text*\n${userMrkdwn(selected.bodyText.trim(), LIMITS.sectionText - 10)}`),
      });
    }
    const count = Math.max(0, Math.floor(selected.parameterCount));
    const room = LIMITS.viewBlocks - blocks.length;
    if (count === 0) {
      blocks.push(contextLine("This template has no parameters: it is sent as it is."));
    } else if (count > room) {
      blocks.push(
        contextLine(
          `⚠️ This template has ${count} parameters, more than a Slack form can hold (${room}). Send it from another tool.`,
        ),
      );
    } else {
      for (let n = 1; n <= count; n++) {
        blocks.push({
          type: "input",
          block_id: paramBlockId(n),
          label: plain(`Parameter {{${n}}}`, LIMITS.inputLabel),
          element: {
            type: "plain_text_input",
            action_id: TEMPLATE_MODAL.paramActionId,
            placeholder: plain(`Value for {{${n}}}`, LIMITS.placeholder),
          },
        });
      }
    }
  }

  return {
    ...base,
    submit: plain("Send", LIMITS.modalButton),
    blocks: capBlocks(blocks, LIMITS.viewBlocks),
  };
}

/** The shape of `view.state.values` in a view_submission (structurally Bolt's). */
export type ViewStateValues = Record<
  string,
  Record<
    string,
    { type?: string; value?: string | null; selected_option?: { value: string } | null }
  >
>;

/** A parsed template submission, or the error to answer with `response_action: "errors"`. */
export type TemplateSubmission =
  | { name: string; language: string; parameters: string[] }
  | { error: { blockId: string; message: string } };

/**
 * Reads the Send template modal's submitted values: the chosen template and its parameters in
 * order (`param_1`, `param_2`…, trimmed, without the tabs, line breaks and runs of more than four
 * spaces WhatsApp rejects in parameters). A missing template or an empty parameter gives an
 * error for that block. When `expectedParameterCount` is given (from the stored template) and the
 * form has fewer inputs (the modal was not refreshed after the pick), the error is on the select.
 */
export function parseTemplateSubmission(
  values: ViewStateValues,
  expectedParameterCount?: number,
): TemplateSubmission {
  const picked = parseTemplateOptionValue(
    values[TEMPLATE_MODAL.selectBlockId]?.[TEMPLATE_MODAL.selectActionId]?.selected_option?.value,
  );
  if (picked === null) {
    return { error: { blockId: TEMPLATE_MODAL.selectBlockId, message: "Choose a template." } };
  }
  const parameters: string[] = [];
  for (let n = 1; values[paramBlockId(n)] !== undefined; n++) {
    const raw = values[paramBlockId(n)]?.[TEMPLATE_MODAL.paramActionId]?.value ?? "";
    const value = raw
      .replace(/[\t\r\n]+/g, " ")
      .replace(/ {5,}/g, "    ")
      .trim();
    if (value.length === 0) {
      return {
        error: { blockId: paramBlockId(n), message: `Fill in parameter {{${n}}}.` },
      };
    }
    parameters.push(value);
  }
  if (expectedParameterCount !== undefined && parameters.length < expectedParameterCount) {
    return {
      error: {
        blockId: TEMPLATE_MODAL.selectBlockId,
        message: truncatePlain(
          `This template needs ${expectedParameterCount} parameters: choose it again to show them.`,
          150,
        ),
      },
    };
  }
  return { name: picked.name, language: picked.language, parameters };
}
