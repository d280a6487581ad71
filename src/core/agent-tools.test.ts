import { describe, expect, it } from "vitest";
import { type AgentConfig, agentConfigSchema, NO_ACTIONS } from "./agent-config.ts";
import {
  actionKey,
  buildAgentTools,
  checkFieldValue,
  checkToolCall,
  pickFewestOpen,
  pickRoundRobin,
} from "./agent-tools.ts";

const config: AgentConfig = agentConfigSchema.parse({
  actions: ["assign_team", "update_contact_field", "set_lifecycle_stage"],
  teams: [
    { name: "Sales", channel: "C0SALES", members: ["U0A", "U0B", "U0C"], pick: "round_robin" },
    { name: "Support", channel: "C0SUPPORT" },
  ],
  fields: [
    { name: "budget", type: "number" },
    { name: "visit_date", type: "date" },
    { name: "size", type: "enum", values: ["Small", "Large"] },
    { name: "billing_email", type: "email" },
  ],
  stages: ["New Lead", "Hot Lead", "Customer", "Cold Lead"],
});

describe("buildAgentTools", () => {
  it("offers only the enabled actions, with enums from the configuration", () => {
    const tools = buildAgentTools(config, [
      "When the customer mentions a budget over 10 million, set lifecycle stage Hot Lead.",
      "Never close a conversation yourself.",
    ]);
    expect(tools.map((t) => t.name)).toEqual([
      "assign_team",
      "update_contact_field",
      "set_lifecycle_stage",
    ]);
    expect(tools[0]!.input_schema.properties.team!.enum).toEqual(["Sales", "Support"]);
    expect(tools[1]!.input_schema.properties.field!.enum).toEqual([
      "name",
      "email",
      "company",
      "budget",
      "visit_date",
      "size",
      "billing_email",
    ]);
    expect(tools[2]!.description).toContain("Rule: When the customer mentions a budget");
    expect(tools[0]!.description).not.toContain("Rule:");
    for (const t of tools) expect(t.input_schema.additionalProperties).toBe(false);
  });

  it("offers nothing without an Actions section", () => {
    expect(buildAgentTools(NO_ACTIONS)).toEqual([]);
  });
});

describe("checkToolCall", () => {
  it("accepts known values in their canonical spelling", () => {
    expect(checkToolCall(config, { name: "assign_team", input: { team: "sales" } })).toEqual({
      ok: true,
      request: { action: "assign_team", team: "Sales" },
    });
    expect(
      checkToolCall(config, { name: "set_lifecycle_stage", input: { stage: "hot lead" } }),
    ).toEqual({ ok: true, request: { action: "set_lifecycle_stage", stage: "Hot Lead" } });
    expect(
      checkToolCall(config, {
        name: "update_contact_field",
        input: { field: "email", value: " Budi@Example.COM " },
      }),
    ).toEqual({
      ok: true,
      request: { action: "update_contact_field", field: "email", value: "budi@example.com" },
    });
  });

  it("refuses a disabled action, an unknown tool, unknown values and bad shapes", () => {
    expect(
      checkToolCall(config, { name: "close_conversation", input: { summary: "done" } }),
    ).toEqual({
      ok: false,
      reason: "the action close_conversation is not enabled for this business",
    });
    expect(checkToolCall(config, { name: "rm_rf", input: {} })).toEqual({
      ok: false,
      reason: 'unknown tool "rm_rf"',
    });
    const team = checkToolCall(config, { name: "assign_team", input: { team: "Billing" } });
    expect(team).toEqual({ ok: false, reason: 'unknown team "Billing"; teams: Sales, Support' });
    expect(checkToolCall(config, { name: "set_lifecycle_stage", input: { stage: "VIP" } }).ok).toBe(
      false,
    );
    const shape = checkToolCall(config, { name: "assign_team", input: { team: 3 } });
    expect(shape.ok).toBe(false);
    expect(!shape.ok && shape.reason).toMatch(/^invalid input: team/);
    expect(checkToolCall(config, { name: "assign_team", input: "Sales" }).ok).toBe(false);
    expect(
      checkToolCall(config, { name: "update_contact_field", input: { field: "age", value: "3" } }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('unknown field "age"') });
  });

  it("refuses a value invalid for the field's type, with the reason", () => {
    const call = (field: string, value: string) =>
      checkToolCall(config, { name: "update_contact_field", input: { field, value } });
    expect(call("email", "budi at example")).toEqual({
      ok: false,
      reason: 'email: "budi at example" is not an email address',
    });
    expect(call("budget", "lots")).toMatchObject({ ok: false });
    expect(call("visit_date", "2026-02-30")).toMatchObject({ ok: false });
    expect(call("size", "Medium")).toEqual({
      ok: false,
      reason: "size: must be one of Small, Large",
    });
    expect(call("billing_email", "a@b.co")).toMatchObject({ ok: true });
  });
});

describe("checkFieldValue", () => {
  it("normalises numbers, dates and enums", () => {
    expect(checkFieldValue({ name: "n", type: "number" }, "10,000,000")).toEqual({
      ok: true,
      value: "10000000",
    });
    expect(checkFieldValue({ name: "n", type: "number" }, 2.5)).toEqual({ ok: true, value: "2.5" });
    expect(checkFieldValue({ name: "n", type: "number" }, "1e9")).toMatchObject({ ok: false });
    expect(checkFieldValue({ name: "d", type: "date" }, "2026-12-02")).toEqual({
      ok: true,
      value: "2026-12-02",
    });
    expect(checkFieldValue({ name: "d", type: "date" }, "02/12/2026")).toMatchObject({ ok: false });
    expect(
      checkFieldValue({ name: "s", type: "enum", values: ["Small", "Large"] }, "LARGE"),
    ).toEqual({ ok: true, value: "Large" });
    expect(checkFieldValue({ name: "t", type: "text" }, "   ")).toMatchObject({ ok: false });
    expect(checkFieldValue({ name: "t", type: "text" }, "x".repeat(201))).toMatchObject({
      ok: false,
    });
  });
});

describe("actionKey", () => {
  it("is the same for the same request whatever the key order, different otherwise", () => {
    const a = actionKey(1, 7, { action: "update_contact_field", field: "email", value: "a@b.co" });
    const b = actionKey(1, 7, { value: "a@b.co", field: "email", action: "update_contact_field" });
    expect(a).toBe(b);
    expect(actionKey(1, 8, { action: "assign_team", team: "Sales" })).not.toBe(
      actionKey(1, 7, { action: "assign_team", team: "Sales" }),
    );
    expect(actionKey(1, null, { action: "close_conversation", summary: "x" })).toMatch(
      /^agent:1:-:close_conversation:[0-9a-f]{16}$/,
    );
  });
});

describe("picking a person", () => {
  it("round robin spreads A, B, C, A", () => {
    const members = ["U0A", "U0B", "U0C"];
    const picks: string[] = [];
    let last: string | null = null;
    for (let i = 0; i < 4; i++) {
      last = pickRoundRobin(members, last);
      picks.push(last!);
    }
    expect(picks).toEqual(["U0A", "U0B", "U0C", "U0A"]);
    // The last one left the team: start again at the first.
    expect(pickRoundRobin(members, "U0GONE")).toBe("U0A");
    expect(pickRoundRobin([], null)).toBeNull();
  });

  it("fewest open picks the least loaded, ties to the earlier member", () => {
    const members = ["U0A", "U0B", "U0C"];
    expect(
      pickFewestOpen(
        members,
        new Map([
          ["U0A", 3],
          ["U0B", 1],
          ["U0C", 2],
        ]),
      ),
    ).toBe("U0B");
    expect(
      pickFewestOpen(
        members,
        new Map([
          ["U0A", 1],
          ["U0B", 1],
        ]),
      ),
    ).toBe("U0C");
    expect(pickFewestOpen(members, new Map())).toBe("U0A");
    expect(pickFewestOpen([], new Map())).toBeNull();
  });
});
