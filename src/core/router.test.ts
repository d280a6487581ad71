import { describe, expect, it } from "vitest";
import { type RouteInput, routeTier } from "./router.ts";

const turn = (text: string, over: Partial<RouteInput> = {}): RouteInput => ({
  text,
  turnCount: 1,
  previousLowConfidence: false,
  hasMedia: false,
  ...over,
});

describe("routeTier", () => {
  it.each([
    "Ongkir ke Medan berapa kak?",
    "Tokonya buka jam berapa hari Minggu?",
    "Do you ship to Bali?",
    "what time do you close today",
    "pesanan saya INV-8812 sudah dikirim belum?",
    "Selamat siang",
    "good morning!",
    "What's your refund policy?",
    "bisa COD gak?",
    "Is the red dress available in L?",
    "aman kak, makasih ya",
    "Berapa lama garansinya?",
    "how do I upgrade my plan?",
    "Do you sell baby clothes?",
    "Ada produk viral TikTok yang lagi diskon?",
  ])("keeps the commodity question %j on the fast tier", (text) => {
    expect(routeTier(turn(text)).tier).toBe("fast");
  });

  it.each([
    [
      "double_charge",
      "My card was charged two times for one order, can you tell me which charge will be reversed?",
    ],
    ["complaint_or_anger", "Saya kecewa banget, barang datang rusak dan penjual tidak merespon"],
    ["safety_health_legal", "Apakah krim ini aman untuk ibu hamil?"],
    ["safety_health_legal", "Can I give this supplement to my 5 year old, any side effects?"],
    [
      "steps_already_tried",
      "The router keeps dropping wifi every hour, I already restarted it and updated the firmware but it still happens",
    ],
    ["double_charge", "Tagihan bulan ini kok dobel ya? saya cuma pakai satu paket"],
    [
      "billing_logic",
      "If I return one item from a bundle, do I get the discount removed on the rest?",
    ],
    [
      "refund_or_dispute",
      "Kalau saya batalkan sekarang, uang saya kembali penuh atau dipotong biaya?",
    ],
    ["shouting", "THIS IS UNACCEPTABLE I HAVE BEEN WAITING FOR TWO WEEKS"],
    ["safety_health_legal", "Charger saya meleleh dan berasap waktu dicolok, bahaya nggak?"],
    ["complaint_or_anger", "I'll report you to consumer protection if this isn't fixed"],
  ])("sends a reasoning question to the smart tier with the reason %s", (reason, text) => {
    const decision = routeTier(turn(text));
    expect(decision.tier).toBe("smart");
    expect(decision.reasons).toContain(reason);
  });

  it("names the commodity default when no rule fires", () => {
    expect(routeTier(turn("halo"))).toEqual({ tier: "fast", reasons: ["commodity"] });
  });

  it("sends any turn after a low-confidence answer to the smart tier", () => {
    const decision = routeTier(turn("ok, terus?", { previousLowConfidence: true }));
    expect(decision).toEqual({ tier: "smart", reasons: ["previous_low_confidence"] });
  });

  it("sends attached images and documents to the smart tier", () => {
    expect(routeTier(turn("ini fotonya", { hasMedia: true })).reasons).toEqual(["attachment"]);
    expect(routeTier(turn("ini fotonya", { hasMedia: true })).tier).toBe("smart");
  });

  it("weighs the length of the conversation", () => {
    expect(routeTier(turn("terus gimana?", { turnCount: 5 })).tier).toBe("fast");
    expect(routeTier(turn("terus gimana?", { turnCount: 8 })).tier).toBe("smart");
    expect(routeTier(turn("oke, tapi kalau besar?", { turnCount: 5 })).tier).toBe("smart");
  });

  it("sends a long message to the smart tier whatever its topic", () => {
    const long = Array.from({ length: 32 }, (_, i) => `kata${i}`).join(" ");
    expect(routeTier(turn(long))).toEqual({ tier: "smart", reasons: ["long_message"] });
  });

  it("needs two weak hints together, not one", () => {
    expect(routeTier(turn("Is a refund possible?")).tier).toBe("fast");
    expect(routeTier(turn("Is a refund possible? And how long does it take?")).tier).toBe("smart");
  });
});

describe("connection troubleshooting", () => {
  it("sends repeated drops after steps already tried to the smart tier", () => {
    const input = { turnCount: 1, previousLowConfidence: false, hasMedia: false };
    expect(
      routeTier({
        ...input,
        text: "the modem keeps disconnecting since the firmware update, we tried rebooting",
      }).tier,
    ).toBe("smart");
    expect(
      routeTier({ ...input, text: "internet saya putus putus, sudah coba ganti kabel" }).tier,
    ).toBe("smart");
    expect(routeTier({ ...input, text: "berapa harga modem yang baru?" }).tier).toBe("fast");
  });
});

describe("troubleshooting and account reasoning", () => {
  const turn1 = (text: string) =>
    routeTier({ text, turnCount: 1, previousLowConfidence: false, hasMedia: false });

  it("sends symptoms told in steps to the smart tier", () => {
    expect(
      turn1("aplikasinya lemot, lalu saya logout terus login lagi, tetap loading terus").tier,
    ).toBe("smart");
    expect(turn1("my watch is not charging, I cleaned it then tried another cable").tier).toBe(
      "smart",
    );
  });

  it("sends why-questions about the customer's own account to the smart tier", () => {
    expect(turn1("kenapa saldo saya berkurang sendiri?").tier).toBe("smart");
    expect(turn1("why was my subscription renewed at a higher price?").tier).toBe("smart");
  });

  it("keeps commodity account questions on the fast tier", () => {
    expect(turn1("gimana cara reset password akun saya?").tier).toBe("fast");
    expect(turn1("cek saldo saya dong").tier).toBe("fast");
    expect(turn1("layar hp blank harganya berapa ganti baru?").tier).toBe("fast");
  });
});
