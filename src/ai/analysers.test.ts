import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adversarialTexts, repeatTo } from "../../test/helpers/adversarial-texts.ts";
import { analysisText } from "../core/analysis-text.ts";
import { createLogger } from "../logger.ts";
import { cacheKey, hasPersonalData, normaliseQuestion } from "./answer-cache.ts";
import { createKnowledgeBase, type KnowledgeBase } from "./knowledge-base.ts";

// The AI side's text analysers (the answer cache's personal-data screen and key, the knowledge
// base search) on hostile megabyte texts, uncapped: the responder cuts texts first
// (analysisText), but each of these is linear on its own. A generous budget that catches
// super-linear blow-ups, not speed: the old e-mail screen took seconds on 65,536 letters.
const BUDGET_MS = 1000;
const MEGABYTE = 1_000_000;

let dir: string;
let kb: KnowledgeBase;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-kb-"));
  writeFileSync(
    join(dir, "toko.id.md"),
    "# Toko\n\n## Jam buka toko\nKata kunci: buka, tutup\nSenin-Sabtu 09.00-21.00.\n\n## Ongkos kirim\nGratis ongkir di atas Rp300.000.\n",
  );
  kb = createKnowledgeBase({ dir, logger: createLogger("silent") });
});
afterAll(() => {
  kb.close();
  rmSync(dir, { recursive: true, force: true });
});

const scope = { language: "id" as const, kbVersion: "kb1", promptVersion: "p1" };

describe("no AI-side analyser stalls the event loop", () => {
  it("the cache screen, the cache key and the knowledge base, on megabyte texts", {
    timeout: 180_000,
  }, () => {
    const analysers: Record<string, (t: string) => unknown> = {
      hasPersonalData: (t) => hasPersonalData(t, ["Rina Wati"]),
      normaliseQuestion,
      cacheKey: (t) => cacheKey(t, scope),
      "kb.search": (t) => kb.search(t, { limit: 3, language: "id" }),
      "kb.strongMatch": (t) => kb.strongMatch(t, "id"),
    };
    const slow: string[] = [];
    const texts = {
      ...adversarialTexts(MEGABYTE),
      "a link, then a ? after every =": `http://a${repeatTo("=?", MEGABYTE - 8)}`,
      "e-mail-like runs": repeatTo("a.b+c-d@", MEGABYTE),
    };
    for (const [name, text] of Object.entries(texts)) {
      for (const [analyser, run] of Object.entries(analysers)) {
        const started = performance.now();
        run(text);
        const ms = performance.now() - started;
        if (ms >= BUDGET_MS) slow.push(`${analyser} on ${name}: ${Math.round(ms)} ms`);
      }
    }
    expect(slow).toEqual([]);
  });

  it("the cache screen on the issue's worst case: 65,536 word characters", () => {
    const text = repeatTo("a", 65_536);
    const started = performance.now();
    expect(hasPersonalData(text)).toBe(false);
    expect(performance.now() - started).toBeLessThan(BUDGET_MS);
  });

  it("the cache screen still finds what it found before", () => {
    for (const yes of [
      "email rina@example.com",
      "mail a.b+c@mail-server.co.id ya",
      "x@y.z",
      "nomor 12345",
      "cek pesanan INV-20931",
      "order ab/123 dan",
      "klik https://toko.com/p?ref=abc",
      "HTTP://x.com/??=",
      "lihat http://http://a?b=1",
    ])
      expect(hasPersonalData(yes), yes).toBe(true);
    for (const no of [
      "Gratis ongkir di atas Rp300.000",
      "a@b",
      "@example.com",
      "rina@example.",
      "1234 dan 5678",
      "https://toko.com/produk",
      "https://?a=1",
      "https://toko.com/p? ref=1",
      "kode INV2093x",
    ])
      expect(hasPersonalData(no), no).toBe(false);
  });

  it("the cap keeps the knowledge base search on the question's start", () => {
    const text = `jam buka toko ${repeatTo("x ", 10_000)}`;
    expect(kb.search(analysisText(text))[0]?.entry.question).toBe("Jam buka toko");
  });
});
