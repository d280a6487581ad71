import { describe, expect, it } from "vitest";
import { NO_ACTIONS } from "../core/agent-config.ts";
import {
  actionsBlock,
  loadBusinessPrompt,
  PROMPT_SECTIONS,
  PromptFileError,
  parseBusinessPrompt,
  renderBusinessPrompt,
  ruleReferences,
} from "./prompt-file.ts";

const valid = PROMPT_SECTIONS.map((s) => `## ${s}\nText of ${s}.`).join("\n\n");

function problems(text: string): string[] {
  try {
    parseBusinessPrompt(text);
  } catch (err) {
    expect(err).toBeInstanceOf(PromptFileError);
    return (err as PromptFileError).problems;
  }
  throw new Error("expected a PromptFileError");
}

const values = {
  "contact.name": "Rina",
  "contact.firstname": "Rina",
  "contact.first_name": "Rina",
  "contact.email": "[email]",
  "contact.company": "[company]",
  "contact.phone": "+62",
  "contact.language": "Indonesian",
  today: "2026-11-25",
};

/** A valid prompt with an Actions block holding `config`, plus `extra` sections. */
const withActions = (config: unknown, extra = "") =>
  `${valid}\n\n${extra}## Actions\n\n\`\`\`json\n${JSON.stringify(config, null, 2)}\n\`\`\`\n`;

const agent = {
  actions: ["assign_team", "set_lifecycle_stage", "update_contact_field"],
  teams: [
    { name: "Sales", channel: "C0SALES" },
    { name: "Key Accounts", channel: "C0KEY" },
  ],
  fields: [{ name: "budget", type: "number" }],
  stages: ["New Lead", "Hot Lead"],
};

describe("business prompt file", () => {
  it("the shipped example is valid, with flow, rules and actions", () => {
    const p = loadBusinessPrompt("prompts/business.example.md");
    expect(p.sections.map((s) => s.name)).toEqual([
      ...PROMPT_SECTIONS,
      "Flow",
      "Action rules",
      "Actions",
    ]);
    expect(p.version).toMatch(/^[0-9a-f]{12}$/);
    expect(p.agent.teams.map((t) => t.name)).toEqual(["Sales", "Support"]);
    expect(p.agent.stages).toEqual(["New Lead", "Hot Lead", "Customer", "Cold Lead"]);
    // Follow-ups are shown in the file's note, not enabled: they would keep jobs pending in tests.
    expect(p.agent.followUps).toEqual([]);
    expect(p.flow.length).toBeGreaterThanOrEqual(3);
    expect(p.actionRules.length).toBeGreaterThanOrEqual(3);
    expect(p.warnings).toEqual([]);
  });

  it("lists every missing or empty section", () => {
    const list = problems("## Identity\nWe sell things.\n\n## Rules\n\n## Behavior\nBe nice.");
    expect(list).toEqual(
      expect.arrayContaining([
        'missing section "## Context"',
        'section "## Rules" is empty',
        'missing section "## Limits"',
      ]),
    );
    expect(list.join()).not.toContain("Behaviour"); // "Behavior" is accepted
  });

  it("refuses more than 10,000 characters", () => {
    expect(problems(`${valid}\n${"x".repeat(10_000)}`)[0]).toMatch(/limit is 10000/);
  });

  it("refuses unknown variables", () => {
    expect(problems(`${valid}\nHello $contact.nmae`)[0]).toContain(
      "unknown variable $contact.nmae",
    );
  });

  it("fills variables per turn and keeps sections without them stable (cacheable)", () => {
    const p = parseBusinessPrompt(valid.replace("Text of Context.", "Talking to $contact.name."));
    const a = renderBusinessPrompt(p, values);
    expect(a.perTurn).toBe("## Context\nTalking to Rina.");
    expect(a.stable).not.toContain("Context");
    expect(a.stable).toContain("## Identity\nText of Identity.");
  });

  it("without optional sections the agent only talks", () => {
    const p = parseBusinessPrompt(valid);
    expect(p.agent).toEqual(NO_ACTIONS);
    expect(p.flow).toEqual([]);
    expect(p.actionRules).toEqual([]);
  });
});

describe("Flow, Action rules and Actions", () => {
  const full = withActions(
    agent,
    "## Flow\n\nSay hello.\n1. Greet $contact.firstname.\n2) Ask for the budget\n   in rupiah.\n- Thank them.\n\n## Action rules\n- A budget of at least 100000: set the stage to Hot Lead and assign to Sales.\n* Save the email in the contact's fields.\n\n",
  );

  it("reads the steps in order, the rules, and the configuration", () => {
    const p = parseBusinessPrompt(full);
    expect(p.flow).toEqual([
      "Greet $contact.firstname.",
      "Ask for the budget in rupiah.",
      "Thank them.",
    ]);
    expect(p.actionRules).toEqual([
      "A budget of at least 100000: set the stage to Hot Lead and assign to Sales.",
      "Save the email in the contact's fields.",
    ]);
    expect(p.agent.teams[0]).toMatchObject({ name: "Sales", pick: "none" });
    expect(p.agent.fields).toEqual([{ name: "budget", type: "number" }]);
    expect(p.warnings).toEqual([
      'section "## Flow": the text before the first step is not sent to the model',
    ]);
  });

  it("sends Flow as ordered steps and Action rules as bullets, never the Actions block", () => {
    const p = parseBusinessPrompt(full);
    const r = renderBusinessPrompt(p, values);
    // Flow uses a variable: per turn. Action rules do not: stable (cached).
    expect(r.perTurn).toContain(
      "## Flow\nSteps, in order:\n1. Greet Rina.\n2. Ask for the budget in rupiah.\n3. Thank them.",
    );
    expect(r.stable).toContain(
      "## Action rules\nThese apply at any point of the conversation:\n- A budget of at least 100000",
    );
    expect(`${r.stable}${r.perTurn}`).not.toContain("## Actions");
    expect(`${r.stable}${r.perTurn}`).not.toContain("C0SALES");
  });

  it("knows $contact.<field> for declared fields and the standard ones", () => {
    const p = parseBusinessPrompt(
      withActions(agent).replace(
        "Text of Context.",
        "Budget $contact.budget, email $contact.email, company $contact.company, $contact.first_name.",
      ),
    );
    expect(p.sections.find((s) => s.name === "Context")!.variable).toBe(true);
    expect(problems(`${valid}\nBudget $contact.budget`)[0]).toContain(
      "unknown variable $contact.budget",
    );
  });

  it("checks the variables of follow-up messages, which are sent to the customer", () => {
    const followUps = [{ after: "6h", message: "Halo $contact.firstname, budget $contact.budgt?" }];
    expect(problems(withActions({ ...agent, followUps }))).toEqual([
      expect.stringMatching(
        /^section Actions: followUps\[0\]\.message: unknown variable \$contact\.budgt /,
      ),
    ]);
  });

  it("names the file line of a JSON syntax error", () => {
    const text = `${valid}\n\n## Actions\n\n\`\`\`json\n{\n  "actions": ["assign_team"],\n  "teams": []\n  "stages": []\n}\n\`\`\`\n`;
    const line = text.split("\n").findIndex((l) => l.includes('"stages"')) + 1;
    const [p] = problems(text);
    expect(p).toMatch(
      new RegExp(`^section "## Actions", line ${line}: invalid JSON: Expected ','`),
    );
  });

  it("reports schema problems with their JSON path", () => {
    const list = problems(
      withActions({
        actions: ["assign_team", "send_invoice"],
        teams: [{ name: "Sales", channel: "sales" }],
        followUps: [{ after: "2d", message: "Hi" }],
      }),
    );
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^section "## Actions": actions\[1\]: /),
        expect.stringMatching(/^section "## Actions": teams\[0\]\.channel: a Slack channel id/),
        expect.stringMatching(/^section "## Actions": followUps\[0\]\.after: a delay like/),
      ]),
    );
  });

  it("wants exactly one json block, closed and marked json", () => {
    expect(problems(`${valid}\n\n## Actions\nassign to Sales\n`)[0]).toMatch(
      /exactly one ```json block .*\(found 0\)/,
    );
    expect(
      problems(`${valid}\n\n## Actions\n\`\`\`json\n{}\n\`\`\`\n\`\`\`json\n{}\n\`\`\`\n`)[0],
    ).toMatch(/found 2/);
    expect(problems(`${valid}\n\n## Actions\n\`\`\`json\n{}\n`)[0]).toMatch(/is not closed/);
    expect(problems(`${valid}\n\n## Actions\n\`\`\`yaml\n{}\n\`\`\`\n`)[0]).toMatch(
      /must be marked ```json/,
    );
    expect(problems(`${valid}\n\n## Actions\n\n## Flow\n1. x\n`)).toContain(
      'section "## Actions" is empty (leave it out if it is not needed)',
    );
  });

  it("refuses a flow without list items and a second Flow section", () => {
    expect(problems(`${valid}\n\n## Flow\nJust chat.\n`)[0]).toMatch(/numbered list item/);
    expect(problems(`${valid}\n\n## Flow\n1. a\n\n## flow\n1. b\n`)).toContain(
      'section "## Flow" appears 2 times; write it once',
    );
  });

  it("refuses rules that name a team, stage, field or action the configuration lacks", () => {
    const list = problems(
      withActions(
        agent,
        "## Action rules\n- Assign the conversation to the Marketing team.\n- Set the stage to Warm Lead.\n- Store it in the field `plan`.\n- Use close_conversation at the end.\n\n",
      ),
    );
    expect(list).toEqual([
      'section "## Action rules", rule 1: names team "Marketing", which is not in teams (Sales, Key Accounts)',
      'section "## Action rules", rule 2: names stage "Warm Lead", which is not in stages (New Lead, Hot Lead)',
      'section "## Action rules", rule 3: names field "plan", which is neither standard nor in fields (name, email, company, budget)',
      'section "## Action rules", rule 4: names close_conversation, which is not enabled in ## Actions',
    ]);
  });

  it("a rule naming a team with no Actions section is a problem", () => {
    expect(problems(`${valid}\n\n## Action rules\n- Demo requests: assign to Sales.\n`)).toEqual([
      'section "## Action rules", rule 1: names team "Sales", which is not in teams (none configured)',
    ]);
  });
});

describe("ruleReferences: simple, and no false alarms on ordinary sentences", () => {
  const config = {
    ...NO_ACTIONS,
    actions: ["assign_team", "set_lifecycle_stage"] as const,
    teams: [{ name: "Key Accounts", channel: "C0KEY", pick: "none" as const }],
    stages: ["Hot Lead", "Customer"],
  };
  const c = { ...config, actions: [...config.actions] };

  it("matches names case-insensitively, quoted, and with trailing capitalised words", () => {
    expect(ruleReferences("assign it to key accounts", c).errors).toEqual([]);
    expect(ruleReferences('Hand it over to team "key accounts".', c).errors).toEqual([]);
    expect(ruleReferences("Assign to Key Accounts Then say thanks.", c).errors).toEqual([]);
    expect(ruleReferences("Set the lifecycle stage to Customer.", c).errors).toEqual([]);
    expect(ruleReferences('stage "hot lead"', c).errors).toEqual([]);
  });

  it("ignores lower-case words after 'to' and stage wording for teams", () => {
    for (const text of [
      "Assign to a person when unsure.",
      "Assign to the right team.",
      "Move the stage to Customer.",
      "Assign the lifecycle stage to Customer.",
      "Transfer the call to whoever is free.",
      "At this stage I would ask for the budget.",
    ])
      expect(ruleReferences(text, c).errors, text).toEqual([]);
  });

  it("warns (never blocks) on wording that asks for an action that is not enabled", () => {
    const r = ruleReferences("When they are done, close the conversation.", c);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      "reads like close_conversation, which is not enabled in ## Actions: the model cannot do it",
    ]);
  });
});

describe("actionsBlock", () => {
  it("returns the fenced block as written, or null", () => {
    const text = withActions({ actions: [] });
    expect(actionsBlock(text)).toBe('```json\n{\n  "actions": []\n}\n```');
    expect(actionsBlock(valid)).toBeNull();
  });
});
