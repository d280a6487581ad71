import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DetectionModel, features, score, votes } from "./classifier.ts";

const MODEL_FILE = join(import.meta.dirname, "..", "..", "eval", "detection", "model.json");

describe("the detection classifier", () => {
  it("reads word, word-pair and character-trigram features of canonical words", () => {
    const f = features("Mau ngobrol sama adminnya");
    expect(f.has("w:admin")).toBe(true);
    expect(f.has("b:sama admin")).toBe(true);
    expect(f.has("c:#ad")).toBe(true);
    expect([...features("Mau ngobrol sama adminnya")]).toEqual([...f]);
  });

  it("loads the committed model and scores deterministically", () => {
    const model = JSON.parse(readFileSync(MODEL_FILE, "utf8")) as DetectionModel;
    const human = model.labels.human_request;
    expect(human).toBeDefined();
    if (!human) return;
    const f = features("tolong sambungkan ke customer service nya");
    expect(score(human, f)).toBe(score(human, f));
    expect(votes(human, features("jam buka toko hari ini sampai jam berapa"))).toBe(false);
  });

  it("reads a bounded number of words: a megabyte text takes well under a second", () => {
    const text = "admin ".repeat(200_000);
    const started = performance.now();
    const f = features(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(f.size).toBeLessThan(50);
  });
});
