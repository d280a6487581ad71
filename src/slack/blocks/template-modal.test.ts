import type { InputBlock, KnownBlock, StaticSelect } from "@slack/types";
import { describe, expect, it } from "vitest";
import {
  parseTemplateModalMetadata,
  parseTemplateOptionValue,
  parseTemplateSubmission,
  type TemplateChoice,
  templatePickerModal,
  templateWindowIntro,
  type ViewStateValues,
} from "./template-modal.ts";
import { viewLimitProblems } from "./validate.ts";

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;
/** A window that is still open for three hours. */
const OPEN = { windowEndsAt: NOW + 3 * HOUR, now: NOW };

const templates: TemplateChoice[] = [
  {
    name: "order_update",
    language: "id",
    category: "UTILITY",
    bodyText: "Halo {{1}}, pesanan {{2}} sudah dikirim.",
    parameterCount: 2,
  },
  { name: "follow_up", language: "en", category: null, bodyText: null, parameterCount: 0 },
];

function inputs(blocks: KnownBlock[]): InputBlock[] {
  return blocks.filter((b): b is InputBlock => b.type === "input");
}

function select(blocks: KnownBlock[]): StaticSelect {
  const block = inputs(blocks).find((b) => b.block_id === "template");
  return block?.element as StaticSelect;
}

describe("templatePickerModal", () => {
  it("lists the approved templates in a dispatching select", () => {
    const view = templatePickerModal({ ...OPEN, conversationId: 42, templates });
    expect(view.type).toBe("modal");
    expect(view.callback_id).toBe("send_template");
    expect(JSON.parse(view.private_metadata ?? "")).toEqual({ conversationId: 42 });
    expect(view.submit).toBeDefined();
    const block = inputs(view.blocks as KnownBlock[]).find((b) => b.block_id === "template");
    expect(block?.dispatch_action).toBe(true);
    const sel = select(view.blocks as KnownBlock[]);
    expect(sel.action_id).toBe("template_select");
    expect(sel.options?.map((o) => o.value)).toEqual(["order_update|id", "follow_up|en"]);
    expect(sel.initial_option).toBeUndefined();
    expect(inputs(view.blocks as KnownBlock[])).toHaveLength(1);
    expect(viewLimitProblems(view)).toEqual([]);
  });

  it("shows one input per parameter once a template is selected", () => {
    const view = templatePickerModal({
      ...OPEN,
      conversationId: 42,
      templates,
      selected: { name: "order_update", language: "id" },
    });
    const blocks = view.blocks as KnownBlock[];
    expect(select(blocks).initial_option?.value).toBe("order_update|id");
    const params = inputs(blocks).filter((b) => b.block_id?.startsWith("param_"));
    expect(params.map((b) => b.block_id)).toEqual(["param_1", "param_2"]);
    for (const p of params) {
      expect(p.element).toMatchObject({ type: "plain_text_input", action_id: "value" });
    }
    expect(JSON.stringify(blocks)).toContain("pesanan {{2}} sudah dikirim");
    expect(viewLimitProblems(view)).toEqual([]);
  });

  it("says so when the selected template has no parameters, and ignores a stale selection", () => {
    const none = templatePickerModal({
      ...OPEN,
      conversationId: 1,
      templates,
      selected: { name: "follow_up", language: "en" },
    });
    expect(JSON.stringify(none.blocks)).toContain("no parameters");
    expect(inputs(none.blocks as KnownBlock[])).toHaveLength(1);
    const stale = templatePickerModal({
      ...OPEN,
      conversationId: 1,
      templates,
      selected: { name: "gone", language: "id" },
    });
    expect(select(stale.blocks as KnownBlock[]).initial_option).toBeUndefined();
  });

  it("explains how to create templates when there are none, without a submit button", () => {
    const view = templatePickerModal({ ...OPEN, conversationId: 42, templates: [] });
    expect(view.callback_id).toBe("send_template");
    expect(view.submit).toBeUndefined();
    expect(inputs(view.blocks as KnownBlock[])).toHaveLength(0);
    expect(JSON.stringify(view.blocks)).toContain("WhatsApp Manager");
    expect(viewLimitProblems(view)).toEqual([]);
  });

  it("says the window is open until when, and that a free reply works too, while it is open", () => {
    for (const list of [templates, []]) {
      const view = templatePickerModal({ conversationId: 42, templates: list, ...OPEN });
      const intro = (view.blocks as KnownBlock[])[0]!;
      expect(intro).toMatchObject({ type: "section", block_id: "window" });
      const text = JSON.stringify(intro);
      expect(text).toContain("*open* until");
      expect(text).toContain(`<!date^${(NOW + 3 * HOUR) / 1000}^`);
      expect(text).toContain("in 3 h");
      expect(text).toContain("free reply in the thread also reaches the customer");
      expect(text).not.toContain("closed");
      expect(text).not.toContain("only an approved template");
    }
  });

  it("says only templates reach the customer once the window closed, or before it opened", () => {
    const closedAt = NOW - 2 * HOUR;
    const closed = templatePickerModal({
      conversationId: 42,
      templates,
      windowEndsAt: closedAt,
      now: NOW,
    });
    const text = JSON.stringify((closed.blocks as KnownBlock[])[0]);
    expect(text).toContain("*closed* (since <!date^");
    expect(text).toContain(`<!date^${closedAt / 1000}^`);
    expect(text).toContain("only an approved template can reach the customer");
    expect(text).not.toContain("free reply");
    // Closed exactly at its end, as the send job decides.
    expect(templateWindowIntro(NOW, NOW)).toContain("*closed*");
    expect(templateWindowIntro(NOW + 1, NOW)).toContain("*open*");
    // No customer message yet: no window.
    const never = templatePickerModal({
      conversationId: 42,
      templates,
      windowEndsAt: null,
      now: NOW,
    });
    expect(JSON.stringify((never.blocks as KnownBlock[])[0])).toContain("*not open*");
    expect(JSON.stringify(never.blocks)).toContain("only an approved template");
  });

  it("respects the option, block and text limits", () => {
    const many: TemplateChoice[] = Array.from({ length: 150 }, (_, i) => ({
      name: `template_${i}_${"x".repeat(80)}`,
      language: "en_US",
      category: "MARKETING",
      bodyText: "<b>&</b> ".repeat(1000),
      parameterCount: 3,
    }));
    many.push({ ...many[0]!, name: "n".repeat(200) }); // value too long for an option: left out
    const view = templatePickerModal({ ...OPEN, conversationId: 1, templates: many });
    expect(select(view.blocks as KnownBlock[]).options).toHaveLength(100);
    expect(JSON.stringify(view.blocks)).toContain("first 100 of 150");
    expect(viewLimitProblems(view)).toEqual([]);

    const big = templatePickerModal({
      ...OPEN,
      conversationId: 1,
      templates: [{ ...templates[0]!, bodyText: "&".repeat(5000), parameterCount: 98 }],
      selected: { name: "order_update", language: "id" },
    });
    expect(viewLimitProblems(big)).toEqual([]);
    expect(big.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(big.blocks)).toContain("more than a Slack form can hold");

    const fits = templatePickerModal({
      ...OPEN,
      conversationId: 1,
      templates: [{ ...templates[0]!, parameterCount: 20 }],
      selected: { name: "order_update", language: "id" },
    });
    expect(inputs(fits.blocks as KnownBlock[])).toHaveLength(21);
  });
});

function state(option: string | null, params: (string | null)[]): ViewStateValues {
  const values: ViewStateValues = {
    template: {
      template_select: {
        type: "static_select",
        selected_option: option === null ? null : { value: option },
      },
    },
  };
  params.forEach((value, i) => {
    values[`param_${i + 1}`] = { value: { type: "plain_text_input", value } };
  });
  return values;
}

describe("parseTemplateSubmission", () => {
  it("returns the template and its parameters in order", () => {
    expect(parseTemplateSubmission(state("order_update|id", [" Budi ", "INV-1"]))).toEqual({
      name: "order_update",
      language: "id",
      parameters: ["Budi", "INV-1"],
    });
    expect(parseTemplateSubmission(state("follow_up|en_US", []))).toEqual({
      name: "follow_up",
      language: "en_US",
      parameters: [],
    });
  });

  it("cleans what WhatsApp rejects in parameters", () => {
    const r = parseTemplateSubmission(state("a|id", ["x\ty\nz      w"]));
    expect(r).toEqual({ name: "a", language: "id", parameters: ["x y z    w"] });
  });

  it("reports a missing parameter on its block", () => {
    expect(parseTemplateSubmission(state("order_update|id", ["Budi", "  "]))).toEqual({
      error: { blockId: "param_2", message: "Fill in parameter {{2}}." },
    });
    expect(parseTemplateSubmission(state("order_update|id", [null, "x"]))).toEqual({
      error: { blockId: "param_1", message: "Fill in parameter {{1}}." },
    });
  });

  it("reports a missing template on the select", () => {
    const r = parseTemplateSubmission(state(null, []));
    expect(r).toEqual({ error: { blockId: "template", message: "Choose a template." } });
    expect(parseTemplateSubmission({})).toMatchObject({ error: { blockId: "template" } });
  });

  it("asks to pick again when the form lacks the parameters the template needs", () => {
    const r = parseTemplateSubmission(state("order_update|id", []), 2);
    expect(r).toMatchObject({ error: { blockId: "template" } });
    expect(parseTemplateSubmission(state("order_update|id", ["a", "b"]), 2)).toMatchObject({
      parameters: ["a", "b"],
    });
  });
});

describe("option values and metadata", () => {
  it("parses name|language", () => {
    expect(parseTemplateOptionValue("order_update|pt_BR")).toEqual({
      name: "order_update",
      language: "pt_BR",
    });
    expect(parseTemplateOptionValue("nolang")).toBeNull();
    expect(parseTemplateOptionValue("|id")).toBeNull();
    expect(parseTemplateOptionValue("x|")).toBeNull();
    expect(parseTemplateOptionValue(undefined)).toBeNull();
  });

  it("reads private_metadata back", () => {
    const view = templatePickerModal({ ...OPEN, conversationId: 77, templates });
    expect(parseTemplateModalMetadata(view.private_metadata)).toEqual({ conversationId: 77 });
    expect(parseTemplateModalMetadata("not json")).toBeNull();
    expect(parseTemplateModalMetadata('{"conversationId":"7"}')).toBeNull();
    expect(parseTemplateModalMetadata(undefined)).toBeNull();
  });
});
