import { describe, expect, it } from "vitest";
import {
  loadBusinessPrompt,
  PROMPT_SECTIONS,
  PromptFileError,
  parseBusinessPrompt,
  renderBusinessPrompt,
} from "./prompt-file.ts";

const valid = PROMPT_SECTIONS.map((s) => `## ${s}\nText of ${s}.`).join("\n\n");

function problems(text: string): string[] {
  try {
    parseBusinessPrompt(text);
  } catch (err) {
    expect(err).toBeInstanceOf(PromptFileError);
    return (err as PromptFileError).problems;
  }
  throw new Error("expected a PromptFileError");
}

describe("business prompt file", () => {
  it("the shipped example is valid", () => {
    const p = loadBusinessPrompt("prompts/business.example.md");
    expect(p.sections.map((s) => s.name)).toEqual([...PROMPT_SECTIONS]);
    expect(p.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it("lists every missing or empty section", () => {
    const list = problems("## Identity\nWe sell things.\n\n## Rules\n\n## Behavior\nBe nice.");
    expect(list).toEqual(
      expect.arrayContaining([
        'missing section "## Context"',
        'section "## Rules" is empty',
        'missing section "## Limits"',
      ]),
    );
    expect(list.join()).not.toContain("Behaviour"); // "Behavior" is accepted
  });

  it("refuses more than 10,000 characters", () => {
    expect(problems(`${valid}\n${"x".repeat(10_000)}`)[0]).toMatch(/limit is 10000/);
  });

  it("refuses unknown variables", () => {
    expect(problems(`${valid}\nHello $contact.nmae`)[0]).toContain(
      "unknown variable $contact.nmae",
    );
  });

  it("fills variables per turn and keeps sections without them stable (cacheable)", () => {
    const p = parseBusinessPrompt(valid.replace("Text of Context.", "Talking to $contact.name."));
    const a = renderBusinessPrompt(p, {
      "contact.name": "Rina",
      "contact.first_name": "Rina",
      "contact.phone": "+62",
      "contact.language": "Indonesian",
      today: "2026-11-25",
    });
    expect(a.perTurn).toBe("## Context\nTalking to Rina.");
    expect(a.stable).not.toContain("Context");
    expect(a.stable).toContain("## Identity\nText of Identity.");
  });
});
