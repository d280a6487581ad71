import { describe, expect, it } from "vitest";
import { detectLanguage } from "./language.ts";

describe("detectLanguage", () => {
  it.each([
    "Kak, paket yang kemarin sudah dikirim belum ya?",
    "ongkir ke Makassar brp kak",
    "gmn cara bayarnya",
    "selamat malam",
    "makasih banyak",
  ])("reads %j as Indonesian", (text) => {
    expect(detectLanguage(text, "en")).toBe("id");
  });

  it.each([
    "Has my parcel been shipped yet?",
    "hello, what time do you open",
    "thank you so much",
    "Can I pay with PayPal?",
  ])("reads %j as English", (text) => {
    expect(detectLanguage(text, "id")).toBe("en");
  });

  it("follows the dominant language of a code-mixed message", () => {
    expect(detectLanguage("kak order saya kok belum sampai ya, tracking-nya stuck")).toBe("id");
    expect(detectLanguage("my order from the promo kemarin hasn't arrived")).toBe("en");
  });

  it("falls back when there is nothing to go on", () => {
    expect(detectLanguage("ok")).toBe("id");
    expect(detectLanguage("ok", "en")).toBe("en");
    expect(detectLanguage("INV-77120", "en")).toBe("en");
    expect(detectLanguage("")).toBe("id");
  });
});
