import { describe, expect, it } from "vitest";
import {
  capBlocks,
  chunkMrkdwn,
  contextLine,
  escapeMrkdwn,
  formatDuration,
  maskPhone,
  mrkdwnLink,
  percent,
  slackDate,
  threadUrl,
  truncateMrkdwn,
  truncatePlain,
  tsToMs,
  userMrkdwn,
} from "./text.ts";

describe("escaping", () => {
  it("escapes &, < and > so mentions and links cannot be injected", () => {
    expect(escapeMrkdwn("<!channel> & <@U123> <https://x|y>")).toBe(
      "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://x|y&gt;",
    );
  });

  it("leaves ordinary text alone", () => {
    expect(escapeMrkdwn("Halo, saya mau tanya 😊")).toBe("Halo, saya mau tanya 😊");
  });
});

describe("truncation", () => {
  it("keeps short text and cuts long text with an ellipsis", () => {
    expect(truncatePlain("abc", 3)).toBe("abc");
    expect(truncatePlain("abcdef", 4)).toBe("abc…");
    expect(truncatePlain("a".repeat(200), 150)).toHaveLength(150);
  });

  it("never splits a surrogate pair", () => {
    const t = truncatePlain("ab😀cd", 4);
    expect(t).toBe("ab…");
    expect(t.length).toBeLessThanOrEqual(4);
  });

  it("never splits an escaped entity", () => {
    const escaped = escapeMrkdwn("aaaa<b");
    // "aaaa&lt;b": cutting at 7 would leave "&l"
    const cut = truncateMrkdwn(escaped, 7);
    expect(cut).toBe("aaaa…");
    expect(userMrkdwn("x".repeat(10) + "&".repeat(100), 20)).toMatch(/^x{10}(&amp;)*…$/);
  });

  it("never splits a <…> control sequence", () => {
    const text = `closes ${slackDate(1_700_000_000_000)} soon`;
    const cut = truncateMrkdwn(text, 30);
    expect(cut).toBe("closes…");
  });

  it("respects the limit for every length", () => {
    const raw = "<!here> & ".repeat(50);
    for (let max = 5; max < 120; max++) {
      const t = userMrkdwn(raw, max);
      expect(t.length).toBeLessThanOrEqual(max);
      expect(t).not.toMatch(/<|&(?!amp;|lt;|gt;)/);
    }
  });

  it("chunks long text without losing or breaking anything", () => {
    const text = escapeMrkdwn("word <& ".repeat(1000));
    const chunks = chunkMrkdwn(text, 3000);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(3000);
      expect(c).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    const squash = (s: string) => s.replace(/\s+/g, " ").trim();
    expect(squash(chunks.join(" ")) === squash(text)).toBe(true);
  });
});

describe("maskPhone", () => {
  it("keeps the calling code, the first three and the last four digits", () => {
    expect(maskPhone("6281234565678")).toBe("+62 812-••••-5678");
    expect(maskPhone("+62 812-3456-5678")).toBe("+62 812-••••-5678");
    expect(maskPhone("14155550123")).toBe("+1 415-••••-0123");
    expect(maskPhone("447911123456")).toBe("+44 791-••••-3456");
    expect(maskPhone("971501234567")).toBe("+971 501-••••-4567");
  });

  it("hides short numbers almost entirely and handles none", () => {
    expect(maskPhone("6212345")).toBe("+62 ••••-45");
    expect(maskPhone(null)).toBe("unknown number");
    expect(maskPhone("")).toBe("unknown number");
  });
});

describe("dates and durations", () => {
  it("writes Slack date formatting with a UTC fallback", () => {
    expect(slackDate(1_700_000_000_123)).toBe(
      "<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>",
    );
    expect(slackDate(1_700_000_000_000, "{time}")).toBe(
      "<!date^1700000000^{time}|2023-11-14 22:13 UTC>",
    );
  });

  it("formats durations roughly", () => {
    expect(formatDuration(20_000)).toBe("under a minute");
    expect(formatDuration(-5)).toBe("under a minute");
    expect(formatDuration(45 * 60_000)).toBe("45 min");
    expect(formatDuration(3 * 3_600_000)).toBe("3 h");
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe("2 h 5 min");
    expect(formatDuration(51 * 3_600_000)).toBe("2 d 3 h");
  });

  it("reads message timestamps", () => {
    expect(tsToMs("1700000000.000100")).toBe(1_700_000_000_000);
    expect(tsToMs("nope")).toBeNull();
  });

  it("formats percentages", () => {
    expect(percent(0.724)).toBe("72%");
    expect(percent(1.5)).toBe("100%");
    expect(percent(null)).toBe("n/a");
  });
});

describe("links", () => {
  it("builds app_redirect URLs and escapes them inside mrkdwn", () => {
    const url = threadUrl("C123", "1700000000.000100");
    expect(url).toBe("https://slack.com/app_redirect?channel=C123&message_ts=1700000000.000100");
    expect(mrkdwnLink(url, "a <b> | c")).toBe(
      "<https://slack.com/app_redirect?channel=C123&amp;message_ts=1700000000.000100|a &lt;b&gt; ¦ c>",
    );
  });
});

describe("capBlocks", () => {
  it("keeps short lists and caps long ones with a note", () => {
    const blocks = Array.from({ length: 60 }, (_, i) => contextLine(`line ${i}`));
    expect(capBlocks(blocks.slice(0, 50), 50)).toHaveLength(50);
    const capped = capBlocks(blocks, 50);
    expect(capped).toHaveLength(50);
    expect(JSON.stringify(capped.at(-1))).toContain("11 more blocks not shown");
  });
});
