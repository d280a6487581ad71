import { describe, expect, it } from "vitest";
import { checkTemplateDraft, type TemplateDraftInput } from "./template-draft.ts";

const good: TemplateDraftInput = {
  name: "order_update",
  category: "utility",
  language: "id",
  body: "Halo {{1}}, pesanan {{2}} sudah dikirim.",
  examples: ["Sari", "INV-1001"],
  buttons: ["Terima kasih", ""],
};

describe("checkTemplateDraft", () => {
  it("builds Meta's creation request from a valid draft", () => {
    expect(checkTemplateDraft(good)).toEqual({
      ok: true,
      request: {
        name: "order_update",
        category: "UTILITY",
        language: "id",
        components: [
          {
            type: "BODY",
            text: "Halo {{1}}, pesanan {{2}} sudah dikirim.",
            example: { body_text: [["Sari", "INV-1001"]] },
          },
          { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Terima kasih" }] },
        ],
      },
    });
  });

  it("needs no examples and no buttons for a text without parameters", () => {
    const r = checkTemplateDraft({
      ...good,
      body: "Toko kami tutup hari ini.",
      examples: [],
      buttons: [],
    });
    expect(r.ok && r.request.components).toEqual([
      { type: "BODY", text: "Toko kami tutup hari ini." },
    ]);
  });

  it.each<[Partial<TemplateDraftInput>, string, RegExp]>([
    [{ name: "Order Update" }, "name", /lowercase/],
    [{ name: "x".repeat(513) }, "name", /512/],
    [{ category: "PROMO" }, "category", /UTILITY/],
    [{ language: "Indonesian" }, "language", /language code/],
    [{ body: "  " }, "body", /required/],
    [{ body: `a ${"b".repeat(1100)}` }, "body", /1024/],
    [{ body: "Halo {{1}}, pesanan {{3}} ok." }, "body", /without gaps/],
    [{ body: "Halo {{nama}} ok." }, "body", /not a parameter/],
    [{ body: "{{1}} pesanan {{2}} sudah dikirim." }, "body", /first or last/],
    [{ body: "Pesanan {{1}} dikirim ke {{2}}" }, "body", /first or last/],
    [{ examples: ["Sari"] }, "examples", /2 example/],
    [{ examples: ["Sari", " "] }, "examples", /empty/],
    [{ body: "Tanpa parameter.", examples: ["x"] }, "examples", /no parameters/],
    [{ buttons: ["a".repeat(26)] }, "buttons", /25/],
    [{ buttons: ["Ya", "Ya"] }, "buttons", /differ/],
    [{ buttons: Array.from({ length: 11 }, (_, i) => `b${i}`) }, "buttons", /10/],
  ])("refuses %o on %s", (change, field, message) => {
    const r = checkTemplateDraft({ ...good, ...change });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[field as keyof typeof r.errors]).toMatch(message);
  });

  it("repeated parameters count once", () => {
    const r = checkTemplateDraft({
      ...good,
      body: "Hi {{1}}, yes {{1}} and {{2}} ok",
      examples: ["a", "b"],
    });
    expect(r.ok).toBe(true);
  });
});
