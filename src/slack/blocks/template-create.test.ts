import { describe, expect, it } from "vitest";
import {
  parseTemplateCreateSubmission,
  TEMPLATE_CREATE_MODAL,
  templateCreatedView,
  templateCreateModal,
  templateListText,
} from "./template-create.ts";
import { viewLimitProblems } from "./validate.ts";

describe("templateCreateModal", () => {
  it("is a valid modal whose block ids are the draft's fields", () => {
    const view = templateCreateModal();
    expect(viewLimitProblems(view)).toEqual([]);
    expect(view.callback_id).toBe(TEMPLATE_CREATE_MODAL.callbackId);
    const ids = view.blocks.filter((b) => b.type === "input").map((b) => b.block_id);
    expect(ids).toEqual(["name", "category", "language", "body", "examples", "buttons"]);
  });

  it("reads a submission into a draft (examples and buttons one per line, blanks dropped)", () => {
    const v = (value: string) => ({ value: { type: "plain_text_input", value } });
    const s = (value: string) => ({ value: { type: "static_select", selected_option: { value } } });
    expect(
      parseTemplateCreateSubmission({
        name: v(" promo_1 "),
        category: s("MARKETING"),
        language: s("en"),
        body: v("Hi {{1}} ok"),
        examples: v("Sari\n\n  "),
        buttons: { value: { type: "plain_text_input", value: null } },
      }),
    ).toEqual({
      name: " promo_1 ",
      category: "MARKETING",
      language: "en",
      body: "Hi {{1}} ok",
      examples: ["Sari"],
      buttons: [],
    });
    expect(parseTemplateCreateSubmission({})).toEqual({
      name: "",
      category: "",
      language: "",
      body: "",
      examples: [],
      buttons: [],
    });
  });
});

describe("templateCreatedView and templateListText", () => {
  it("escapes what Meta or a person wrote", () => {
    const view = templateCreatedView({ name: "a<@U1>", language: "id", status: "PENDING" });
    expect(viewLimitProblems(view)).toEqual([]);
    expect(JSON.stringify(view)).not.toContain("<@U1>");
    const text = templateListText([
      { name: "x", language: "id", status: "REJECTED", category: "UTILITY", reason: "<!channel>" },
    ]);
    expect(text).toContain("❌ `x` (id) · UTILITY · REJECTED");
    expect(text).not.toContain("<!channel>");
  });

  it("has an empty state and caps long lists", () => {
    expect(templateListText([])).toContain("/jembatan template new");
    const many = Array.from({ length: 60 }, (_, i) => ({
      name: `t${i}`,
      language: "id",
      status: "APPROVED",
      category: null,
      reason: null,
    }));
    expect(templateListText(many).split("\n")).toHaveLength(51);
  });
});
