import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { slackToWhatsApp } from "./slack-to-whatsapp.ts";
import { whatsappToSlack } from "./whatsapp-to-slack.ts";

const noNames = { user: () => null };
const back = (slack: string) => slackToWhatsApp(slack, noNames);

describe("whatsappToSlack: real customer formatting", () => {
  // From the "Formatting in WhatsApp Messages" tables of Twilio's and 360dialog's WhatsApp docs.
  it("keeps bold and italic", () => {
    expect(whatsappToSlack("Your total is *$10.50*.")).toBe("Your total is *$10.50*.");
    expect(whatsappToSlack("Welcome to _WhatsApp_!")).toBe("Welcome to _WhatsApp_!");
  });

  // From Zavu's WhatsApp text message guide.
  it("keeps mixed formatting", () => {
    const text = "Your order *#12345* is _confirmed_.\n\nTotal: `$99.99`";
    expect(whatsappToSlack(text)).toBe(text);
  });

  // From GREEN-API's "How to format text" FAQ, one line per WhatsApp format.
  it("keeps every WhatsApp format readable in Slack", () => {
    expect(whatsappToSlack("*bold text*")).toBe("*bold text*");
    expect(whatsappToSlack("_Italic text_")).toBe("_Italic text_");
    expect(whatsappToSlack("~strikethrough text~")).toBe("~strikethrough text~");
    expect(whatsappToSlack("```fixed space text```")).toBe("```fixed space text```");
    expect(whatsappToSlack("`Text with embedded code`")).toBe("`Text with embedded code`");
    expect(whatsappToSlack("> Quoting text")).toBe("> Quoting text");
    expect(whatsappToSlack("* First item\n- Second item")).toBe("* First item\n- Second item");
    expect(whatsappToSlack("1. First item\n2. Second item")).toBe("1. First item\n2. Second item");
  });
});

describe("whatsappToSlack: escaping", () => {
  it("escapes & < > so nothing becomes a link, mention or ping", () => {
    expect(whatsappToSlack("a < b & c > d")).toBe("a &lt; b &amp; c &gt; d");
    // The customer's own link syntax cannot hide the address behind a label: the URL is linked
    // with its `|` encoded, so "bank" stays part of the visible address.
    expect(whatsappToSlack("<!channel> <@U123> <#C1|x> <https://evil.example|bank>")).toBe(
      "&lt;!channel&gt; &lt;@U123&gt; &lt;#C1|x&gt; &lt;<https://evil.example%7Cbank>&gt;",
    );
    expect(whatsappToSlack("&lt; already")).toBe("&amp;lt; already");
  });

  it("leaves a plain @channel alone (the block is verbatim, so it does not ping)", () => {
    expect(whatsappToSlack("@channel @here")).toBe("@channel @here");
  });

  it("escapes inside code too", () => {
    expect(whatsappToSlack("`a<b>&c`")).toBe("`a&lt;b&gt;&amp;c`");
    expect(whatsappToSlack("```\nif (a < b && c > d)\n> not a quote\n```")).toBe(
      "```\nif (a &lt; b &amp;&amp; c &gt; d)\n&gt; not a quote\n```",
    );
  });

  it("makes URLs clickable links, intact with &, and cut neither by | nor by >", () => {
    const url = "https://toko.example/track?id=7&ref=wa";
    const slack = whatsappToSlack(`cek ${url}. ya`);
    expect(slack).toBe("cek <https://toko.example/track?id=7&amp;ref=wa>. ya");
    expect(back(slack)).toBe(`cek ${url}. ya`);
    expect(whatsappToSlack("https://a.example/x|y>z")).toBe("<https://a.example/x%7Cy>&gt;z");
    expect(whatsappToSlack("*https://a.example/promo*")).toBe("*<https://a.example/promo>*");
    expect(whatsappToSlack("lihat (https://a.example/p_(1)) ya")).toBe(
      "lihat (<https://a.example/p_(1)>) ya",
    );
    expect(whatsappToSlack("xhttps://a.example and `https://code.example`")).toBe(
      "xhttps://a.example and `https://code.example`",
    );
  });
});

describe("whatsappToSlack: quotes", () => {
  it("keeps a quote line's > as Slack's quote marker and escapes every other >", () => {
    expect(whatsappToSlack("> kemarin saya pesan\nkapan sampai?")).toBe(
      "> kemarin saya pesan\nkapan sampai?",
    );
    expect(whatsappToSlack("> a > b\n>no space\nx > y\n > indented")).toBe(
      "> a &gt; b\n&gt;no space\nx &gt; y\n &gt; indented",
    );
  });

  it("does not let a customer open Slack's quote-the-rest marker", () => {
    expect(whatsappToSlack(">>> all")).toBe("&gt;&gt;&gt; all");
  });
});

const soup = fc.string({
  unit: fc.constantFrom(
    "<",
    ">",
    "> ",
    "&",
    "!",
    "@",
    "#",
    "|",
    "*",
    "_",
    "~",
    "`",
    "```",
    "\n",
    " ",
    "a",
    "<!channel>",
    "<@U1>",
    "https://x.example/?a=1&b=2",
    "😀",
  ),
  maxLength: 200,
});

describe("whatsappToSlack: hostile input", () => {
  it("never produces <!, <@ or <# (every < opens an http link)", () => {
    fc.assert(
      fc.property(fc.oneof(soup, fc.string({ unit: "binary", maxLength: 300 })), (s) => {
        const out = whatsappToSlack(s);
        expect(out.replace(/<https?:\/\/[^<>|\s]+>/gi, "")).not.toContain("<");
        expect(out).not.toMatch(/<[!@#]/);
      }),
      { numRuns: 1000 },
    );
  });

  it("escapes every & (each one starts one of the three entities)", () => {
    fc.assert(
      fc.property(soup, (s) => {
        expect(whatsappToSlack(s).replace(/&(?:amp|lt|gt);/g, "")).not.toContain("&");
      }),
    );
  });

  it("never throws on very long random input", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 50_000, maxLength: 100_000 }), (s) => {
        expect(typeof whatsappToSlack(s)).toBe("string");
      }),
      { numRuns: 5 },
    );
  });

  it.each([
    ["<", "<".repeat(200_000)],
    ["*a", "*a".repeat(100_000)],
    ["_", "_".repeat(200_000)],
    ["`", "`".repeat(200_000)],
    ["``` ", "``` ".repeat(50_000)],
    ["> \n", "> \n".repeat(66_000)],
    ["&", "&".repeat(200_000)],
  ])("finishes on 200,000 characters of %j", (_, input) => {
    const start = performance.now();
    const out = whatsappToSlack(input);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(out.length).toBeGreaterThanOrEqual(input.length);
  });
});

describe("whatsappToSlack then slackToWhatsApp", () => {
  // Everything but emoji shortcodes (which Slack shows as emoji), Slack's bullet glyphs and its
  // >>> marker comes back exactly as the customer wrote it, formatting included.
  const text = fc.string({
    unit: fc.constantFrom(
      ...[..."abcXYZ019 .,!?()'\"-+=/@#%$|<>&\n\tée中😀*_~`"],
      "```",
      "> ",
      "<!channel>",
      "<@U1>",
      "&amp;",
    ),
    maxLength: 200,
  });

  it("gives back the customer's text", () => {
    fc.assert(
      fc.property(
        text.filter((s) => !/(^|\n)[ \t]*>>>/.test(s)),
        (s) => {
          expect(back(whatsappToSlack(s))).toBe(s);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("keeps bold, italic, strike and monospace spans", () => {
    const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ]{0,20}[A-Za-z0-9]$/);
    const span = fc.tuple(fc.constantFrom("*", "_", "~", "```", "`"), word);
    fc.assert(
      fc.property(fc.array(span, { minLength: 1, maxLength: 5 }), (spans) => {
        const s = spans.map(([m, w]) => `${m}${w}${m}`).join(" and ");
        const slack = whatsappToSlack(s);
        for (const [m, w] of spans) expect(slack).toContain(`${m}${w}${m}`);
        expect(back(slack)).toBe(s);
      }),
    );
  });
});
