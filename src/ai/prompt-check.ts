import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ConfigError, loadAiConfig, loadEnvFile } from "../config.ts";
import { AGENT_ACTIONS, type AgentActionName } from "../core/agent-config.ts";
import {
  type BusinessPrompt,
  knownVariables,
  PROMPT_MAX_CHARS,
  PromptFileError,
  parseBusinessPrompt,
} from "./prompt-file.ts";

const USAGE = "usage: npm run prompt:check [-- FILE]   (default: AI_PROMPT_FILE)";

/** What each action lets the agent do, for the report. */
const ACTION_TEXT: Record<AgentActionName, string> = {
  assign_team: "assign the conversation to a team",
  close_conversation: "close the conversation with a summary",
  update_contact_field: "update a contact field",
  set_lifecycle_stage: "set the contact's lifecycle stage",
};

/** `text` cut to `max` characters on one line, for previews. */
function preview(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The report of a valid prompt: what the agent can and cannot do (actions, teams, fields,
 * stages, follow-ups), how much flow and how many rules it follows, and the warnings.
 */
export function describePrompt(prompt: BusinessPrompt, chars: number): string[] {
  const a = prompt.agent;
  const lines = [
    `${prompt.path}: valid (${chars.toLocaleString("en")} of ${PROMPT_MAX_CHARS.toLocaleString("en")} characters, version ${prompt.version})`,
  ];
  const enabled = AGENT_ACTIONS.filter((x) => a.actions.includes(x));
  const disabled = AGENT_ACTIONS.filter((x) => !a.actions.includes(x));
  lines.push(
    enabled.length
      ? `Can: ${enabled.map((x) => `${ACTION_TEXT[x]} (${x})`).join("; ")}; and talk.`
      : "Can: only talk (no ## Actions section, or no action enabled).",
  );
  if (disabled.length)
    lines.push(`Cannot: ${disabled.map((x) => `${ACTION_TEXT[x]} (${x})`).join("; ")}.`);
  lines.push(
    `Teams: ${
      a.teams.length
        ? a.teams
            .map((t) => {
              const who = t.userGroup ?? (t.members?.length ? `${t.members.length} members` : "");
              return `${t.name} → ${t.channel}${t.pick === "none" ? "" : ` (${t.pick} over ${who})`}`;
            })
            .join(", ")
        : "none"
    }`,
  );
  lines.push(
    `Contact fields: name, email, company (standard)${
      a.fields.length
        ? `; ${a.fields.map((f) => `${f.name} (${f.type === "enum" ? `one of ${f.values.join("|")}` : f.type})`).join(", ")}`
        : ""
    }`,
  );
  lines.push(`Lifecycle stages: ${a.stages.length ? a.stages.join(", ") : "none"}`);
  if (a.followUps.length === 0) lines.push("Follow-ups: none");
  else {
    lines.push(`Follow-ups: ${a.followUps.length}`);
    a.followUps.forEach((f, i) => {
      const then = f.then
        ? `, then ${f.then.action === "set_lifecycle_stage" ? `set stage ${f.then.stage}` : "close the conversation"}`
        : "";
      lines.push(`  ${i + 1}. after ${f.after}: "${preview(f.message)}"${then}`);
    });
  }
  lines.push(`Flow: ${prompt.flow.length ? `${prompt.flow.length} steps` : "none"}`);
  lines.push(`Action rules: ${prompt.actionRules.length || "none"}`);
  lines.push(
    `Variables: ${knownVariables(a)
      .map((v) => `$${v}`)
      .join(", ")}`,
  );
  if (prompt.warnings.length === 0) lines.push("Warnings: none");
  else {
    lines.push(`Warnings: ${prompt.warnings.length}`);
    for (const w of prompt.warnings) lines.push(`  - ${w}`);
  }
  return lines;
}

/**
 * `npm run prompt:check [FILE]`: validates the prompt file with the same parser the service uses
 * at start. Prints every problem and returns 1, or the report ({@link describePrompt}) and 0;
 * 2 for a usage error.
 */
export function runPromptCheck(
  args: string[],
  defaultPath: () => string,
  out: (line: string) => void = console.log,
): number {
  const files = args.filter((a) => a !== "--");
  if (files.length > 1 || files.some((f) => f.startsWith("-"))) {
    out(USAGE);
    return 2;
  }
  const path = files[0] ?? defaultPath();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    out(`${path}: cannot be read: ${(err as Error).message}`);
    return 1;
  }
  try {
    const prompt = parseBusinessPrompt(text, path);
    for (const line of describePrompt(prompt, text.length)) out(line);
    return 0;
  } catch (err) {
    if (!(err instanceof PromptFileError)) throw err;
    out(
      `${path}: ${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}; the service does not start with this file:`,
    );
    for (const p of err.problems) out(`  - ${p}`);
    if (err.warnings.length) {
      out(`Warnings: ${err.warnings.length}`);
      for (const w of err.warnings) out(`  - ${w}`);
    }
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = runPromptCheck(
      process.argv.slice(2),
      () => loadAiConfig(loadEnvFile()).ai.promptFile,
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exitCode = 2;
  }
}
