import { nameToEmoji } from "gemoji";
import { describe, expect, it } from "vitest";
import { emojiForShortcode, slackEmojiAliases, withSkinTone } from "./emoji.ts";

describe("emojiForShortcode", () => {
  it("knows the names Slack and GitHub share", () => {
    expect(emojiForShortcode("thumbsup")).toBe("👍");
    expect(emojiForShortcode("+1")).toBe("👍");
    expect(emojiForShortcode("pray")).toBe("🙏");
    expect(emojiForShortcode("white_check_mark")).toBe("✅");
    expect(emojiForShortcode("slightly_smiling_face")).toBe("🙂");
  });

  it("knows Slack's own spellings", () => {
    expect(emojiForShortcode("thinking_face")).toBe("🤔");
    expect(emojiForShortcode("hugging_face")).toBe("🤗");
    expect(emojiForShortcode("simple_smile")).toBe("🙂");
    expect(emojiForShortcode("man-shrugging")).toBe(nameToEmoji.man_shrugging);
  });

  it("builds country flags from Slack's flag-xx names", () => {
    expect(emojiForShortcode("flag-id")).toBe("🇮🇩");
    expect(emojiForShortcode("flag-sg")).toBe("🇸🇬");
  });

  it("returns null for custom emoji and object keys", () => {
    expect(emojiForShortcode("partyparrot")).toBeNull();
    expect(emojiForShortcode("__proto__")).toBeNull();
    expect(emojiForShortcode("constructor")).toBeNull();
    expect(emojiForShortcode("")).toBeNull();
  });

  it("points every Slack alias at a name gemoji has", () => {
    for (const [slack, github] of Object.entries(slackEmojiAliases)) {
      expect(Object.hasOwn(nameToEmoji, github), `${slack} → ${github}`).toBe(true);
    }
  });
});

describe("withSkinTone", () => {
  it("appends the Fitzpatrick modifier for tones 2 to 6", () => {
    expect(withSkinTone("👍", 2)).toBe("👍🏻");
    expect(withSkinTone("👋", 6)).toBe("👋🏿");
  });

  it("drops the emoji presentation selector before the modifier", () => {
    expect(withSkinTone("✌️", 3)).toBe("✌🏼");
  });

  it("leaves joined sequences and unknown tones alone", () => {
    expect(withSkinTone("🤷‍♂️", 3)).toBe("🤷‍♂️");
    expect(withSkinTone("👍", 7)).toBe("👍");
  });
});
