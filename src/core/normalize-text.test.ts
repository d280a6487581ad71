import { describe, expect, it } from "vitest";
import { normalizeClauses, normalizeText, normalizeWords } from "./normalize-text.ts";

describe("normalizeText", () => {
  it("lowercases and strips diacritics, punctuation and emoji", () => {
    expect(normalizeText("Café   CRÈME!!! 😀 (ok?)")).toBe("cafe creme ok");
  });

  it("collapses letters stretched three times or more, keeping real double letters", () => {
    expect(normalizeText("tolonggg kakkk pleeease")).toBe("tolong kak please");
    expect(normalizeText("maaf, need good coffee")).toBe("maaf need good coffee");
  });

  it("drops apostrophes so contractions stay one word", () => {
    expect(normalizeWords("I don't know, it’s fine")).toEqual(["i", "dont", "know", "its", "fine"]);
  });

  it("expands common Indonesian and English chat abbreviations", () => {
    expect(normalizeText("gk mau ngobrol sm org yg itu dgn sy")).toBe(
      "tidak mau ngobrol sama orang yang itu dengan saya",
    );
    expect(normalizeText("nggak ga gak tdk")).toBe("tidak tidak tidak tidak");
    expect(normalizeText("pls help u")).toBe("please help you");
  });

  it("returns an empty string for a message without words", () => {
    expect(normalizeText("🙏🙏 ...")).toBe("");
  });
});

describe("normalizeClauses", () => {
  it("splits at sentence punctuation, commas and line breaks and drops empty clauses", () => {
    expect(normalizeClauses("Halo kak, saya mau tanya.\nOngkir berapa?? ")).toEqual([
      "halo kak",
      "saya mau tanya",
      "ongkir berapa",
    ]);
  });
});
