import { escapeHtml, linkHtml, safeHref } from "./html.ts";
import { mrkdwnToHtml, replaceShortcodes, type UserNames } from "./mrkdwn.ts";

/** How blocks are rendered: names for mentions, and a modal's validation errors. */
export interface BlockRenderOptions {
  names?: UserNames;
  /** Errors by block id (a `response_action: "errors"` answer), shown under those inputs. */
  errors?: Readonly<Record<string, string>>;
}

type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const attr = (value: string) => escapeHtml(value);

/** A text object (`mrkdwn` or `plain_text`) as HTML; anything else is empty. */
export function textObjectHtml(text: unknown, names?: UserNames): string {
  if (!isObj(text) || typeof text.text !== "string") return "";
  if (text.type === "mrkdwn") return mrkdwnToHtml(text.text, names);
  const escaped = escapeHtml(text.text).replace(/\n/g, "<br>");
  return text.emoji === false ? escaped : replaceShortcodes(escaped);
}

/** `data-*` attributes that tell the console's script which element was used, and where. */
function dataAttrs(element: Obj, blockId: string | undefined): string {
  const parts = [`data-type="${attr(str(element.type) ?? "")}"`];
  const actionId = str(element.action_id);
  if (actionId !== undefined) parts.push(`data-action-id="${attr(actionId)}"`);
  if (blockId !== undefined) parts.push(`data-block-id="${attr(blockId)}"`);
  return parts.join(" ");
}

function buttonHtml(element: Obj, blockId: string | undefined, names?: UserNames): string {
  const style = str(element.style);
  const classes = ["bk-btn", style === "primary" || style === "danger" ? `bk-${style}` : ""]
    .filter(Boolean)
    .join(" ");
  const extra: string[] = [];
  const value = str(element.value);
  if (value !== undefined) extra.push(`data-value="${attr(value)}"`);
  if (isObj(element.confirm)) {
    const confirm = element.confirm;
    const question = [plainOf(confirm.title), plainOf(confirm.text)].filter(Boolean).join("\n\n");
    extra.push(`data-confirm="${attr(question || "Are you sure?")}"`);
  }
  const url = str(element.url);
  const href = url === undefined ? null : safeHref(url);
  if (href !== null) extra.push(`data-url="${attr(href)}"`);
  const label = textObjectHtml(element.text, names) || "Button";
  return `<button type="button" class="${classes}" ${dataAttrs(element, blockId)} ${extra.join(" ")}>${label}</button>`;
}

function plainOf(text: unknown): string {
  return isObj(text) && typeof text.text === "string" ? text.text : "";
}

function optionsOf(element: Obj): Obj[] {
  const direct = Array.isArray(element.options) ? element.options.filter(isObj) : [];
  const groups = Array.isArray(element.option_groups) ? element.option_groups.filter(isObj) : [];
  return [
    ...direct,
    ...groups.flatMap((g) => (Array.isArray(g.options) ? g.options.filter(isObj) : [])),
  ];
}

function selectHtml(element: Obj, blockId: string | undefined, dispatch: boolean): string {
  const initial = isObj(element.initial_option) ? str(element.initial_option.value) : undefined;
  const placeholder = plainOf(element.placeholder) || "Choose…";
  const options = optionsOf(element).map((o) => {
    const value = str(o.value) ?? "";
    const selected = value === initial ? " selected" : "";
    const description = plainOf(o.description);
    const title = description ? ` title="${attr(description)}"` : "";
    return `<option value="${attr(value)}"${selected}${title}>${escapeHtml(plainOf(o.text))}</option>`;
  });
  const empty = `<option value=""${initial === undefined ? " selected" : ""} disabled>${escapeHtml(placeholder)}</option>`;
  return `<select class="bk-select" ${dataAttrs(element, blockId)}${dispatch ? ' data-dispatch="true"' : ""}>${empty}${options.join("")}</select>`;
}

function textInputHtml(element: Obj, blockId: string | undefined): string {
  const placeholder = attr(plainOf(element.placeholder));
  const initial = str(element.initial_value) ?? "";
  if (element.multiline === true) {
    return `<textarea class="bk-input" rows="3" ${dataAttrs(element, blockId)} placeholder="${placeholder}">${escapeHtml(initial)}</textarea>`;
  }
  return `<input type="text" class="bk-input" ${dataAttrs(element, blockId)} placeholder="${placeholder}" value="${attr(initial)}">`;
}

/** An interactive element (button, select, text input, image); anything else is named only. */
function elementHtml(
  element: unknown,
  blockId: string | undefined,
  names: UserNames | undefined,
  dispatch: boolean,
): string {
  if (!isObj(element)) return "";
  switch (element.type) {
    case "button":
      return buttonHtml(element, blockId, names);
    case "static_select":
      return selectHtml(element, blockId, dispatch);
    case "plain_text_input":
      return textInputHtml(element, blockId);
    case "image":
      return imageHtml(element);
    case "mrkdwn":
    case "plain_text":
      return `<span>${textObjectHtml(element, names)}</span>`;
    default:
      return `<span class="bk-unknown">[${escapeHtml(str(element.type) ?? "element")}]</span>`;
  }
}

/** Images stay offline: the alt text in a frame instead of loading a remote URL. */
function imageHtml(element: Obj): string {
  const alt = str(element.alt_text) ?? "image";
  return `<span class="bk-img" title="${attr(alt)}">🖼 ${escapeHtml(alt)}</span>`;
}

function richTextElement(element: unknown, names?: UserNames): string {
  if (!isObj(element)) return "";
  const style = isObj(element.style) ? element.style : {};
  let html: string;
  switch (element.type) {
    case "text":
      html = escapeHtml(str(element.text) ?? "").replace(/\n/g, "<br>");
      break;
    case "link": {
      const url = str(element.url) ?? "";
      const href = safeHref(url);
      const label = escapeHtml(str(element.text) ?? url);
      html = href === null ? label : linkHtml(href, label);
      break;
    }
    case "user": {
      const id = str(element.user_id) ?? "";
      html = `<span class="mention">@${escapeHtml(names?.(id) ?? id)}</span>`;
      break;
    }
    case "emoji":
      html = replaceShortcodes(`:${escapeHtml(str(element.name) ?? "")}:`);
      break;
    case "channel":
      html = `<span class="mention">#${escapeHtml(str(element.channel_id) ?? "")}</span>`;
      break;
    case "broadcast":
      html = `<span class="mention">@${escapeHtml(str(element.range) ?? "")}</span>`;
      break;
    default:
      return "";
  }
  if (style.code === true) html = `<code>${html}</code>`;
  if (style.bold === true) html = `<strong>${html}</strong>`;
  if (style.italic === true) html = `<em>${html}</em>`;
  if (style.strike === true) html = `<del>${html}</del>`;
  return html;
}

function richTextPart(part: unknown, names?: UserNames): string {
  if (!isObj(part) || !Array.isArray(part.elements)) return "";
  const inner = (list: unknown[]) => list.map((e) => richTextElement(e, names)).join("");
  switch (part.type) {
    case "rich_text_section":
      return `<div>${inner(part.elements)}</div>`;
    case "rich_text_preformatted":
      return `<pre>${inner(part.elements)}</pre>`;
    case "rich_text_quote":
      return `<blockquote>${inner(part.elements)}</blockquote>`;
    case "rich_text_list": {
      const tag = part.style === "ordered" ? "ol" : "ul";
      const items = part.elements.map((e) => `<li>${richTextPart(e, names)}</li>`).join("");
      return `<${tag}>${items}</${tag}>`;
    }
    default:
      return "";
  }
}

function blockHtml(block: unknown, opts: BlockRenderOptions): string {
  if (!isObj(block)) return "";
  const names = opts.names;
  const blockId = str(block.block_id);
  const idAttr = blockId === undefined ? "" : ` data-block-id="${attr(blockId)}"`;
  switch (block.type) {
    case "header":
      return `<div class="bk-header"${idAttr}>${textObjectHtml(block.text, names)}</div>`;
    case "divider":
      return `<hr class="bk-divider">`;
    case "section": {
      const text =
        block.text === undefined ? "" : `<div>${textObjectHtml(block.text, names)}</div>`;
      const fields = Array.isArray(block.fields)
        ? `<div class="bk-fields">${block.fields.map((f) => `<div class="bk-field">${textObjectHtml(f, names)}</div>`).join("")}</div>`
        : "";
      const accessory =
        block.accessory === undefined
          ? ""
          : `<div class="bk-accessory">${elementHtml(block.accessory, blockId, names, true)}</div>`;
      return `<div class="bk-section"${idAttr}><div class="bk-section-body">${text}${fields}</div>${accessory}</div>`;
    }
    case "context": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      const parts = elements.map((e) =>
        isObj(e) && e.type === "image" ? imageHtml(e) : `<span>${textObjectHtml(e, names)}</span>`,
      );
      return `<div class="bk-context"${idAttr}>${parts.join(" ")}</div>`;
    }
    case "actions": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      const parts = elements.map((e) => elementHtml(e, blockId, names, true));
      return `<div class="bk-actions"${idAttr}>${parts.join("")}</div>`;
    }
    case "image":
      return `<div class="bk-image"${idAttr}>${imageHtml(block)}</div>`;
    case "input": {
      const label = escapeHtml(plainOf(block.label));
      const hint = plainOf(block.hint);
      const error = blockId === undefined ? undefined : opts.errors?.[blockId];
      const element = elementHtml(block.element, blockId, names, block.dispatch_action === true);
      return [
        `<div class="bk-input-block"${idAttr}>`,
        `<label class="bk-label">${label}${block.optional === true ? ' <span class="bk-optional">(optional)</span>' : ""}</label>`,
        element,
        hint ? `<div class="bk-hint">${escapeHtml(hint)}</div>` : "",
        error ? `<div class="bk-error" role="alert">${escapeHtml(error)}</div>` : "",
        "</div>",
      ].join("");
    }
    case "rich_text": {
      const parts = Array.isArray(block.elements) ? block.elements : [];
      return `<div class="bk-rich"${idAttr}>${parts.map((p) => richTextPart(p, names)).join("")}</div>`;
    }
    default:
      return `<div class="bk-unknown">[${escapeHtml(str(block.type) ?? "unknown")} block]</div>`;
  }
}

/**
 * Block Kit blocks to HTML, as Slack would lay them out: header, section (text, fields,
 * accessory), context, divider, actions (buttons and selects), image (alt text only: the
 * console loads nothing remote), input (for modals) and rich_text. Every text is escaped; buttons
 * and inputs carry `data-action-id`, `data-block-id`, `data-value` (and `data-confirm`) for the
 * console's script. Not an array: empty.
 */
export function renderBlocks(blocks: unknown, opts: BlockRenderOptions = {}): string {
  if (!Array.isArray(blocks)) return "";
  return blocks.map((b) => blockHtml(b, opts)).join("");
}

/** A Slack message's body as Slack shows it: its blocks when it has any, else its text. */
export function renderMessageHtml(
  message: { text?: string | undefined; blocks?: unknown },
  opts: BlockRenderOptions = {},
): string {
  if (Array.isArray(message.blocks) && message.blocks.length > 0) {
    return renderBlocks(message.blocks, opts);
  }
  return `<div class="bk-text">${mrkdwnToHtml(message.text ?? "", opts.names)}</div>`;
}
