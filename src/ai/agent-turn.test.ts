import { describe, expect, it } from "vitest";
import { agentConfigSchema, NO_ACTIONS } from "../core/agent-config.ts";
import { actionRulesOf, agentOf, MAX_TOOL_CALLS_PER_TURN, turnTools } from "./agent-turn.ts";
import type { BusinessPrompt } from "./prompt-file.ts";

const config = agentConfigSchema.parse({
  actions: ["set_lifecycle_stage"],
  stages: ["New Lead", "Hot Lead"],
});

describe("turnTools", () => {
  it("is null when no action is enabled", () => {
    expect(turnTools(NO_ACTIONS, [], 1, 2)).toBeNull();
  });

  it("answers every call, collects each request once and refusals with their reason", () => {
    const t = turnTools(config, [], 1, 2)!;
    const results = t.tools.run([
      { id: "a", name: "set_lifecycle_stage", input: { stage: "hot lead" } },
      { id: "b", name: "set_lifecycle_stage", input: { stage: "Hot Lead" } },
      { id: "c", name: "assign_team", input: { team: "Sales" } },
    ]);
    expect(results.map((r) => [r.tool_use_id, r.is_error ?? false])).toEqual([
      ["a", false],
      ["b", false],
      ["c", true],
    ]);
    expect(results[2]!.content).toBe(
      "Refused: the action assign_team is not enabled for this business. Nothing was changed.",
    );
    expect(t.actions.accepted.map((a) => a.request)).toEqual([
      { action: "set_lifecycle_stage", stage: "Hot Lead" },
    ]);
    expect(t.actions.refused.map((r) => r.name)).toEqual(["assign_team"]);
    // A second tier asking the same again: nothing new.
    t.tools.run([{ id: "d", name: "assign_team", input: { team: "Sales" } }]);
    expect(t.actions.refused).toHaveLength(1);
  });

  it("refuses calls beyond the per-turn limit", () => {
    const t = turnTools(config, [], 1, 2)!;
    const calls = Array.from({ length: MAX_TOOL_CALLS_PER_TURN + 1 }, (_, i) => ({
      id: `t${i}`,
      name: "set_lifecycle_stage",
      input: { stage: i % 2 ? "New Lead" : "Hot Lead" },
    }));
    const results = t.tools.run(calls);
    expect(results.at(-1)).toMatchObject({ is_error: true });
    expect(results.at(-1)!.content).toContain("too many actions in one turn");
  });
});

describe("reading the prompt", () => {
  const base: BusinessPrompt = {
    path: "p",
    sections: [],
    version: "v",
  } as unknown as BusinessPrompt;
  it("reads agent and action rules, defaulting to talk only", () => {
    expect(agentOf(base)).toEqual(NO_ACTIONS);
    expect(actionRulesOf(base)).toEqual([]);
    const withRules = { ...base, agent: config, actionRules: ["a rule"] } as BusinessPrompt;
    expect(agentOf(withRules)).toBe(config);
    expect(actionRulesOf(withRules)).toEqual(["a rule"]);
    expect(
      actionRulesOf({ ...base, actionRules: "- one\n* two\n\n" } as unknown as BusinessPrompt),
    ).toEqual(["one", "two"]);
  });
});
