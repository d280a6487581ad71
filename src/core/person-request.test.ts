import { describe, expect, it } from "vitest";
import { canonicalClauses } from "./morphology.ts";
import { findPersonRequest, isBarePersonRequest } from "./person-request.ts";

const asks = (text: string): boolean => {
  const clauses = canonicalClauses(text).map((c) => c.split(" "));
  return (
    clauses.some((c) => findPersonRequest(c) !== null) || isBarePersonRequest(clauses) !== null
  );
};

describe("requests for a person, word by word", () => {
  it.each([
    // The reviewer's misses: a detached clitic after a multi-word noun, a person in a phrase.
    "saya mau komplain langsung ke customer service nya",
    "butuh bantuan staf gudang kalian untuk cek barang saya",
    "ada orang ga?",
    "ada admin yang bisa bantu?",
    "CS nya mana???",
    "admin yang bertugas tolong bales dong",
    "mana atasan nya sekarang",
    "is there a live agent available?",
    "can someone from your team call me",
    "could a representative contact me please",
    "need help from a person immediately",
    "a manager needed right now",
    "minta dilayani pihak toko",
    "gausah bot, langsung orang aja",
    "transfer me to a human",
    "tolong transfer ke manusia",
  ])("asks: %j", (text) => {
    expect(asks(text)).toBe(true);
  });

  it.each([
    "admin fee berapa?",
    "biaya admin transfer berapa kak",
    "CS kalian ramah sekali",
    "orang rumah belum terima paket",
    "mau tanya jam buka",
    "tidak perlu admin, saya cuma tanya harga",
    "ga usah cs, bot aja cukup",
    "no need for a human, thanks",
    "tadi sudah bicara dengan admin, katanya dikirim besok",
    "minggu lalu ngobrol sama cs",
    "saya mau daftar jadi admin",
    "ada lowongan cs ga",
    "ada orang yang jual lebih murah?",
    "harga untuk 2 orang berapa",
    "saya transfer ke admin ya",
    "Halo admin, mau tanya harga",
    "admin bisa bantu cek pesanan saya?",
    "agen yang mana",
    "is the price per person?",
  ])("does not ask: %j", (text) => {
    expect(asks(text)).toBe(false);
  });
});
