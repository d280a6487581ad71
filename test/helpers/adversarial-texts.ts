/**
 * Hostile message texts for the "no input can stall the event loop" tests: long runs of what a
 * backtracking regular expression or a per-match slice would walk again and again. Test-only;
 * nothing in the service imports it.
 */

/** `unit` repeated to exactly `length` characters (UTF-16 code units; may cut a pair in two). */
export function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/** Named hostile texts of about `length` characters each. */
export function adversarialTexts(length: number): Record<string, string> {
  const half = Math.floor(length / 2);
  const r = (unit: string) => repeatTo(unit, length);
  return {
    "word characters": r("a"),
    "mixed word characters": r("ab1_"),
    "a@ pairs": r("a@"),
    "a. pairs (one clause each)": r("a."),
    "words and spaces": r("word "),
    emoji: r("😀"),
    "exclamation marks": r("!"),
    "question marks": r("?"),
    "?! alternating": r("?!"),
    "nested brackets": `${"(".repeat(half)}${")".repeat(length - half)}`,
    "mixed brackets": r("[{(<"),
    digits: r("1"),
    "letters then digits then a letter": `ab${repeatTo("1", length - 3)}x`,
    "order-id prefixes": r("ab-1111x"),
    "link prefixes": r("http://"),
    "links with ?": r("http://a?"),
    "a link then question marks": `https://${repeatTo("?", length - 8)}`,
    "an @ then a hyphenated domain": `x@${repeatTo("a-", length - 2)}`,
    "an @ then word characters": `a@${repeatTo("a", length - 2)}`,
    "stretched letters": r("aaab"),
    "combining marks": r("a\u0301"),
    "no-break spaces": r("a\u00a0"),
    "line breaks": r("\n"),
    apostrophes: r("'"),
    "Slack markers": r("*_~`"),
    "angle brackets": r("<"),
    "Slack links": r("<http://a|"),
    "request phrases": r("talk to admin "),
    "request phrases, one clause each": r("talk to admin. "),
    "want phrases": r("mau minta admin kirim "),
    "opt-out phrases": r("jangan hubungi saya lagi "),
    "unsubscribe words": r("unsubscribe "),
    "override phrases": r("ignore the "),
    "role phrases": r("you are now "),
    "tried and a long word": `tried ${repeatTo("a", length - 6)}`,
    "digits then kali": `${repeatTo("1", length - 5)} kali`,
    "chat text": r("Halo kak, saya mau tanya harga dong?! "),
    "shouting text": r("KENAPA PESANAN SAYA BELUM SAMPAI!!! "),
  };
}
