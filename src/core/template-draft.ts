/** What a manager fills in to create a WhatsApp message template. */
export interface TemplateDraftInput {
  name: string;
  category: string;
  language: string;
  body: string;
  /** One example value per `{{n}}` placeholder, in order (Meta requires them for review). */
  examples: string[];
  /** Optional quick-reply buttons (their labels). */
  buttons: string[];
}

/** The fields of the form, for errors shown next to the right input. */
export type TemplateDraftField = "name" | "category" | "language" | "body" | "examples" | "buttons";

/** Template categories Meta accepts at creation. */
export const TEMPLATE_CATEGORIES = ["UTILITY", "MARKETING", "AUTHENTICATION"] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

/** The languages offered in the form (Meta's codes); Meta supports more. */
export const TEMPLATE_LANGUAGES = ["id", "en", "en_US", "en_GB", "ms", "zh_CN"] as const;

/** The request body of `POST /{waba-id}/message_templates`. */
export interface TemplateCreateRequest {
  name: string;
  category: TemplateCategory;
  language: string;
  components: (
    | { type: "BODY"; text: string; example?: { body_text: string[][] } }
    | { type: "BUTTONS"; buttons: { type: "QUICK_REPLY"; text: string }[] }
  )[];
}

export type TemplateDraftResult =
  | { ok: true; request: TemplateCreateRequest }
  | { ok: false; errors: Partial<Record<TemplateDraftField, string>> };

// Meta's limits for a template at creation: name ≤ 512 of [a-z0-9_], body ≤ 1,024 characters,
// at most 10 quick-reply buttons of ≤ 25 characters.
const NAME_MAX = 512;
const BODY_MAX = 1024;
const BUTTONS_MAX = 10;
const BUTTON_TEXT_MAX = 25;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Checks a template draft as Meta would before review (so the form can say what is wrong
 * without a round trip) and builds the creation request: a lowercase name of letters, digits
 * and underscores; a known category; a language; a body with positional `{{1}}`…`{{n}}`
 * placeholders numbered from 1 without gaps, not at the very start or end of the body (Meta
 * rejects those), and one non-empty example per placeholder; optional quick-reply buttons.
 */
export function checkTemplateDraft(input: TemplateDraftInput): TemplateDraftResult {
  const errors: Partial<Record<TemplateDraftField, string>> = {};
  const name = input.name.trim();
  if (!/^[a-z0-9_]+$/.test(name))
    errors.name = "Use lowercase letters, digits and underscores only, e.g. order_update.";
  else if (name.length > NAME_MAX) errors.name = `At most ${NAME_MAX} characters.`;

  const category = input.category.trim().toUpperCase();
  if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(category))
    errors.category = `Choose one of ${TEMPLATE_CATEGORIES.join(", ")}.`;

  const language = input.language.trim();
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language))
    errors.language = "A WhatsApp language code such as id, en or en_US.";

  const body = input.body.trim();
  const numbers: number[] = [];
  let bad: string | null = null;
  for (const m of body.matchAll(PLACEHOLDER)) {
    const inner = m[1] ?? "";
    if (!/^[1-9]\d{0,2}$/.test(inner)) bad = m[0];
    else numbers.push(Number(inner));
  }
  const distinct = [...new Set(numbers)].sort((a, b) => a - b);
  if (body === "") errors.body = "The message text is required.";
  else if (body.length > BODY_MAX) errors.body = `At most ${BODY_MAX} characters (${body.length}).`;
  else if (bad !== null) errors.body = `${bad} is not a parameter: use {{1}}, {{2}}, … in order.`;
  else if (distinct.some((n, i) => n !== i + 1))
    errors.body = `Parameters must be numbered {{1}} to {{${distinct.length}}} without gaps.`;
  else if (/^\{\{/.test(body) || /\}\}$/.test(body))
    errors.body =
      "A parameter cannot be the very first or last thing in the text: add words around it.";

  const examples = input.examples.map((e) => e.trim());
  if (!errors.body && examples.length !== distinct.length)
    errors.examples =
      distinct.length === 0
        ? "This text has no parameters: leave the examples empty."
        : `Give ${distinct.length} example value(s), one per line, for {{1}}…{{${distinct.length}}}.`;
  else if (examples.some((e) => e === "")) errors.examples = "Example values cannot be empty.";

  const buttons = input.buttons.map((b) => b.trim()).filter((b) => b !== "");
  if (buttons.length > BUTTONS_MAX) errors.buttons = `At most ${BUTTONS_MAX} buttons.`;
  else if (buttons.some((b) => b.length > BUTTON_TEXT_MAX))
    errors.buttons = `Each button label has at most ${BUTTON_TEXT_MAX} characters.`;
  else if (new Set(buttons).size !== buttons.length) errors.buttons = "Button labels must differ.";

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const components: TemplateCreateRequest["components"] = [
    {
      type: "BODY",
      text: body,
      ...(examples.length > 0 ? { example: { body_text: [examples] } } : {}),
    },
  ];
  if (buttons.length > 0)
    components.push({
      type: "BUTTONS",
      buttons: buttons.map((text) => ({ type: "QUICK_REPLY" as const, text })),
    });
  return {
    ok: true,
    request: { name, category: category as TemplateCategory, language, components },
  };
}
