import { escapeHtml, linkHtml } from "./html.ts";

// Placeholder characters for rendered code and links while the rest is formatted; stripped from
// the input first so a message cannot forge one.
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

function emphasis(escaped: string, marker: string, tag: string): string {
  const m = marker === "*" ? "\\*" : marker;
  const re = new RegExp(
    `(^|[^\\p{L}\\p{N}${m}])${m}(?=\\S)([^${m}\\n]*?\\S)${m}(?![\\p{L}\\p{N}${m}])`,
    "gu",
  );
  return escaped.replace(re, (_w, before: string, inner: string) => {
    return `${before}<${tag}>${inner}</${tag}>`;
  });
}

/**
 * A WhatsApp message's text as the phone shows it: `*bold*`, `_italic_`, `~strike~`,
 * ```` ```monospace``` ````, `` `code` ``, `> quote` lines, http(s) URLs as links, line breaks.
 * Everything else is escaped.
 */
export function whatsappToHtml(text: string): string {
  const saved: string[] = [];
  const keep = (html: string) => {
    saved.push(html);
    return `\uE000${saved.length - 1}\uE001`;
  };
  let work = text.replace(/[\uE000\uE001]/g, "");
  work = work.replace(/```([\s\S]+?)```/g, (_w, code: string) =>
    keep(`<code class="mono">${escapeHtml(code)}</code>`),
  );
  work = work.replace(/`([^`\n]+)`/g, (_w, code: string) =>
    keep(`<code>${escapeHtml(code)}</code>`),
  );
  work = work.replace(/https?:\/\/[^\s<>"')]+/g, (url) => keep(linkHtml(url, escapeHtml(url))));
  const lines = work.split("\n").map((line) => {
    const quoted = line.startsWith("> ");
    let html = escapeHtml(quoted ? line.slice(2) : line);
    html = emphasis(html, "*", "strong");
    html = emphasis(html, "_", "em");
    html = emphasis(html, "~", "del");
    return quoted ? `<blockquote>${html}</blockquote>` : html;
  });
  const joined = lines.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  return joined.replace(PLACEHOLDER, (_w, index: string) => saved[Number(index)] ?? "");
}
