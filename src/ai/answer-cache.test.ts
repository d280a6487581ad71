import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../store/db.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import {
  answerCacheStats,
  cacheKey,
  hasPersonalData,
  lookupAnswer,
  normaliseQuestion,
  storeAnswer,
} from "./answer-cache.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const scope = { language: "id" as const, kbVersion: "kb1", promptVersion: "p1" };

describe("answer cache", () => {
  it("normalises away greetings, particles and punctuation", () => {
    expect(normaliseQuestion("Halo Kak, jam buka toko sampai jam berapa ya??")).toBe(
      "jam buka toko sampai jam",
    );
    expect(cacheKey("jam buka toko?", scope)).toBe(cacheKey("Kak, JAM BUKA TOKO dong", scope));
    expect(cacheKey("jam buka toko?", scope)).not.toBe(
      cacheKey("jam buka toko?", { ...scope, kbVersion: "kb2" }),
    );
    expect(cacheKey("halo kak", scope)).toBeNull(); // nothing left to match on
  });

  it("spots personal data", () => {
    expect(hasPersonalData("cek pesanan INV-20931")).toBe(true);
    expect(hasPersonalData("nomor saya 081234567890")).toBe(true);
    expect(hasPersonalData("email rina@example.com")).toBe(true);
    expect(hasPersonalData("Halo Kak Rina, toko buka jam 9", ["Rina Wati"])).toBe(true);
    expect(hasPersonalData("Gratis ongkir di atas Rp300.000")).toBe(false);
  });

  it("stores, finds until expiry, and counts the hit rate", () => {
    const key = cacheKey("jam buka toko?", scope)!;
    expect(lookupAnswer(t.db, key, 1000)).toBeNull();
    storeAnswer(
      t.db,
      { key, question: "jam buka toko?", answer: "09.00-21.00", language: "id" },
      5000,
      1000,
    );
    expect(lookupAnswer(t.db, key, 2000)).toBe("09.00-21.00");
    expect(lookupAnswer(t.db, key, 7000)).toBeNull();
    expect(answerCacheStats(t.db, 2000)).toEqual({
      lookups: 3,
      hits: 1,
      hitRate: 1 / 3,
      entries: 1,
    });
  });

  it("is one cache for every instance on the database, with one hit rate", () => {
    // A second handle on the same database stands in for a second instance.
    const other = openDatabase(t.path);
    try {
      const key = cacheKey("jam buka toko?", scope)!;
      storeAnswer(
        t.db,
        { key, question: "jam buka toko?", answer: "09.00-21.00", language: "id" },
        5000,
        1000,
      );
      expect(lookupAnswer(other, key, 2000)).toBe("09.00-21.00");
      expect(lookupAnswer(t.db, key, 2000)).toBe("09.00-21.00");
      expect(answerCacheStats(other, 2000)).toMatchObject({ lookups: 2, hits: 2, entries: 1 });
    } finally {
      other.$client.close();
    }
  });
});
