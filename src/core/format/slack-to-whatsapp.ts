import { emojiForShortcode, withSkinTone } from "./emoji.ts";

/** Resolves the ids in Slack markup to current names; null (or empty) when unknown. */
export interface SlackNames {
  user(id: string): string | null;
  usergroup?(id: string): string | null;
  channel?(id: string): string | null;
}

// Everything here is a hand-written scanner rather than a set of regular expressions: an agent's
// reply can be long and arbitrary, and every step below moves forward through the text, so the
// work stays linear whatever the input (no backtracking to blow up on `<<<<` or `****`).

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const COLON = 0x3a;
const BACKTICK = 0x60;
const NL = 0x0a;

const MARKERS = new Set(["*", "_", "~"]);

// Glyphs Slack's composer puts in front of list items, top level (•) and nested (◦, ▪).
const BULLETS = new Set(["•", "◦", "▪", "▫", "‣", "⁃"]);

// Longest emoji name looked at; Slack's longest standard names are about 60 characters.
const MAX_EMOJI_NAME = 100;

function isSpecial(c: number): boolean {
  return c === LT || c === AMP || c === COLON || c === BACKTICK || c === NL;
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

// Slack's shortcode names: lowercase letters, digits and `_ - + '` (as in `+1`, `man-shrugging`).
function isEmojiNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2d ||
    c === 0x2b ||
    c === 0x27
  );
}

// Slack escapes exactly these three; any other `&…;` is text the person typed.
function entityAt(s: string, i: number): [string, number] {
  if (s.startsWith("&amp;", i)) return ["&", i + 5];
  if (s.startsWith("&lt;", i)) return ["<", i + 4];
  if (s.startsWith("&gt;", i)) return [">", i + 4];
  return ["&", i + 1];
}

function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const amp = s.indexOf("&", i);
    if (amp === -1) return out + s.slice(i);
    out += s.slice(i, amp);
    const [text, next] = entityAt(s, amp);
    out += text;
    i = next;
  }
  return out;
}

// A sequence never spans lines or holds another `<`: that keeps each scan to text no other scan
// revisits, so a flood of stray `<` stays linear.
function tokenAt(s: string, i: number): { body: string; end: number } | null {
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === GT || c === LT || c === NL) break;
    j++;
  }
  if (j < s.length && s.charCodeAt(j) === GT && j > i + 1) {
    return { body: s.slice(i + 1, j), end: j + 1 };
  }
  return null;
}

function splitPipe(s: string): [string, string] {
  const bar = s.indexOf("|");
  return bar === -1 ? [s, ""] : [s.slice(0, bar), s.slice(bar + 1)];
}

function present(s: string | null | undefined): string | null {
  const t = s?.trim();
  return t ? t : null;
}

function withoutPrefix(s: string, prefix: string): string {
  return s.startsWith(prefix) ? s.slice(prefix.length) : s;
}

// A customer cannot open `mailto:`/`tel:` and WhatsApp links bare addresses and numbers itself.
function showUrl(url: string): string {
  const m = /^(?:mailto|tel):/i.exec(url);
  return m ? url.slice(m[0].length) : url;
}

function bareLink(s: string): string {
  const m = /^[a-z][a-z0-9+.-]*:(?:\/\/)?/i.exec(s);
  const rest = m ? s.slice(m[0].length) : s;
  return rest.endsWith("/") ? rest.slice(0, -1) : rest;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

// `<!date^…>` always carries a fallback in practice; this covers one that arrives without it.
function utcDate(command: string): string | null {
  const seconds = Number(command.split("^")[1]);
  if (!Number.isFinite(seconds)) return null;
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

function renderToken(body: string, names: SlackNames): string | null {
  const [head, rawLabel] = splitPipe(body);
  const label = present(decodeEntities(rawLabel));
  switch (head.charAt(0)) {
    case "@": {
      const id = head.slice(1);
      const name = (id ? present(names.user(id)) : null) ?? label;
      return name ? `@${withoutPrefix(name, "@")}` : "a teammate";
    }
    case "#": {
      const id = head.slice(1);
      const name = (id ? present(names.channel?.(id)) : null) ?? label;
      return name ? `#${withoutPrefix(name, "#")}` : "a channel";
    }
    case "!": {
      const command = head.slice(1);
      // Pings for the Slack workspace mean nothing to a customer.
      if (["here", "channel", "everyone", "group"].includes(command)) return null;
      if (command.startsWith("subteam^")) {
        const name = present(names.usergroup?.(command.slice("subteam^".length))) ?? label;
        return name ? `@${withoutPrefix(name, "@")}` : null;
      }
      if (command.startsWith("date^")) return label ?? utcDate(command);
      return label;
    }
    default: {
      const url = decodeEntities(head);
      if (!label) return showUrl(url);
      if (label === url) return url;
      // Slack links what people type (`www.foo.com`, `a@b.c`) as `<http://www.foo.com|www.foo.com>`:
      // the typed form is the link. Any other label keeps its URL visible, so no label can hide
      // where a link really goes.
      if (bareLink(label) === bareLink(url)) return label;
      return `${label} (${showUrl(url)})`;
    }
  }
}

// Code is shown as the agent saw it in Slack: decoded, links and mentions as their text, and no
// list, quote or emoji rewriting.
function renderCode(s: string, names: SlackNames): string {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === LT) {
      const token = tokenAt(s, i);
      if (token) {
        out += renderToken(token.body, names) ?? "";
        i = token.end;
      } else {
        out += "<";
        i++;
      }
    } else if (c === AMP) {
      const [text, next] = entityAt(s, i);
      out += text;
      i = next;
    } else {
      let j = i + 1;
      while (j < s.length && s.charCodeAt(j) !== LT && s.charCodeAt(j) !== AMP) j++;
      out += s.slice(i, j);
      i = j;
    }
  }
  return out;
}

class Output {
  private readonly parts: string[] = [];

  push(s: string): void {
    if (s) this.parts.push(s);
  }

  tail(k: number): string {
    let t = "";
    for (let p = this.parts.length - 1; p >= 0 && t.length < k; p--) {
      t = (this.parts[p] ?? "").slice(t.length - k) + t;
    }
    return t;
  }

  popChar(): void {
    const last = this.parts.length - 1;
    const piece = this.parts[last];
    if (piece === undefined) return;
    if (piece.length <= 1) this.parts.pop();
    else this.parts[last] = piece.slice(0, -1);
  }

  toString(): string {
    return this.parts.join("");
  }
}

function isBlank(ch: string | undefined): boolean {
  return ch === undefined || ch === "" || ch === " " || ch === "\t" || ch === "\n";
}

/**
 * Turns Slack mrkdwn, as it arrives in a message event's `text`, into WhatsApp formatting.
 *
 * - `&amp;`, `&lt;`, `&gt;` are decoded (after `<…>` sequences are read, so an escaped `<` never
 *   starts one);
 * - links: `<url>` → url, `<url|label>` → `label (url)`, or just the label when it is the URL as
 *   typed (`<mailto:a@b.c|a@b.c>` → `a@b.c`); `mailto:`/`tel:` are left off shown addresses;
 * - `<@U…>` → `@Name` from `names.user` (else the `|name` part, else "a teammate"); `<#C…>` →
 *   `#name`; `<!subteam^S…>` → `@handle` or dropped; `<!date^…|fallback>` → fallback;
 *   `<!here>`, `<!channel>`, `<!everyone>` are dropped with the space next to them;
 * - `*bold*`, `_italic_`, `~strike~`, `` `code` `` and ```` ```blocks``` ```` have the same
 *   markers in WhatsApp and are kept; code is not reformatted, only decoded (a `<…>` inside it is
 *   shown as the readable text it stands for, since a customer must never see `<@U…>`);
 * - `•`/`◦`/`▪` list items become `- ` items (WhatsApp's list syntax), numbered and `- ` items
 *   are kept; `&gt; quote` becomes `> quote` and Slack's `>>>` (quote the rest) becomes a `> `
 *   on every following line;
 * - emoji shortcodes (`:thumbsup:`, `:pray::skin-tone-3:`, `:flag-id:`) become Unicode emoji;
 *   unknown ones (custom workspace emoji) stay as text.
 */
export function slackToWhatsApp(text: string, names: SlackNames): string {
  const s = text;
  const n = s.length;
  const out = new Output();
  let i = 0;
  let lineStart = true;
  let quoteRest = false;
  // Once a ``` has no closing partner, no later one has either: never search again.
  let fenceUnclosed = false;

  const lineOpening = (at: number): number => {
    let j = at;
    if (quoteRest) out.push(j >= n || s.charCodeAt(j) === NL ? ">" : "> ");
    while (j < n && (s[j] === " " || s[j] === "\t")) j++;
    if (!quoteRest) {
      const marker = s.startsWith("&gt;&gt;&gt;", j) ? 12 : s.startsWith(">>>", j) ? 3 : 0;
      if (marker > 0) {
        quoteRest = true;
        let k = j + marker;
        if (s[k] === " ") k++;
        out.push(k >= n || s.charCodeAt(k) === NL ? ">" : "> ");
        return k;
      }
    }
    const glyph = s[j];
    if (glyph !== undefined && BULLETS.has(glyph)) {
      let k = j + 1;
      if (s[k] === "\ufe0e" || s[k] === "\ufe0f") k++;
      if (s[k] === " " || s[k] === "\t") {
        out.push(s.slice(at, j));
        out.push("- ");
        return k + 1;
      }
    }
    return at;
  };

  const code = (at: number): number => {
    if (s.startsWith("```", at)) {
      if (!fenceUnclosed) {
        const close = s.indexOf("```", at + 3);
        if (close !== -1) {
          out.push(`\`\`\`${renderCode(s.slice(at + 3, close), names)}\`\`\``);
          return close + 3;
        }
        fenceUnclosed = true;
      }
      let j = at;
      while (j < n && s.charCodeAt(j) === BACKTICK) j++;
      out.push(s.slice(at, j));
      return j;
    }
    if (s.charCodeAt(at + 1) === BACKTICK) {
      out.push("``");
      return at + 2;
    }
    // Inline code ends on the same line, as in Slack; otherwise the backtick is just a character.
    let j = at + 1;
    while (j < n && s.charCodeAt(j) !== BACKTICK && s.charCodeAt(j) !== NL) j++;
    if (j < n && s.charCodeAt(j) === BACKTICK) {
      out.push(`\`${renderCode(s.slice(at + 1, j), names)}\``);
      return j + 1;
    }
    out.push("`");
    return at + 1;
  };

  // Removing `<!here>` must not leave a double space, a space inside a bold span (`*<!here> hi*`
  // → `*hi*`, since `* hi*` is not bold in WhatsApp), an empty `**`, or a line of nothing.
  const dropped = (next: number): number => {
    let k = next;
    const before = out.tail(1);
    if (MARKERS.has(before) && s[k] === before) {
      out.popChar();
      k++;
    }
    const [p2, p] = out.tail(2).padStart(2, "\n");
    const nx = s[k];
    const afterOpener = p !== undefined && MARKERS.has(p) && isBlank(p2);
    if (nx === " " && (isBlank(p) || p === "(" || afterOpener)) return k + 1;
    if (nx === "\n" && (p === undefined || p === "\n")) return k + 1;
    if (p === " ") {
      const closer = nx !== undefined && MARKERS.has(nx) && !/[^\s.,!?;:)]/.test(s[k + 1] ?? " ");
      if (nx === undefined || nx === "\n" || nx === " " || /[.,!?;:)]/.test(nx) || closer) {
        out.popChar();
      }
    }
    return k;
  };

  const token = (at: number): number => {
    const t = tokenAt(s, at);
    if (!t) {
      out.push("<");
      return at + 1;
    }
    const rendered = renderToken(t.body, names);
    if (rendered === null) return dropped(t.end);
    out.push(rendered);
    return t.end;
  };

  const emoji = (at: number): number => {
    const limit = Math.min(n, at + 1 + MAX_EMOJI_NAME);
    let j = at + 1;
    while (j < limit && isEmojiNameChar(s.charCodeAt(j))) j++;
    // Slack's composer writes emoji as shortcodes glued to the text around them (`ok:+1:`), so
    // a word on one side is normal; one on both sides (`a:b:c`, `1:100:2`) is text, not emoji.
    const wedged = isWordChar(s.charCodeAt(at - 1)) && isWordChar(s.charCodeAt(j + 1));
    if (j > at + 1 && s.charCodeAt(j) === COLON && !wedged) {
      const found = emojiForShortcode(s.slice(at + 1, j));
      if (found) {
        let end = j + 1;
        let glyph = found;
        // Slack writes a skin tone as a second shortcode right after: `:wave::skin-tone-4:`.
        const tone = s.charCodeAt(end + 11) - 0x30;
        if (s.startsWith(":skin-tone-", end) && tone >= 2 && tone <= 6 && s[end + 12] === ":") {
          glyph = withSkinTone(found, tone);
          end += 13;
        }
        out.push(glyph);
        return end;
      }
    }
    out.push(":");
    return at + 1;
  };

  while (i < n) {
    if (lineStart) {
      lineStart = false;
      i = lineOpening(i);
      if (i >= n) break;
    }
    const c = s.charCodeAt(i);
    if (c === NL) {
      out.push("\n");
      i++;
      lineStart = true;
    } else if (c === BACKTICK) {
      i = code(i);
    } else if (c === LT) {
      i = token(i);
    } else if (c === AMP) {
      const [decoded, next] = entityAt(s, i);
      out.push(decoded);
      i = next;
    } else if (c === COLON) {
      i = emoji(i);
    } else {
      let j = i + 1;
      while (j < n && !isSpecial(s.charCodeAt(j))) j++;
      out.push(s.slice(i, j));
      i = j;
    }
  }
  return out.toString();
}
