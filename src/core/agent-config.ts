import { z } from "zod";

/**
 * The business's agent configuration: what the AI may *do* besides talking (actions), the teams
 * it may hand to, the contact fields it may fill, the lifecycle stages, and the follow-ups. It is
 * written in the prompt file's `## Actions` section as one fenced JSON block (so it validates
 * exactly, with line-precise errors, and needs no new file format); the `## Flow` and
 * `## Action rules` sections are prose for the model. See prompts/business.example.md.
 */

/** Every action the model can be given as a tool. Only those listed in `actions` are offered. */
export const AGENT_ACTIONS = [
  "assign_team",
  "close_conversation",
  "update_contact_field",
  "set_lifecycle_stage",
] as const;
export type AgentActionName = (typeof AGENT_ACTIONS)[number];

/** How a person is picked inside a team when a conversation is assigned to it. */
export const TEAM_PICKS = ["none", "round_robin", "fewest_open"] as const;
export type TeamPick = (typeof TEAM_PICKS)[number];

/** The standard contact fields; custom ones are declared in `fields`. */
export const STANDARD_CONTACT_FIELDS = ["name", "email", "company"] as const;

export const MAX_FOLLOW_UPS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

const name = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N} _.-]+$/u, "letters, digits, spaces, _ . - only");

const slackChannelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, "a Slack channel id like C0123ABC");
const slackUserGroupId = z.string().regex(/^S[A-Z0-9]{2,}$/, "a Slack user group id like S0123ABC");
const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack user id like U0123ABC");

export const teamSchema = z
  .object({
    name,
    channel: slackChannelId,
    /** Who belongs to the team, read from Slack at run time... */
    userGroup: slackUserGroupId.optional(),
    /** ...or listed here (used when there is no user group). */
    members: z.array(slackUserId).max(100).optional(),
    pick: z.enum(TEAM_PICKS).default("none"),
  })
  .strict()
  .refine((t) => t.pick === "none" || t.userGroup !== undefined || (t.members?.length ?? 0) > 0, {
    message: "round_robin and fewest_open need a userGroup or members to pick from",
  });
export type Team = z.infer<typeof teamSchema>;

/** A custom contact field and the type its values are checked against. */
export const fieldSchema = z.discriminatedUnion("type", [
  z.object({ name: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/), type: z.literal("text") }).strict(),
  z
    .object({ name: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/), type: z.literal("number") })
    .strict(),
  z.object({ name: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/), type: z.literal("email") }).strict(),
  z.object({ name: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/), type: z.literal("date") }).strict(),
  z
    .object({
      name: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/),
      type: z.literal("enum"),
      values: z.array(z.string().trim().min(1).max(40)).min(1).max(20),
    })
    .strict(),
]);
export type ContactFieldSpec = z.infer<typeof fieldSchema>;

/** "30m", "6h", "1d": a follow-up's delay. */
export function parseDelay(text: string): number | null {
  const m = /^\s*(\d{1,4})\s*(m|min|h|d)\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  return n * (unit === "d" ? DAY_MS : unit === "h" ? 3_600_000 : 60_000);
}

export const followUpSchema = z
  .object({
    /** After the previous message (the customer's last one, or the previous follow-up). */
    after: z.string().refine((s) => {
      const ms = parseDelay(s);
      return ms !== null && ms > 0 && ms <= DAY_MS;
    }, "a delay like 30m, 6h or 1d, more than 0 and at most 24 hours"),
    message: z.string().trim().min(1).max(1000),
    /** What happens after this follow-up is sent (or would have been, outside the window). */
    // biome-ignore lint/suspicious/noThenProperty: the prompt file's JSON key; parsed data, never awaited
    then: z
      .discriminatedUnion("action", [
        z.object({ action: z.literal("close_conversation") }).strict(),
        z.object({ action: z.literal("set_lifecycle_stage"), stage: name }).strict(),
      ])
      .optional(),
  })
  .strict();
export type FollowUp = z.infer<typeof followUpSchema>;

export const agentConfigSchema = z
  .object({
    actions: z.array(z.enum(AGENT_ACTIONS)).default([]),
    teams: z.array(teamSchema).max(20).default([]),
    fields: z.array(fieldSchema).max(30).default([]),
    stages: z.array(name).max(20).default([]),
    followUps: z.array(followUpSchema).max(MAX_FOLLOW_UPS).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const problem = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path, message });
    const dup = (list: string[]) => list.find((v, i) => list.indexOf(v) !== i);
    const teamNames = c.teams.map((t) => t.name.toLowerCase());
    if (dup(teamNames)) problem(["teams"], `team "${dup(teamNames)}" is listed twice`);
    const fieldNames = c.fields.map((f) => f.name);
    if (dup(fieldNames)) problem(["fields"], `field "${dup(fieldNames)}" is declared twice`);
    for (const f of fieldNames)
      if ((STANDARD_CONTACT_FIELDS as readonly string[]).includes(f))
        problem(["fields"], `"${f}" is a standard field; do not declare it`);
    const stageNames = c.stages.map((s) => s.toLowerCase());
    if (dup(stageNames)) problem(["stages"], `stage "${dup(stageNames)}" is listed twice`);
    if (c.actions.includes("assign_team") && c.teams.length === 0)
      problem(["actions"], "assign_team needs at least one team in `teams`");
    if (c.actions.includes("set_lifecycle_stage") && c.stages.length === 0)
      problem(["actions"], "set_lifecycle_stage needs the stages in `stages`");
    c.followUps.forEach((f, i) => {
      if (
        f.then?.action === "set_lifecycle_stage" &&
        !stageNames.includes(f.then.stage.toLowerCase())
      )
        problem(["followUps", i, "then", "stage"], `unknown stage "${f.then.stage}"`);
    });
  });
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** The configuration of a prompt without an `## Actions` section: the agent can only talk. */
export const NO_ACTIONS: AgentConfig = {
  actions: [],
  teams: [],
  fields: [],
  stages: [],
  followUps: [],
};

/**
 * One action the agent asked for (a model tool call, or a follow-up's final action), as a durable
 * job's payload (`agent.action`). `idempotencyKey` makes a retried turn or job apply it once.
 */
export type ActionRequest =
  | { action: "assign_team"; team: string }
  | { action: "close_conversation"; summary: string }
  | { action: "update_contact_field"; field: string; value: string }
  | { action: "set_lifecycle_stage"; stage: string };

/** The job kind that applies an {@link ActionRequest}. */
export const AGENT_ACTION_JOB = "agent.action";

export interface AgentActionJobPayload {
  conversationId: number;
  /** The customer message whose turn asked for it; null for a follow-up's final action. */
  causeMessageId: number | null;
  /** Where it came from, shown in Slack. */
  source: "model" | "follow_up";
  request: ActionRequest;
}
