import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { createKnowledgeBase, type KnowledgeBase, parseFaqFile } from "./knowledge-base.ts";

const logger = createLogger("silent");
let kb: KnowledgeBase | null = null;
let dir: string | null = null;
afterEach(() => {
  kb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  kb = null;
  dir = null;
});

describe("knowledge base", () => {
  it("parses FAQ entries with topic, keywords and language", () => {
    const entries = parseFaqFile(
      "# Pengiriman\n\n## Ongkos kirim\nKata kunci: ongkir, biaya\nGratis ongkir di atas Rp300.000.\n\n## Kosong\n",
      "kirim.id.md",
    );
    expect(entries).toEqual([
      {
        file: "kirim.id.md",
        topic: "Pengiriman",
        question: "Ongkos kirim",
        keywords: "ongkir, biaya",
        answer: "Gratis ongkir di atas Rp300.000.",
        language: "id",
      },
    ]);
  });

  it("indexes the example folder and finds strong matches in the customer's language only", () => {
    kb = createKnowledgeBase({ dir: "knowledge", logger });
    expect(kb.size).toBeGreaterThan(20);
    expect(
      kb.strongMatch("Kak, jam buka toko hari ini sampai jam berapa?", "id")?.entry.question,
    ).toBe("Jam buka toko");
    expect(
      kb.strongMatch("What time do you open on Sunday? opening hours", "en")?.entry.language,
    ).toBe("en");
    // Related words but not the question: no verbatim answer.
    expect(kb.strongMatch("Printer saya error kalau mencetak dari laptop", "id")).toBeNull();
    expect(kb.search("ongkir ke Surabaya", { limit: 1, language: "id" })[0]?.entry.question).toBe(
      "Ongkos kirim",
    );
    expect(kb.fullText(100)).toBeNull();
    expect(kb.fullText(100_000)).toContain("Q: Jam buka toko");
  });

  it("re-indexes when a file changes, with a new version", async () => {
    dir = mkdtempSync(join(tmpdir(), "kb-"));
    writeFileSync(join(dir, "a.en.md"), "# A\n\n## Opening hours\nNine to five.\n");
    kb = createKnowledgeBase({ dir, logger, checkIntervalMs: 0 });
    const v1 = kb.version;
    expect(kb.refresh()).toBe(false);
    writeFileSync(join(dir, "b.en.md"), "# B\n\n## Parking\nFree parking for customers.\n");
    expect(kb.refresh()).toBe(true);
    expect(kb.version).not.toBe(v1);
    expect(kb.strongMatch("parking?", "en")?.entry.answer).toBe("Free parking for customers.");
  });
});
