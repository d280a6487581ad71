import { describe, expect, it } from "vitest";
import { actionNotice } from "./action-notice.ts";
import { LIMITS } from "./text.ts";
import { blockLimitProblems } from "./validate.ts";

describe("actionNotice", () => {
  it("says what the AI did and quotes the customer", () => {
    const n = actionNotice({
      request: { action: "set_lifecycle_stage", stage: "Hot Lead" },
      outcome: "applied",
      detail: null,
      source: "model",
      because: "I want 20 units <today>",
    });
    expect(n.text).toBe("🤖 AI set stage → *Hot Lead* (because: “I want 20 units &lt;today&gt;”)");
    expect(blockLimitProblems(n.blocks, LIMITS.messageBlocks)).toEqual([]);
  });

  it("mentions the picked person, else the user group, in the team's channel", () => {
    const picked = actionNotice({
      request: { action: "assign_team", team: "Sales" },
      outcome: "applied",
      detail: null,
      source: "model",
      because: "price?",
      team: { channel: "C0SALES", picked: "U0B", userGroup: "S0SALES" },
    });
    expect(picked.text).toContain("assigned to team *Sales*");
    expect(picked.text).toContain("in <#C0SALES> → <@U0B>");
    const group = actionNotice({
      request: { action: "assign_team", team: "Sales" },
      outcome: "applied",
      detail: null,
      source: "model",
      because: null,
      team: { channel: "C0SALES", picked: null, userGroup: "S0SALES" },
    });
    expect(group.text).toContain("<!subteam^S0SALES>");
  });

  it("shows a refusal with its reason, and stays within Slack's limits", () => {
    const refused = actionNotice({
      request: { action: "update_contact_field", field: "email", value: "nope" },
      outcome: "refused",
      detail: 'email: "nope" is not an email address',
      source: "model",
      because: "my mail is nope",
    });
    expect(refused.text).toContain("refused: email:");
    const closed = actionNotice({
      request: { action: "close_conversation", summary: "x".repeat(5000) },
      outcome: "applied",
      detail: "y".repeat(5000),
      source: "follow_up",
      because: null,
    });
    expect(closed.text.startsWith("🤖 Follow-up closed the conversation")).toBe(true);
    expect(closed.text).not.toContain("xxx");
    expect(JSON.stringify(closed.blocks).length).toBeLessThan(3400);
    expect(blockLimitProblems(closed.blocks, LIMITS.messageBlocks)).toEqual([]);
  });
});
