import { describe, expect, it } from "vitest";
import { canonicalClauses, canonicalText, canonicalWords, correctTypo } from "./morphology.ts";

describe("canonical words", () => {
  it.each([
    ["adminnya", "admin"],
    ["admin nya", "admin"],
    ["admin-nya", "admin"],
    ["customer service nya", "customer service"],
    ["customer servicenya", "customer service"],
    ["costumer servis", "customer service"],
    ["kastemer servis-nya", "customer service"],
    ["atasanmu", "atasan"],
    ["admin2", "admin"],
    ["admin2nya", "admin"],
    ["orang orang", "orang"],
    ["adminn", "admin"],
    ["ADMIIIN", "admin"],
    ["mimin", "admin"],
    ["staff", "staf"],
    ["pgeawai", "pegawai"],
    ["ornag", "orang"],
    ["representtaive", "representative"],
    ["kirim2", "kirim"],
  ])("%j → %j", (text, expected) => {
    expect(canonicalText(text)).toBe(expected);
  });

  it("keeps 'orangnya' (the person) apart from a bare 'orang'", () => {
    expect(canonicalText("orangnya")).toBe("orangnya");
    expect(canonicalText("orang nya")).toBe("orangnya");
    expect(canonicalText("orang")).toBe("orang");
  });

  it("drops a detached 'nya' after any word, a lone 'mu'/'ku' only after a key word", () => {
    expect(canonicalWords("admin yang bertugas nya")).toEqual(["admin", "yang", "bertugas"]);
    expect(canonicalWords("kasih ku")).toEqual(["kasih", "ku"]);
  });

  it("leaves ordinary words alone, even one edit away from a key word", () => {
    for (const word of ["barang", "admit", "hanya", "punya", "sepak", "pesanan", "customs"]) {
      expect(canonicalText(word)).toBe(word);
    }
    // Clitics on words outside the key list carry meaning the injection rules read.
    expect(canonicalText("aturanmu")).toBe("aturanmu");
    expect(canonicalText("pura pura")).toBe("pura pura");
  });

  it("corrects a swap of neighbouring letters in key words of five letters or more", () => {
    expect(correctTypo("amdin")).toBe("admin");
    expect(correctTypo("costmuer")).toBe("customer");
    expect(correctTypo("sevrice")).toBe("service");
    // A substitution only from seven letters on: "admit" is a word.
    expect(correctTypo("admit")).toBeNull();
    expect(correctTypo("petugaz")).toBe("petugas");
    expect(correctTypo("ok")).toBeNull();
  });

  it("splits clauses like normalizeClauses", () => {
    expect(canonicalClauses("Halo min, mau ngobrol sama CS-nya!! ")).toEqual([
      "halo min",
      "mau ngobrol sama cs",
    ]);
  });
});
