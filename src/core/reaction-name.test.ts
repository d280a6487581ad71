import { describe, expect, it } from "vitest";
import { slackReactionName } from "./reaction-name.ts";

describe("slackReactionName", () => {
  it("names WhatsApp's default reaction set as Slack does", () => {
    expect(["👍", "❤️", "😂", "😮", "😢", "🙏"].map(slackReactionName)).toEqual([
      "+1",
      "heart",
      "joy",
      "open_mouth",
      "cry",
      "pray",
    ]);
  });

  it("keeps the skin tone as Slack's ::skin-tone-N suffix", () => {
    expect(slackReactionName("👍🏽")).toBe("+1::skin-tone-4");
    expect(slackReactionName("🙏🏿")).toBe("pray::skin-tone-6");
  });

  it("accepts a heart without its variation selector", () => {
    expect(slackReactionName("❤")).toBe("heart");
  });

  it("gives null for text that is not an emoji", () => {
    expect(slackReactionName("hello")).toBeNull();
    expect(slackReactionName("")).toBeNull();
  });
});
