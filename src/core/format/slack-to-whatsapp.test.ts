import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type SlackNames, slackToWhatsApp } from "./slack-to-whatsapp.ts";

const names: SlackNames = {
  user: (id) => ({ U1: "Sari", U2: "Budi Santoso", U3: "@dewi" })[id] ?? null,
  usergroup: (id) => (id === "S1" ? "support" : null),
  channel: (id) => (id === "C1" ? "billing" : null),
};
const noNames: SlackNames = { user: () => null };

const toWa = (text: string, n: SlackNames = names) => slackToWhatsApp(text, n);

/** What a Slack client sends for typed text: the three control characters escaped. */
const escapeLikeSlack = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

describe("slackToWhatsApp: real message texts", () => {
  // From Slack's "Message Formatting" page (slackhq/slack-api-docs, page_formatting.md).
  it("decodes what a user typed as `Hello & <world>`", () => {
    expect(toWa("Hello &amp; &lt;world&gt;")).toBe("Hello & <world>");
  });

  it("reads channel and user references", () => {
    expect(toWa("Why not join <#C024BE7LR|general>?")).toBe("Why not join #general?");
    expect(toWa("Hey <@U024BE7LH|bob>, did you see my file?")).toBe(
      "Hey @bob, did you see my file?",
    );
    expect(toWa("Hello <@U123|bob>, say hi to <!everyone> in <#C1234|general>")).toBe(
      "Hello @bob, say hi to in #general",
    );
  });

  it("shows links the server detected as the text that was typed", () => {
    expect(toWa("This message contains a URL <http://foo.com/>")).toBe(
      "This message contains a URL http://foo.com/",
    );
    expect(toWa("So does this one: <http://www.foo.com|www.foo.com>")).toBe(
      "So does this one: www.foo.com",
    );
    expect(toWa("Foo <!everyone> bar <http://test.com>")).toBe("Foo bar http://test.com");
  });

  it("keeps the reduced Markdown of a user message", () => {
    expect(toWa("*bold* `code` _italic_")).toBe("*bold* `code` _italic_");
  });

  // From Slack's "Formatting text for app surfaces" (date formatting example).
  it("shows a date as its fallback text", () => {
    expect(
      toWa(
        "Posted <!date^1392734382^Posted {date_num} {time_secs}|Posted 2014-02-18 6:39:42 AM PST>",
      ),
    ).toBe("Posted Posted 2014-02-18 6:39:42 AM PST");
  });
});

describe("slackToWhatsApp: entities", () => {
  it("decodes only &amp; &lt; &gt;, once", () => {
    expect(toWa("a &amp;lt; b &quot;c&quot; &#39; &nbsp;")).toBe(
      "a &lt; b &quot;c&quot; &#39; &nbsp;",
    );
    expect(toWa("&&amp;&")).toBe("&&&");
  });

  it("never reads a decoded < as the start of a link", () => {
    expect(toWa("&lt;@U1&gt; &lt;!here&gt; &lt;https://x.com|y&gt;")).toBe(
      "<@U1> <!here> <https://x.com|y>",
    );
  });
});

describe("slackToWhatsApp: links", () => {
  it("puts the URL after a label that differs", () => {
    expect(toWa("<https://shop.example/cart|your cart>")).toBe(
      "your cart (https://shop.example/cart)",
    );
  });

  it("shows a bare URL as it is", () => {
    expect(toWa("<https://x.example/a?b=1>")).toBe("https://x.example/a?b=1");
  });

  it("shows only the URL when the label is the URL", () => {
    expect(toWa("<https://x.example|https://x.example>")).toBe("https://x.example");
    expect(toWa("<http://foo.com/|foo.com>")).toBe("foo.com");
  });

  it("leaves mailto: and tel: off", () => {
    expect(toWa("<mailto:a@b.c|a@b.c>")).toBe("a@b.c");
    expect(toWa("<mailto:a@b.c>")).toBe("a@b.c");
    expect(toWa("<mailto:cs@toko.id|email us>")).toBe("email us (cs@toko.id)");
    expect(toWa("<tel:+6281234|+6281234>")).toBe("+6281234");
    expect(toWa("<tel:+6281234|call us>")).toBe("call us (+6281234)");
  });

  it("decodes entities in URL and label", () => {
    expect(toWa("<https://x.example/?a=1&amp;b=2|Shop &amp; Co>")).toBe(
      "Shop & Co (https://x.example/?a=1&b=2)",
    );
  });

  it("never lets a label hide a different address", () => {
    expect(toWa("<https://evil.example|www.bank.example>")).toBe(
      "www.bank.example (https://evil.example)",
    );
  });
});

describe("slackToWhatsApp: mentions", () => {
  it("uses the current display name, with @", () => {
    expect(toWa("thanks <@U1>!")).toBe("thanks @Sari!");
    expect(toWa("<@U2|budi> will call")).toBe("@Budi Santoso will call");
    expect(toWa("ask <@U3>")).toBe("ask @dewi");
  });

  it("falls back to the |name part, then to a teammate", () => {
    expect(toWa("hi <@U9|rina>", noNames)).toBe("hi @rina");
    expect(toWa("hi <@U9>", noNames)).toBe("hi a teammate");
    expect(toWa("hi <@U9|  >", { user: () => "  " })).toBe("hi a teammate");
  });

  it("drops workspace pings with the space next to them", () => {
    expect(toWa("<!here> tolong cek")).toBe("tolong cek");
    expect(toWa("tolong cek <!channel>")).toBe("tolong cek");
    expect(toWa("tolong <!everyone> cek")).toBe("tolong cek");
    expect(toWa("cek <!here>, ya")).toBe("cek, ya");
    expect(toWa("<!here|here> ok")).toBe("ok");
    expect(toWa("Hi team\n<!here>\nplease check")).toBe("Hi team\nplease check");
    expect(toWa("(<!here> see)")).toBe("(see)");
  });

  it("keeps bold valid when a ping inside it is dropped", () => {
    expect(toWa("*<!here> penting*")).toBe("*penting*");
    expect(toWa("*penting <!here>*")).toBe("*penting*");
    expect(toWa("a *<!channel>* b")).toBe("a b");
    expect(toWa("a <!here>*b* c")).toBe("a *b* c");
    expect(toWa("_ok_ <!here> _lanjut_")).toBe("_ok_ _lanjut_");
  });

  it("names user groups, or drops them", () => {
    expect(toWa("<!subteam^S1> on it")).toBe("@support on it");
    expect(toWa("<!subteam^S2|@ops> on it")).toBe("@ops on it");
    expect(toWa("<!subteam^S3> on it")).toBe("on it");
    expect(toWa("<!subteam^S2|@ops>", noNames)).toBe("@ops");
  });

  it("reads channels by name", () => {
    expect(toWa("see <#C1>")).toBe("see #billing");
    expect(toWa("see <#C2|general>")).toBe("see #general");
    expect(toWa("see <#C2>", noNames)).toBe("see a channel");
  });

  it("writes a date without fallback in UTC", () => {
    expect(toWa("<!date^1392734382^{date_short}>")).toBe("2014-02-18 14:39 UTC");
    expect(toWa("at <!date^nope^{date}> ok")).toBe("at ok");
  });

  it("shows an unknown command's label, or nothing", () => {
    expect(toWa("<!foo|bar> x")).toBe("bar x");
    expect(toWa("<!foo> x")).toBe("x");
  });
});

describe("slackToWhatsApp: formatting", () => {
  it("keeps bold, italic and strike markers", () => {
    expect(toWa("*Total* _Rp 50.000_ ~Rp 75.000~")).toBe("*Total* _Rp 50.000_ ~Rp 75.000~");
    expect(toWa("*_both_*")).toBe("*_both_*");
  });

  it("keeps inline code and code blocks, decoded but otherwise untouched", () => {
    expect(toWa("run `a &amp;&amp; b &gt; c`")).toBe("run `a && b > c`");
    expect(toWa("```line *1*\n:smile: _x_\n  • y```")).toBe("```line *1*\n:smile: _x_\n  • y```");
  });

  it("shows links and mentions inside code as readable text", () => {
    expect(toWa("`<https://x.example>` ```by <@U1>```")).toBe("`https://x.example` ```by @Sari```");
  });

  it("treats unpaired backticks as characters", () => {
    expect(toWa("a ` b\nc `` d ``` e")).toBe("a ` b\nc `` d ``` e");
    expect(toWa("`not\ncode`")).toBe("`not\ncode`");
  });

  it("turns Slack bullets into WhatsApp list items and keeps numbered items", () => {
    expect(toWa("• one\n• two\n    ◦ nested\n        ▪︎ deeper")).toBe(
      "- one\n- two\n    - nested\n        - deeper",
    );
    expect(toWa("1. first\n2. second\n- dash")).toBe("1. first\n2. second\n- dash");
    expect(toWa("a • b")).toBe("a • b");
    expect(toWa("•no space")).toBe("•no space");
  });

  it("turns quotes into WhatsApp quotes", () => {
    expect(toWa("&gt; the customer said\nour answer")).toBe("> the customer said\nour answer");
    expect(toWa("&gt;&gt;&gt; all\nof\n\nthis")).toBe("> all\n> of\n>\n> this");
    expect(toWa("x &gt; y")).toBe("x > y");
  });

  it("turns emoji shortcodes into emoji", () => {
    expect(toWa("Siap :thumbsup: :pray::skin-tone-3:")).toBe("Siap 👍 🙏🏼");
    expect(toWa(":flag-id: :partyparrot: 10:30:45 a:b")).toBe("🇮🇩 :partyparrot: 10:30:45 a:b");
    expect(toWa("https://x.example/a:b:c ratio 1:100:2")).toBe(
      "https://x.example/a:b:c ratio 1:100:2",
    );
    expect(toWa("ok:+1: :100:ok")).toBe("ok👍 💯ok");
  });
});

// Hostile input: any text, markup soup, and long runs of the characters a scanner might
// backtrack on. Nothing may throw, and everything must finish quickly.
const soup = fc.string({
  unit: fc.constantFrom(
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "&gt;",
    "|",
    "*",
    "_",
    "~",
    "`",
    "```",
    ":",
    ":smile:",
    "::skin-tone-3:",
    "\n",
    " ",
    "a",
    "•",
    "&gt;&gt;&gt;",
    "<@U1>",
    "<@U9|x>",
    "<!here>",
    "<!subteam^S1|@t>",
    "<!date^1^x|f>",
    "<#C1>",
    "<http://x.example|y>",
    "<mailto:a@b.c>",
    "<!",
    "<@",
    "😀",
  ),
  maxLength: 200,
});

describe("slackToWhatsApp: hostile input", () => {
  it("never throws on any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 500 }), (s) => {
        expect(typeof toWa(s)).toBe("string");
      }),
    );
  });

  it("never throws on markup soup", () => {
    fc.assert(
      fc.property(soup, (s) => {
        expect(typeof toWa(s)).toBe("string");
        expect(typeof toWa(s, noNames)).toBe("string");
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on very long random input", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 50_000, maxLength: 100_000 }), (s) => {
        expect(typeof toWa(s)).toBe("string");
      }),
      { numRuns: 5 },
    );
  });

  it("leaves no Slack markup behind when every < starts a well-formed sequence", () => {
    const clean = fc.string({
      unit: fc.constantFrom("a", " ", "\n", "*", "&amp;", "&gt;", "<@U1>", "<@U9>", "<!here>"),
      maxLength: 100,
    });
    fc.assert(
      fc.property(clean, (s) => {
        const out = toWa(s, noNames);
        expect(out).not.toMatch(/<[@!#]/);
      }),
    );
  });

  it.each([
    ["<", "<".repeat(100_000)],
    ["<a", "<a".repeat(100_000)],
    ["*a", "*a".repeat(100_000)],
    ["_", "_".repeat(200_000)],
    ["`", "`".repeat(200_000)],
    ["` a", "` a".repeat(70_000)],
    ["``` ", "``` ".repeat(50_000)],
    [":a", ":a".repeat(100_000)],
    [":", ":".repeat(200_000)],
    ["&", "&".repeat(200_000)],
    ["&gt;\n", "&gt;\n".repeat(40_000)],
    ["• \n", "• \n".repeat(65_000)],
    ["<!here>", "<!here>".repeat(30_000)],
    ["*<!here>", "*<!here>".repeat(25_000)],
    ["<http://x|", "<http://x|".repeat(20_000)],
  ])("finishes on 200,000 characters of %j", (_, input) => {
    const start = performance.now();
    const out = toWa(input);
    expect(performance.now() - start).toBeLessThan(2000);
    expect(typeof out).toBe("string");
  });
});

describe("slackToWhatsApp: round trip", () => {
  // Typed text with no markup characters comes back exactly once Slack has escaped it.
  const plain = fc.string({
    unit: fc.constantFrom(
      ...[..."abcXYZ019 .,!?()'\"-+=/@#%$|<>&\n\tée中😀"],
      "<@U1>",
      "<!here>",
      "&amp;",
    ),
    maxLength: 200,
  });

  it("gives back typed plain text", () => {
    fc.assert(
      fc.property(
        plain.filter((s) => !/(^|\n)[ \t]*>>>/.test(s)),
        (s) => {
          expect(toWa(escapeLikeSlack(s))).toBe(s);
        },
      ),
      { numRuns: 500 },
    );
  });
});
