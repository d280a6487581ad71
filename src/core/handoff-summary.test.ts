import { describe, expect, it } from "vitest";
import {
  deterministicSummary,
  keyFacts,
  mainQuestion,
  modelSummaryAllowed,
  type SummaryLine,
} from "./handoff-summary.ts";

const c = (text: string): SummaryLine => ({ from: "customer", text });
const bot = (text: string): SummaryLine => ({ from: "bot", text });

describe("mainQuestion", () => {
  it("skips greetings and takes the first real question", () => {
    expect(
      mainQuestion([
        c("Halo kak"),
        c("pagi min"),
        c("paket saya belum sampai, kapan ya dikirim?"),
        c("min??"),
      ]),
    ).toBe("paket saya belum sampai, kapan ya dikirim?");
  });

  it("recognises a question without a question mark", () => {
    expect(mainQuestion([c("hi"), c("how do I change my delivery address")])).toBe(
      "how do I change my delivery address",
    );
  });

  it("falls back to the longest statement when nothing is asked", () => {
    expect(
      mainQuestion([c("halo"), c("barang rusak"), c("layarnya retak waktu dibuka dari kotak")]),
    ).toBe("layarnya retak waktu dibuka dari kotak");
  });

  it("is null for greetings only and ignores the bot", () => {
    expect(mainQuestion([c("halo kak"), bot("Halo! Ada yang bisa dibantu?"), c("p")])).toBeNull();
    expect(mainQuestion([])).toBeNull();
  });
});

describe("keyFacts", () => {
  it("finds order numbers, emails, amounts and dates in the customer's words", () => {
    expect(
      keyFacts([
        c("order #88123 belum sampai, sudah bayar Rp 150.000 tgl 12/11"),
        c("email saya rina.s@example.co.id"),
      ]),
    ).toEqual([
      { kind: "reference", text: "88123" },
      { kind: "amount", text: "Rp 150.000" },
      { kind: "date", text: "12/11" },
      { kind: "email", text: "rina.s@example.co.id" },
    ]);
  });

  it("reads codes such as invoice and tracking numbers", () => {
    expect(keyFacts([c("invoice INV-2024-0031 dan resi JNE123456789")])).toEqual([
      { kind: "reference", text: "INV-2024-0031" },
      { kind: "reference", text: "JNE123456789" },
    ]);
  });

  it("does not take phone numbers, plain words or the bot's text as facts", () => {
    expect(keyFacts([c("hubungi saya di 081234567890 ya"), c("order saya kemarin")])).toEqual([]);
    expect(keyFacts([bot("Pesanan #123456 sudah dikirim")])).toEqual([]);
  });

  it("gives each fact once and at most six", () => {
    const many = Array.from({ length: 10 }, (_, i) => c(`order #${1000 + i} dan order #1000`));
    const facts = keyFacts(many);
    expect(facts).toHaveLength(6);
    expect(new Set(facts.map((f) => f.text)).size).toBe(6);
  });
});

describe("deterministicSummary", () => {
  it("says what the customer wants, the facts, what the AI said and the latest messages", () => {
    const summary = deterministicSummary([
      c("halo"),
      c("pesanan 77001 kok belum dikirim ya?"),
      bot("Pesanan biasanya dikirim 1-2 hari kerja."),
      c("sudah 5 hari kak"),
      c("mau bicara dengan admin"),
    ]);
    expect(summary).toBe(
      [
        "Wants: “pesanan 77001 kok belum dikirim ya?”",
        "Facts: ref 77001",
        "AI last said: “Pesanan biasanya dikirim 1-2 hari kerja.”",
        "Latest: “sudah 5 hari kak” · “mau bicara dengan admin”",
      ].join("\n"),
    );
  });

  it("is null when the customer wrote nothing, and honest about greetings only", () => {
    expect(deterministicSummary([bot("Halo!")])).toBeNull();
    expect(deterministicSummary([c("halo kak")])).toBe(
      "Wants: not said yet (greetings only)\nLatest: “halo kak”",
    );
  });

  it("stays short however long the messages are", () => {
    const long = "x".repeat(5000);
    const summary = deterministicSummary([c(`kenapa ${long}?`), bot(long), c(long), c(long)])!;
    expect(summary.length).toBeLessThan(900);
    expect(summary.split("\n")).toHaveLength(3);
  });
});

describe("modelSummaryAllowed", () => {
  const ok = { handoffReason: "customer_request", aiOn: true, overBudget: false };
  it("allows an ordinary handoff", () => {
    expect(modelSummaryAllowed(ok)).toBe(true);
    expect(modelSummaryAllowed({ ...ok, handoffReason: "low_confidence" })).toBe(true);
    expect(modelSummaryAllowed({ ...ok, handoffReason: null })).toBe(true);
  });
  it("refuses when the model failed, is off, or spending must stop", () => {
    for (const reason of ["model_unavailable", "offline", "ai_off", "token_budget", "rate_limited"])
      expect(modelSummaryAllowed({ ...ok, handoffReason: reason })).toBe(false);
    expect(modelSummaryAllowed({ ...ok, aiOn: false })).toBe(false);
    expect(modelSummaryAllowed({ ...ok, overBudget: true })).toBe(false);
  });
});

describe("on hostile input", () => {
  it("summarises a 64 KB message of e-mail-like words and still finds a real address", () => {
    const words = Array.from({ length: 6000 }, (_, i) => `a.b-${i}.c`).join(" ");
    const text = `${words.slice(0, 60_000)} mail me at rina@example.co.id`;
    // Only the first 2,000 characters of a message are read (a quadratic regex on all of it
    // stalled the event loop: test/event-loop.e2e.test.ts measures that, not this test).
    expect(deterministicSummary([c(text), c(`${"x.".repeat(32_000)}@`)])).toContain("Wants:");
    expect(keyFacts([c("kirim ke rina@example.co.id ya")])).toEqual([
      { kind: "email", text: "rina@example.co.id" },
    ]);
  });
});
