import { createHash } from "node:crypto";
import { z } from "zod";
import type {
  ActionRequest,
  AgentActionName,
  AgentConfig,
  ContactFieldSpec,
  Team,
} from "./agent-config.ts";
import { STANDARD_CONTACT_FIELDS } from "./agent-config.ts";

/**
 * The agent's actions as model tools (Anthropic `tools`), and the checks every tool call passes
 * before anything is queued. Pure: the responder offers {@link buildAgentTools}, runs each
 * `tool_use` block through {@link checkToolCall}, and queues the accepted ones as `agent.action`
 * jobs keyed by {@link actionKey}.
 */

/** A tool as sent on the wire (`tools[]`). */
export interface AgentTool {
  name: AgentActionName;
  description: string;
  input_schema: {
    type: "object";
    properties: Record<string, Record<string, unknown>>;
    required: string[];
    additionalProperties: false;
  };
}

/** One `tool_use` block the model answered with. */
export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** Whether a tool call may be applied, and if so as which canonical request. */
export type ToolVerdict = { ok: true; request: ActionRequest } | { ok: false; reason: string };

/** The most a free-text value (summary, text field) may hold. */
export const MAX_SUMMARY_CHARS = 1500;
export const MAX_FIELD_CHARS = 200;

const BASE_DESCRIPTIONS: Record<AgentActionName, string> = {
  assign_team:
    "Assign this conversation to one of the business's teams; a person of that team takes over in Slack. Use it when the customer's need belongs to that team.",
  close_conversation:
    "Close the conversation when the customer's matter is fully settled. Give a short summary of what was asked and what was agreed.",
  update_contact_field:
    "Record a fact the customer told you about themselves (name, email, company or a declared field). Only values the customer gave explicitly.",
  set_lifecycle_stage:
    "Set the customer's lifecycle stage when the conversation shows it has changed.",
};

/** Every field the model may fill: the standard ones, then the declared ones. */
export function fieldSpecs(config: AgentConfig): ContactFieldSpec[] {
  return [
    { name: "name", type: "text" },
    { name: "email", type: "email" },
    { name: "company", type: "text" },
    ...config.fields.filter(
      (f) => !(STANDARD_CONTACT_FIELDS as readonly string[]).includes(f.name),
    ),
  ];
}

/**
 * The tools for the enabled actions only, each with the rules that mention it (by its name, or
 * by its words: "assign team", "lifecycle stage", ...) appended to its description. Values are
 * constrained by the schema (team names, stages and field names are enums) and checked again by
 * {@link checkToolCall}, which is what counts: a schema is advice to the model, not a guarantee.
 */
export function buildAgentTools(config: AgentConfig, rules: readonly string[] = []): AgentTool[] {
  const enabled = new Set(config.actions);
  const tools: AgentTool[] = [];
  const describe = (name: AgentActionName, extra = "") => {
    const words = name.split("_");
    const mine = rules.filter((r) => {
      const text = r.toLowerCase();
      return text.includes(name) || words.every((w) => text.includes(w));
    });
    return [BASE_DESCRIPTIONS[name], extra, ...mine.map((r) => `Rule: ${r}`)]
      .filter(Boolean)
      .join("\n");
  };
  const schema = (
    properties: Record<string, Record<string, unknown>>,
  ): AgentTool["input_schema"] => ({
    type: "object",
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });
  if (enabled.has("assign_team") && config.teams.length > 0) {
    tools.push({
      name: "assign_team",
      description: describe("assign_team", `Teams: ${config.teams.map((t) => t.name).join(", ")}.`),
      input_schema: schema({ team: { type: "string", enum: config.teams.map((t) => t.name) } }),
    });
  }
  if (enabled.has("close_conversation")) {
    tools.push({
      name: "close_conversation",
      description: describe("close_conversation"),
      input_schema: schema({
        summary: { type: "string", description: "One to three sentences, in English." },
      }),
    });
  }
  if (enabled.has("update_contact_field")) {
    const specs = fieldSpecs(config);
    const types = specs
      .map((f) => `${f.name} (${f.type === "enum" ? `one of ${f.values.join(", ")}` : f.type})`)
      .join("; ");
    tools.push({
      name: "update_contact_field",
      description: describe(
        "update_contact_field",
        `Fields: ${types}. Dates as YYYY-MM-DD, numbers as digits.`,
      ),
      input_schema: schema({
        field: { type: "string", enum: specs.map((f) => f.name) },
        value: { type: "string" },
      }),
    });
  }
  if (enabled.has("set_lifecycle_stage") && config.stages.length > 0) {
    tools.push({
      name: "set_lifecycle_stage",
      description: describe("set_lifecycle_stage", `Stages: ${config.stages.join(", ")}.`),
      input_schema: schema({ stage: { type: "string", enum: [...config.stages] } }),
    });
  }
  return tools;
}

const inputs = {
  assign_team: z.object({ team: z.string() }).strict(),
  close_conversation: z.object({ summary: z.string() }).strict(),
  update_contact_field: z.object({ field: z.string(), value: z.union([z.string(), z.number()]) }),
  set_lifecycle_stage: z.object({ stage: z.string() }).strict(),
} as const;

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The team a name means (case-insensitive), if any. */
export function findTeam(config: AgentConfig, name: string): Team | undefined {
  return config.teams.find((t) => same(t.name, name));
}

/**
 * Checks a value against a field's declared type and returns it normalised (trimmed, canonical
 * enum spelling, a plain number, an ISO date), or why it is refused, in words the model can act
 * on.
 */
export function checkFieldValue(
  spec: ContactFieldSpec,
  raw: string | number,
): { ok: true; value: string } | { ok: false; reason: string } {
  const value = String(raw).trim();
  if (value === "") return { ok: false, reason: `${spec.name}: the value is empty` };
  switch (spec.type) {
    case "text":
      return value.length > MAX_FIELD_CHARS
        ? { ok: false, reason: `${spec.name}: at most ${MAX_FIELD_CHARS} characters` }
        : { ok: true, value };
    case "email": {
      const r = z.email().safeParse(value);
      return r.success
        ? { ok: true, value: value.toLowerCase() }
        : { ok: false, reason: `${spec.name}: "${value.slice(0, 80)}" is not an email address` };
    }
    case "number": {
      const n = Number(value.replace(/[\s,_]/g, ""));
      return /^[-+]?[\d\s,_]*\.?\d+$/.test(value) && Number.isFinite(n)
        ? { ok: true, value: String(n) }
        : { ok: false, reason: `${spec.name}: "${value.slice(0, 80)}" is not a number` };
    }
    case "date": {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
      return d && d.toISOString().slice(0, 10) === value
        ? { ok: true, value }
        : {
            ok: false,
            reason: `${spec.name}: "${value.slice(0, 80)}" is not a date as YYYY-MM-DD`,
          };
    }
    case "enum": {
      const found = spec.values.find((v) => same(v, value));
      return found
        ? { ok: true, value: found }
        : { ok: false, reason: `${spec.name}: must be one of ${spec.values.join(", ")}` };
    }
  }
}

/**
 * Whether a tool call may run: the action is enabled, its input has the expected shape, and its
 * values are known (team, stage, field) and valid for their type. The request carries the
 * canonical spelling from the configuration.
 */
export function checkToolCall(
  config: AgentConfig,
  call: Pick<ToolCall, "name" | "input">,
): ToolVerdict {
  const name = call.name as AgentActionName;
  if (!(name in inputs)) return { ok: false, reason: `unknown tool "${call.name}"` };
  if (!config.actions.includes(name))
    return { ok: false, reason: `the action ${name} is not enabled for this business` };
  const parsed = inputs[name].safeParse(call.input);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid input: ${first ? `${first.path.join(".") || "input"}: ${first.message}` : "wrong shape"}`,
    };
  }
  switch (name) {
    case "assign_team": {
      const { team } = parsed.data as { team: string };
      const found = findTeam(config, team);
      return found
        ? { ok: true, request: { action: name, team: found.name } }
        : {
            ok: false,
            reason: `unknown team "${team.slice(0, 40)}"; teams: ${config.teams.map((t) => t.name).join(", ")}`,
          };
    }
    case "close_conversation": {
      const summary = (parsed.data as { summary: string }).summary.trim();
      if (summary === "") return { ok: false, reason: "summary: give a short summary" };
      return {
        ok: true,
        request: { action: name, summary: summary.slice(0, MAX_SUMMARY_CHARS) },
      };
    }
    case "update_contact_field": {
      const { field, value } = parsed.data as { field: string; value: string | number };
      const spec = fieldSpecs(config).find((f) => f.name === field.trim().toLowerCase());
      if (!spec)
        return {
          ok: false,
          reason: `unknown field "${field.slice(0, 40)}"; fields: ${fieldSpecs(config)
            .map((f) => f.name)
            .join(", ")}`,
        };
      const checked = checkFieldValue(spec, value);
      return checked.ok
        ? { ok: true, request: { action: name, field: spec.name, value: checked.value } }
        : { ok: false, reason: checked.reason };
    }
    case "set_lifecycle_stage": {
      const { stage } = parsed.data as { stage: string };
      const found = config.stages.find((s) => same(s, stage));
      return found
        ? { ok: true, request: { action: name, stage: found } }
        : {
            ok: false,
            reason: `unknown stage "${stage.slice(0, 40)}"; stages: ${config.stages.join(", ")}`,
          };
    }
  }
}

/**
 * The idempotency key of one request: the conversation, the message that caused it and the
 * canonical request. A retried turn (or a second tier asking for the same thing) gets the same
 * key, so the job is queued once and the action recorded once.
 */
export function actionKey(
  conversationId: number,
  causeMessageId: number | null,
  request: ActionRequest | { action: string; [k: string]: unknown },
): string {
  const canonical = JSON.stringify(
    Object.keys(request)
      .sort()
      .map((k) => [k, (request as Record<string, unknown>)[k]]),
  );
  const hash = createHash("sha256").update(canonical).digest("hex").slice(0, 16);
  return `agent:${conversationId}:${causeMessageId ?? "-"}:${request.action}:${hash}`;
}

/** Round robin: the member after the one picked last (the first when there was none). */
export function pickRoundRobin(members: readonly string[], last: string | null): string | null {
  if (members.length === 0) return null;
  const i = last === null ? -1 : members.indexOf(last);
  return members[(i + 1) % members.length]!;
}

/** Fewest open: the member with the fewest open conversations; ties go to the earlier one. */
export function pickFewestOpen(
  members: readonly string[],
  open: ReadonlyMap<string, number>,
): string | null {
  let best: string | null = null;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const m of members) {
    const n = open.get(m) ?? 0;
    if (n < bestCount) {
      best = m;
      bestCount = n;
    }
  }
  return best;
}
