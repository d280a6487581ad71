import { describe, expect, it } from "vitest";
import { adversarialTexts, repeatTo } from "../../test/helpers/adversarial-texts.ts";
import { ANALYSIS_MAX_CHARS, analysisText, isCutForAnalysis } from "./analysis-text.ts";
import { features } from "./classifier.ts";
import { slackToWhatsApp } from "./format/slack-to-whatsapp.ts";
import { whatsappToSlack } from "./format/whatsapp-to-slack.ts";
import { detectLanguage } from "./language.ts";
import { canonicalClauses, canonicalWords } from "./morphology.ts";
import { normalizeClauses, normalizeText, normalizeWords } from "./normalize-text.ts";
import { routeTier } from "./router.ts";
import { detectTriggers } from "./triggers.ts";

// Every analyser that reads customer or agent text, fed hostile texts of a megabyte (and of
// 65,536 characters, WhatsApp's longest inbound text). The budget is generous on purpose: it
// catches super-linear blow-ups (the old e-mail screen took seconds on 65,536 letters), not
// speed. Timings are taken on a shared CI machine, so nothing here measures performance.
const BUDGET_MS = 1000;
const MEGABYTE = 1_000_000;
const WHATSAPP_MAX = 65_536;

function elapsed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

function expectWithinBudget(
  texts: Record<string, string>,
  analysers: Record<string, (text: string) => unknown>,
) {
  const slow: string[] = [];
  for (const [name, text] of Object.entries(texts)) {
    for (const [analyser, run] of Object.entries(analysers)) {
      const ms = elapsed(() => run(text));
      if (ms >= BUDGET_MS)
        slow.push(`${analyser} on ${name} (${text.length}): ${Math.round(ms)} ms`);
    }
  }
  expect(slow).toEqual([]);
}

const names = { user: () => "Rina" };

describe("analysis cap", () => {
  it("keeps short texts as they are and cuts long ones at the cap", () => {
    expect(analysisText("jam buka?")).toBe("jam buka?");
    const long = repeatTo("a", ANALYSIS_MAX_CHARS + 10);
    expect(analysisText(long)).toHaveLength(ANALYSIS_MAX_CHARS);
    expect(isCutForAnalysis(long)).toBe(true);
    expect(isCutForAnalysis(repeatTo("a", ANALYSIS_MAX_CHARS))).toBe(false);
  });

  it("never leaves half a surrogate pair at the end", () => {
    const text = `${repeatTo("a", ANALYSIS_MAX_CHARS - 1)}😀 and more`;
    const cut = analysisText(text);
    expect(cut).toBe(repeatTo("a", ANALYSIS_MAX_CHARS - 1));
    expect(cut.charCodeAt(cut.length - 1)).toBe(0x61);
  });

  it("is what the analysers read: a request after the cap is not seen", () => {
    const padding = repeatTo("jam buka toko ", ANALYSIS_MAX_CHARS);
    expect(detectTriggers(`${padding} talk to a human`).humanRequest).toBeNull();
    expect(detectTriggers(`talk to a human ${padding}`).humanRequest).not.toBeNull();
  });
});

describe("no analyser stalls the event loop", () => {
  const analysers = {
    triggers: (t: string) => detectTriggers(t),
    routing: (t: string) =>
      routeTier({ text: t, turnCount: 1, previousLowConfidence: false, hasMedia: false }),
    language: (t: string) => detectLanguage(t),
    "analysis cap": (t: string) => analysisText(t),
  };

  it("on megabyte texts: triggers, routing, language", { timeout: 120_000 }, () => {
    expectWithinBudget(adversarialTexts(MEGABYTE), analysers);
  });

  it("on 65,536-character texts: the same, each a full WhatsApp text", { timeout: 120_000 }, () => {
    expectWithinBudget(adversarialTexts(WHATSAPP_MAX), analysers);
  });

  // Normalisation runs on the capped text in the service; here it gets the whole of the longest
  // text WhatsApp delivers, without the cap.
  it("normalisation, uncapped, on 65,536-character texts", { timeout: 120_000 }, () => {
    expectWithinBudget(adversarialTexts(WHATSAPP_MAX), {
      normalizeWords,
      normalizeText,
      normalizeClauses,
      canonicalWords,
      canonicalClauses,
      "classifier features": features,
    });
  });

  // The formatters see the whole text (mirrored customer text, agents' replies), uncapped.
  it("formatting both ways, uncapped, on megabyte texts", { timeout: 120_000 }, () => {
    expectWithinBudget(
      {
        ...adversarialTexts(MEGABYTE),
        "a link then closing brackets": `http://a${repeatTo(")", MEGABYTE - 8)}`,
        "a link in brackets then closing brackets": `(http://a(${repeatTo(")", MEGABYTE - 10)}`,
      },
      {
        whatsappToSlack: (t: string) => whatsappToSlack(t),
        slackToWhatsApp: (t: string) => slackToWhatsApp(t, names),
      },
    );
  });

  it("still trims a link's closing brackets as before", () => {
    expect(whatsappToSlack("see (http://x.com/a_(b))).")).toBe("see (<http://x.com/a_(b)>)).");
    expect(whatsappToSlack("http://x.com)))")).toBe("<http://x.com>)))");
  });
});
