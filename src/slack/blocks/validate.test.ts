import type { KnownBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import { blockLimitProblems, viewLimitProblems } from "./validate.ts";

describe("blockLimitProblems", () => {
  it("accepts valid blocks", () => {
    const blocks: KnownBlock[] = [
      { type: "header", text: { type: "plain_text", text: "Hi" } },
      { type: "section", text: { type: "mrkdwn", text: "ok" } },
    ];
    expect(blockLimitProblems(blocks, 50)).toEqual([]);
  });

  it("finds broken limits", () => {
    const blocks: KnownBlock[] = [
      { type: "header", text: { type: "plain_text", text: "h".repeat(151) } },
      {
        type: "section",
        block_id: "a",
        fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn" as const, text: "f" })),
      },
      { type: "section", block_id: "a", text: { type: "mrkdwn", text: "" } },
      {
        type: "context",
        elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn" as const, text: "c" })),
      },
      {
        type: "actions",
        elements: [
          {
            type: "button",
            action_id: "x",
            text: { type: "plain_text", text: "b".repeat(76) },
            value: "v".repeat(2001),
          },
        ],
      },
    ];
    const problems = blockLimitProblems(blocks, 3);
    expect(problems.join("\n")).toMatch(/5 blocks > 3/);
    expect(problems.join("\n")).toMatch(/text 151 > 150/);
    expect(problems.join("\n")).toMatch(/11 fields/);
    expect(problems.join("\n")).toMatch(/duplicate block_id a/);
    expect(problems.join("\n")).toMatch(/empty text/);
    expect(problems.join("\n")).toMatch(/11 elements/);
    expect(problems.join("\n")).toMatch(/text 76 > 75/);
    expect(problems.join("\n")).toMatch(/button value 2001/);
  });
});

describe("viewLimitProblems", () => {
  it("checks title, metadata and the submit button of modals with inputs", () => {
    const view: ModalView = {
      type: "modal",
      title: { type: "plain_text", text: "t".repeat(25) },
      private_metadata: "m".repeat(3001),
      blocks: [
        {
          type: "input",
          label: { type: "plain_text", text: "l" },
          element: { type: "plain_text_input", action_id: "v" },
        },
      ],
    };
    const problems = viewLimitProblems(view).join("\n");
    expect(problems).toMatch(/title: text 25 > 24/);
    expect(problems).toMatch(/private_metadata/);
    expect(problems).toMatch(/no submit/);
  });
});
