import { emojiForShortcode } from "../../core/format/emoji.ts";
import { escapeHtml, linkHtml, safeHref } from "./html.ts";

/** Names for `<@U…>` mentions; unknown ids are shown as the id. */
export type UserNames = (userId: string) => string | undefined;

// Placeholders for already-rendered HTML while the rest of the text is escaped and formatted:
// private-use characters no Slack text carries (they are stripped from the input first).
const OPEN = "\uE000";
const CLOSE = "\uE001";
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/** Slack's own entity escaping (`&amp;`, `&lt;`, `&gt;`) back to characters. */
function decodeSlackEntities(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** `:name:` shortcodes Slack shows as emoji. */
export function replaceShortcodes(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/gi, (whole, name: string) => {
    return emojiForShortcode(name.toLowerCase()) ?? whole;
  });
}

/** One `<…>` token: a link, a mention, a channel, a special mention or a date. */
function angleToken(inner: string, names: UserNames): string {
  const bar = inner.indexOf("|");
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? null : decodeSlackEntities(inner.slice(bar + 1));
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = label ?? names(id) ?? id;
    return `<span class="mention">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  }
  if (target.startsWith("!")) {
    const command = target.slice(1);
    // <!date^…|fallback>: the fallback is the text Slack shows where it cannot format the date.
    if (command.startsWith("date^")) return `<time>${escapeHtml(label ?? command)}</time>`;
    if (command.startsWith("subteam^")) {
      return `<span class="mention">${escapeHtml(label ?? `@${command.slice(8)}`)}</span>`;
    }
    return `<span class="mention">@${escapeHtml(label ?? command)}</span>`;
  }
  const url = decodeSlackEntities(target);
  const href = safeHref(url);
  // Not a link Slack would make (`<script>` typed raw): shown as typed, never as markup.
  if (href === null) return escapeHtml(label ?? `<${url}>`);
  return linkHtml(href, escapeHtml(label ?? url));
}

/** Bold, italic and strike on escaped text, where the markers stand at word edges. */
function emphasis(escaped: string): string {
  const wrap = (marker: string, tag: string) => ({
    // Opening marker after a non-word character, closing one before: `snake_case_name` and
    // `2*3*4` stay as they are, as in Slack.
    re: new RegExp(
      `(^|[^\\p{L}\\p{N}${marker}])${marker}(?=\\S)([^${marker}\\n]*?\\S)${marker}(?![\\p{L}\\p{N}${marker}])`,
      "gu",
    ),
    tag,
  });
  let out = escaped;
  for (const rule of [wrap("\\*", "strong"), wrap("_", "em"), wrap("~", "del")]) {
    out = out.replace(rule.re, (_w, before: string, inner: string) => {
      return `${before}<${rule.tag}>${inner}</${rule.tag}>`;
    });
  }
  return out;
}

/**
 * Slack mrkdwn to HTML, the basics the service writes and agents type: `*bold*`, `_italic_`,
 * `~strike~`, `` `code` ``, ```` ```blocks``` ````, `> quotes`, `<url|label>` links (http, https,
 * mailto and tel only), `<@U…>` / `<#C…>` / `<!here>` mentions, `<!date^…|fallback>`, `:emoji:`
 * and line breaks. Everything else is escaped: the text comes from customers and agents.
 */
export function mrkdwnToHtml(text: string, names: UserNames = () => undefined): string {
  const saved: string[] = [];
  const keep = (html: string) => {
    saved.push(html);
    return `${OPEN}${saved.length - 1}${CLOSE}`;
  };
  let work = text.replace(/[\uE000\uE001]/g, "");
  work = work.replace(/```([\s\S]*?)```/g, (_w, code: string) =>
    keep(`<pre>${escapeHtml(decodeSlackEntities(code.replace(/^\n/, "")))}</pre>`),
  );
  work = work.replace(/`([^`\n]+)`/g, (_w, code: string) =>
    keep(`<code>${escapeHtml(decodeSlackEntities(code))}</code>`),
  );
  work = work.replace(/<([^<>\n]+)>/g, (_w, inner: string) => keep(angleToken(inner, names)));
  const lines = work.split("\n").map((line) => {
    const quoted = /^(&gt;|>) ?/.exec(line);
    const body = quoted ? line.slice(quoted[0].length) : line;
    const html = emphasis(replaceShortcodes(escapeHtml(decodeSlackEntities(body))));
    return quoted ? `<blockquote>${html}</blockquote>` : html;
  });
  const joined = lines.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  return joined.replace(PLACEHOLDER, (_w, index: string) => saved[Number(index)] ?? "");
}
