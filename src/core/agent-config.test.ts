import { describe, expect, it } from "vitest";
import { agentConfigSchema, parseDelay } from "./agent-config.ts";

describe("agentConfigSchema", () => {
  it("accepts a full configuration and fills defaults", () => {
    const c = agentConfigSchema.parse({
      actions: ["assign_team", "set_lifecycle_stage", "update_contact_field", "close_conversation"],
      teams: [{ name: "Sales", channel: "C0SALES", userGroup: "S0SALES", pick: "round_robin" }],
      fields: [
        { name: "budget", type: "number" },
        { name: "plan", type: "enum", values: ["basic", "premium"] },
      ],
      stages: ["New Lead", "Hot Lead"],
      followUps: [
        {
          after: "6h",
          message: "Masih ada yang bisa dibantu?",
          // biome-ignore lint/suspicious/noThenProperty: the prompt file's JSON key
          then: { action: "set_lifecycle_stage", stage: "hot lead" },
        },
      ],
    });
    expect(c.teams[0]!.pick).toBe("round_robin");
    expect(agentConfigSchema.parse({})).toEqual({
      actions: [],
      teams: [],
      fields: [],
      stages: [],
      followUps: [],
    });
  });

  it("refuses what cannot work, naming the problem", () => {
    const problems = (v: unknown) => {
      const r = agentConfigSchema.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(problems({ actions: ["assign_team"] })).toEqual([
      "actions: assign_team needs at least one team in `teams`",
    ]);
    expect(problems({ actions: ["fly"] })[0]).toMatch(/^actions.0/);
    expect(problems({ teams: [{ name: "A", channel: "C0A", pick: "fewest_open" }] })[0]).toContain(
      "need a userGroup or members",
    );
    expect(problems({ fields: [{ name: "email", type: "text" }] })[0]).toContain("standard field");
    expect(problems({ stages: ["Lead", "Lead"] })[0]).toContain("listed twice");
    expect(
      problems({ followUps: Array.from({ length: 6 }, () => ({ after: "1h", message: "x" })) }),
    ).toHaveLength(1);
    expect(problems({ followUps: [{ after: "25h", message: "x" }] })[0]).toContain(
      "at most 24 hours",
    );
    expect(
      problems({
        followUps: [
          JSON.parse(
            '{ "after": "1h", "message": "x", "then": { "action": "set_lifecycle_stage", "stage": "Nope" } }',
          ),
        ],
      })[0],
    ).toContain('unknown stage "Nope"');
    expect(problems({ unknown: 1 })).toHaveLength(1);
  });
});

describe("parseDelay", () => {
  it("reads minutes, hours and days", () => {
    expect(parseDelay("30m")).toBe(30 * 60_000);
    expect(parseDelay("6h")).toBe(6 * 3_600_000);
    expect(parseDelay("1d")).toBe(86_400_000);
    expect(parseDelay("soon")).toBeNull();
    expect(parseDelay("-1h")).toBeNull();
  });
});
