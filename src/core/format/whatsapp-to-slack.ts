const NL = 0x0a;

/**
 * Turns a customer's WhatsApp text into Slack mrkdwn for mirroring into a thread.
 *
 * WhatsApp's `*bold*`, `_italic_`, `~strike~`, `` `code` `` and ```` ```mono``` ```` are written
 * the same way in Slack and are kept. `&`, `<` and `>` are escaped everywhere, inside code too
 * (Slack decodes them there as well), so no customer text can become a link, a mention or a
 * `<!channel>` ping: the output holds no `<` at all. The one `>` left as it is: a `> ` opening a
 * line outside code, WhatsApp's quote, which is also Slack's quote marker. An `http(s)://` URL
 * outside code becomes a `<url>` link (the mirrored blocks are `verbatim`, so Slack would not
 * link it by itself), with `|`, `<` and `>` percent-encoded so that no URL can end early or grow
 * a label: the only `<` in the output opens such a link.
 */
export function whatsappToSlack(text: string): string {
  const s = text;
  const n = s.length;
  let out = "";
  let i = 0;
  // Inside a ``` block a line-start `>` is code, not a quote, so it is escaped like any other.
  let fenceEnd = -1;
  let fenceUnclosed = false;
  // Inside `inline code` a URL stays text, as the customer wrote it.
  let codeEnd = -1;
  while (i < n) {
    if (i >= fenceEnd && fenceEnd !== -1) fenceEnd = -1;
    const c = s[i];
    if (c === "&") {
      out += "&amp;";
      i++;
    } else if (c === "<") {
      out += "&lt;";
      i++;
    } else if (c === ">") {
      const lineStart = i === 0 || s.charCodeAt(i - 1) === NL;
      out += lineStart && fenceEnd === -1 && s[i + 1] === " " ? ">" : "&gt;";
      i++;
    } else if (c === "`" && fenceEnd === -1 && !fenceUnclosed && s.startsWith("```", i)) {
      // Only a ``` with a partner is a block; once one has none, no later one has either.
      const close = s.indexOf("```", i + 3);
      if (close === -1) fenceUnclosed = true;
      else fenceEnd = close + 3;
      out += "```";
      i += 3;
    } else if (c === "`") {
      // The next backtick closes the span only on the same line; each search covers fresh text,
      // so the scan stays linear however many backticks there are.
      if (fenceEnd === -1 && i >= codeEnd) {
        const close = s.indexOf("`", i + 1);
        if (close !== -1 && !s.slice(i, close).includes("\n")) codeEnd = close + 1;
      }
      out += "`";
      i++;
    } else if (fenceEnd === -1 && i >= codeEnd && (c === "h" || c === "H") && urlStartsAt(s, i)) {
      const end = urlEnd(s, i);
      out += `<${linkTarget(s.slice(i, end))}>`;
      i = end;
    } else {
      let j = i + 1;
      while (j < n) {
        const d = s[j];
        if (d === "&" || d === "<" || d === ">" || d === "`" || d === "h" || d === "H") break;
        j++;
      }
      out += s.slice(i, j);
      i = j;
    }
  }
  return out;
}

const URL_STOP = /[\s<>`"]/;
const TRAILING = ".,;:!?'\")]*_~";

/** `http://` or `https://` at a word start (so `xhttp://` is left as text). */
function urlStartsAt(s: string, i: number): boolean {
  if (i > 0 && /[\p{L}\p{N}_]/u.test(s[i - 1]!)) return false;
  const head = s.slice(i, i + 8).toLowerCase();
  const rest = head.startsWith("https://") ? 8 : head.startsWith("http://") ? 7 : 0;
  return rest > 0 && i + rest < s.length && !URL_STOP.test(s[i + rest]!);
}

/** Where a URL ends: at white space or a character that cannot be in it, minus end punctuation. */
function urlEnd(s: string, i: number): number {
  let j = i;
  while (j < s.length && !URL_STOP.test(s[j]!)) j++;
  // Counted once and kept up to date as the end moves back: counting again at every trailing
  // character made "http://a" followed by 40,000 ")" take seconds.
  const opens = count(s, i, j, "(");
  let closes = count(s, i, j, ")");
  // "see https://x.com/a." or "*https://x.com*": the sentence's or the formatting's end marks.
  while (j > i && TRAILING.includes(s[j - 1]!)) {
    // A ")" closing a "(" inside the URL belongs to it (Wikipedia-style links).
    if (s[j - 1] === ")") {
      if (opens >= closes) break;
      closes--;
    }
    j--;
  }
  return j;
}

function linkTarget(url: string): string {
  return url.replace(/&/g, "&amp;").replace(/\|/g, "%7C").replace(/</g, "%3C").replace(/>/g, "%3E");
}

function count(s: string, from: number, to: number, ch: string): number {
  let n = 0;
  for (let k = from; k < to; k++) if (s[k] === ch) n++;
  return n;
}
