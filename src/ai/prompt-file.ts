import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  AGENT_ACTIONS,
  type AgentActionName,
  type AgentConfig,
  agentConfigSchema,
  NO_ACTIONS,
  STANDARD_CONTACT_FIELDS,
} from "../core/agent-config.ts";

/** The sections every business prompt file has, as `## Name` headings, in any order. */
export const PROMPT_SECTIONS = [
  "Identity",
  "Context",
  "Knowledge",
  "Behaviour",
  "Rules",
  "Examples",
  "Limits",
] as const;

/**
 * Optional sections: `Flow` (steps in order) and `Action rules` (rules that may fire at any
 * time) are prose for the model; `Actions` holds one ```json block, the agent configuration
 * (src/core/agent-config.ts), which becomes the model's tools and is never sent as prose.
 */
export const OPTIONAL_SECTIONS = ["Flow", "Action rules", "Actions"] as const;

export const PROMPT_MAX_CHARS = 10_000;

/**
 * Variables every prompt may use; filled on every turn from the contact's fields (the
 * `contact_fields` table), the WhatsApp profile name and the clock. `$contact.<field>` is also
 * known for every custom field declared in `## Actions`. `$contact.first_name` is the older
 * spelling of `$contact.firstname`.
 */
export const PROMPT_VARIABLES = [
  "contact.name",
  "contact.firstname",
  "contact.first_name",
  "contact.email",
  "contact.company",
  "contact.phone",
  "contact.language",
  "today",
] as const;
export type PromptVariable = (typeof PROMPT_VARIABLES)[number];

/** Variable → value, for the fixed variables and any `contact.<custom field>`. */
export type PromptValues = Readonly<Record<string, string>>;

// After the dot a letter, then letters, digits or _: custom field names like `budget_2026`;
// "$today." at the end of a sentence keeps its full stop.
const VARIABLE_RE = /\$([a-z_]+(?:\.[a-z][a-z0-9_]*)?)/g;

export interface PromptSection {
  name: string;
  body: string;
  /** Uses `$variables`: rendered per turn, after the cached prefix. */
  variable: boolean;
  /** 1-based line of the `##` heading in the file. */
  line: number;
}

/** A validated business prompt. */
export interface BusinessPrompt {
  path: string;
  sections: PromptSection[];
  /** Short hash of the file: part of the answer-cache key. */
  version: string;
  /** The `## Actions` configuration; {@link NO_ACTIONS} without that section. */
  agent: AgentConfig;
  /** The `## Flow` steps, in order (empty without that section). */
  flow: string[];
  /** The `## Action rules`, one per bullet (empty without that section). */
  actionRules: string[];
  /** Doubtful but not blocking (printed by `npm run prompt:check`, not at start). */
  warnings: string[];
}

export class PromptFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
    readonly warnings: string[] = [],
  ) {
    // One paragraph for the start (main.ts prints it as it is): what, every problem, what next.
    super(
      `the business prompt ${path} (AI_PROMPT_FILE) is invalid, so the service does not start:\n${problems.map((p) => `  - ${p}`).join("\n")}\nFix the file, then check it with: npm run prompt:check ${path}`,
    );
    this.name = "PromptFileError";
  }
}

/** The canonical name of a known section (`behavior`, `action Rules` …), or the name as written. */
function canonicalName(raw: string): string {
  if (/^behavior$/i.test(raw)) return "Behaviour";
  const known = [...PROMPT_SECTIONS, ...OPTIONAL_SECTIONS].find(
    (s) => s.toLowerCase() === raw.toLowerCase(),
  );
  return known ?? raw;
}

/** Every variable a prompt with this configuration may use. */
export function knownVariables(agent: Pick<AgentConfig, "fields">): string[] {
  return [...PROMPT_VARIABLES, ...agent.fields.map((f) => `contact.${f.name}`)];
}

/**
 * Parses and validates a business prompt: at most 10,000 characters, every section of
 * PROMPT_SECTIONS present and not empty (`Behavior` is accepted for `Behaviour`), the optional
 * `Flow`, `Action rules` and `Actions` sections well formed, only known `$variables`, and the
 * flow and rules naming only enabled actions and configured teams, stages and fields (see
 * {@link ruleReferences}). Throws a PromptFileError listing every problem.
 */
export function parseBusinessPrompt(text: string, path = "(prompt)"): BusinessPrompt {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (text.length > PROMPT_MAX_CHARS) {
    problems.push(`is ${text.length} characters long; the limit is ${PROMPT_MAX_CHARS}`);
  }
  const sections: PromptSection[] = [];
  /** Raw body lines of each section (before trimming), for the Actions block's line numbers. */
  const raw = new Map<PromptSection, string[]>();
  let current: PromptSection | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    const heading = /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      current = { name: canonicalName(heading[1]!.trim()), body: "", variable: false, line: i + 1 };
      sections.push(current);
      raw.set(current, []);
    } else if (current) {
      raw.get(current)!.push(line);
    }
  });
  for (const s of sections) s.body = raw.get(s)!.join("\n").trim();

  for (const name of PROMPT_SECTIONS) {
    const found = sections.find((s) => s.name === name);
    if (!found) problems.push(`missing section "## ${name}"`);
    else if (found.body === "") problems.push(`section "## ${name}" is empty`);
  }
  for (const name of OPTIONAL_SECTIONS) {
    const found = sections.filter((s) => s.name === name);
    if (found.length > 1)
      problems.push(`section "## ${name}" appears ${found.length} times; write it once`);
    if (found[0]?.body === "")
      problems.push(`section "## ${name}" is empty (leave it out if it is not needed)`);
  }

  // ## Actions: one ```json block → agentConfigSchema.
  const actionsSection = sections.find((s) => s.name === "Actions");
  let agent: AgentConfig = NO_ACTIONS;
  let agentValid = true;
  let declaredFields: string[] = [];
  if (actionsSection && actionsSection.body !== "") {
    const parsed = parseActionsBlock(raw.get(actionsSection)!, actionsSection.line + 1);
    problems.push(...parsed.problems);
    warnings.push(...parsed.warnings);
    agentValid = parsed.config !== null;
    if (parsed.config) agent = parsed.config;
    declaredFields = parsed.config
      ? parsed.config.fields.map((f) => f.name)
      : looseFieldNames(parsed.json);
  }

  // ## Flow and ## Action rules: list items.
  const flowSection = sections.find((s) => s.name === "Flow");
  const rulesSection = sections.find((s) => s.name === "Action rules");
  const flow = flowSection ? listItems(flowSection, "step", problems, warnings) : [];
  const actionRules = rulesSection ? listItems(rulesSection, "rule", problems, warnings) : [];

  // Variables: every prose section, and the follow-up messages (sent to the customer).
  const known = [...PROMPT_VARIABLES, ...declaredFields.map((f) => `contact.${f}`)];
  const unknownVariables = (where: string, body: string) => {
    let used = false;
    for (const m of body.matchAll(VARIABLE_RE)) {
      if (known.includes(m[1]!)) used = true;
      // With an invalid Actions block the custom fields are not known yet: one problem at a time.
      else if (agentValid || !m[1]!.startsWith("contact."))
        problems.push(
          `${where}: unknown variable $${m[1]} (known: ${known.map((v) => `$${v}`).join(", ")})`,
        );
    }
    return used;
  };
  for (const s of sections) {
    if (s.name === "Actions") continue;
    s.variable = unknownVariables(`section ${s.name}`, s.body);
  }
  agent.followUps.forEach((f, i) => {
    unknownVariables(`section Actions: followUps[${i}].message`, f.message);
  });

  // Cross-checks of the prose against the configuration (only once the configuration is valid).
  if (agentValid) {
    const check = (label: string, items: string[]) =>
      items.forEach((item, i) => {
        const r = ruleReferences(item, agent);
        for (const e of r.errors)
          problems.push(
            `section "## ${label}", ${label === "Flow" ? "step" : "rule"} ${i + 1}: ${e}`,
          );
        for (const w of r.warnings)
          warnings.push(
            `section "## ${label}", ${label === "Flow" ? "step" : "rule"} ${i + 1}: ${w}`,
          );
      });
    check("Flow", flow);
    check("Action rules", actionRules);
    if (agent.actions.length > 0 && actionRules.length === 0 && flow.length === 0)
      warnings.push(
        "actions are enabled but there is no ## Flow or ## Action rules section: the model decides when to use them from the tool descriptions alone",
      );
  }

  if (problems.length > 0) throw new PromptFileError(path, problems, warnings);
  return {
    path,
    sections,
    version: createHash("sha256").update(text).digest("hex").slice(0, 12),
    agent,
    flow,
    actionRules,
    warnings,
  };
}

/** Reads and validates the prompt file (done once at start). */
export function loadBusinessPrompt(path: string): BusinessPrompt {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PromptFileError(path, [`cannot be read: ${(err as Error).message}`]);
  }
  return parseBusinessPrompt(text, path);
}

/** The fenced block of the `## Actions` section, as written (fences included); null if none. */
export function actionsBlock(text: string): string | null {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+actions\s*#*\s*$/i.test(l));
  if (start < 0) return null;
  let end = lines.findIndex((l, i) => i > start && /^##\s/.test(l));
  if (end < 0) end = lines.length;
  const body = lines.slice(start + 1, end);
  const open = body.findIndex((l) => /^\s*```/.test(l));
  if (open < 0) return null;
  const close = body.findIndex((l, i) => i > open && /^\s*```\s*$/.test(l));
  return body.slice(open, close < 0 ? body.length : close + 1).join("\n");
}

interface ActionsParse {
  config: AgentConfig | null;
  /** The parsed JSON even when the schema refused it (for the declared field names). */
  json: unknown;
  problems: string[];
  warnings: string[];
}

/**
 * Reads the `## Actions` section: exactly one ```json fenced block, parsed and validated with
 * agentConfigSchema. `firstLine` is the file line of the section's first body line, so JSON
 * syntax errors name the line in the file.
 */
function parseActionsBlock(lines: string[], firstLine: number): ActionsParse {
  const where = 'section "## Actions"';
  const out: ActionsParse = { config: null, json: undefined, problems: [], warnings: [] };
  const blocks: { open: number; close: number; lang: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```\s*([\w-]*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const close = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    if (close < 0) {
      out.problems.push(`${where}: the \`\`\` block opened on line ${firstLine + i} is not closed`);
      return out;
    }
    blocks.push({ open: i, close, lang: fence[1]!.toLowerCase() });
    i = close;
  }
  if (blocks.length !== 1) {
    out.problems.push(
      `${where}: must hold exactly one \`\`\`json block with the configuration (found ${blocks.length}); see prompts/business.example.md`,
    );
    return out;
  }
  const block = blocks[0]!;
  if (block.lang !== "json")
    out.problems.push(
      `${where}: the block on line ${firstLine + block.open} must be marked \`\`\`json`,
    );
  const outside = lines
    .filter((_, i) => i < block.open || i > block.close)
    .join("")
    .trim();
  if (outside !== "")
    out.warnings.push(
      `${where}: text outside the json block is not sent to the model; put instructions in ## Action rules`,
    );
  const jsonText = lines.slice(block.open + 1, block.close).join("\n");
  const jsonLine = firstLine + block.open + 1;
  try {
    out.json = JSON.parse(jsonText);
  } catch (err) {
    const message = (err as Error).message;
    const at = jsonErrorOffset(jsonText, message);
    const line = jsonLine + (jsonText.slice(0, at).match(/\n/g)?.length ?? 0);
    // V8 words it "… in JSON at position 45 (line 3 column 5)" or `Unexpected token 'x', "…" is
    // not valid JSON`: the file's line is what helps.
    const what = message
      .replace(/\s*in JSON at position \d+.*$/, "")
      .replace(/, ".*" is not valid JSON$/s, "");
    out.problems.push(`${where}, line ${line}: invalid JSON: ${what}`);
    return out;
  }
  const parsed = agentConfigSchema.safeParse(out.json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      out.problems.push(`${where}: ${jsonPath(issue.path)}: ${issue.message}`);
    return out;
  }
  out.config = parsed.data;
  return out;
}

/** Errors JSON.parse gives for a text that is fine so far but cut short. */
const CUT_SHORT =
  /end of JSON input|Unterminated|No number after|Exponent part|fractional|Bad (?:Unicode )?escape/;

/**
 * Where in `json` the syntax error is: the position V8 names, or else (its `Unexpected token`
 * wording has none) the shortest prefix that fails for another reason than being cut short.
 */
function jsonErrorOffset(json: string, message: string): number {
  const pos = /at position (\d+)/.exec(message);
  if (pos) return Number(pos[1]);
  const broken = (k: number) => {
    try {
      JSON.parse(json.slice(0, k));
      return false;
    } catch (err) {
      return !CUT_SHORT.test((err as Error).message);
    }
  };
  let lo = 0;
  let hi = json.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (broken(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

/** `["teams", 0, "channel"]` → `teams[0].channel`; the root is `(configuration)`. */
function jsonPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(configuration)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
    .join("");
}

/** Field names from a configuration the schema refused, so their variables are not flagged. */
function looseFieldNames(json: unknown): string[] {
  const fields = (json as { fields?: unknown } | null)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields
    .map((f) => (f as { name?: unknown } | null)?.name)
    .filter((n): n is string => typeof n === "string");
}

/**
 * The items of a `## Flow` or `## Action rules` section: lines starting with `1.`, `1)`, `-`,
 * `*` or `•` start an item; other lines continue the previous one. Text before the first item
 * is not sent (a warning); a section without items is a problem.
 */
function listItems(
  section: PromptSection,
  kind: "step" | "rule",
  problems: string[],
  warnings: string[],
): string[] {
  const items: string[] = [];
  let stray = false;
  for (const line of section.body.split("\n")) {
    const item = /^\s*(?:\d{1,3}[.)]|[-*•])\s+(.*)$/.exec(line);
    if (item) items.push(item[1]!.trim());
    else if (line.trim() === "") continue;
    else if (items.length > 0) items[items.length - 1] += ` ${line.trim()}`;
    else stray = true;
  }
  if (section.body !== "" && items.length === 0)
    problems.push(
      `section "## ${section.name}": write each ${kind} as a ${kind === "step" ? "numbered" : "bulleted"} list item ("${kind === "step" ? "1. " : "- "}…")`,
    );
  else if (stray)
    warnings.push(
      `section "## ${section.name}": the text before the first ${kind} is not sent to the model`,
    );
  return items;
}

// --- Cross-checks of the flow and rules against the configuration -------------------------------

/**
 * A capitalised name of one or more words ("Sales", "Hot Lead"; at least two letters, so "at this
 * stage I …" names nothing), or a quoted one.
 */
const NAME = String.raw`(?:["“']([^"”']{1,40})["”']|(\p{Lu}[\p{L}\p{N}_-]+(?: \p{Lu}[\p{L}\p{N}_-]*)*))`;
const TEAM_PATTERNS = [
  // "assign (the conversation) to (the) (team) Sales", "hand it over to Support", "transfer to Sales"
  // (not across "stage": "assign the stage to Customer" names a stage, not a team)
  new RegExp(
    String.raw`\b(?:[Aa]ssign\w*|[Tt]ransfer\w*|[Hh]and(?: it| them)? over)\b(?:(?!stage)[^.;:!?])*?\bto (?:the )?(?:team )?${NAME}`,
    "gu",
  ),
  // "team Sales", "team "Key accounts""
  new RegExp(String.raw`\b[Tt]eam ${NAME}`, "gu"),
];
// "stage Hot Lead", "set the lifecycle stage to Customer", "stage "cold lead""
const STAGE_PATTERN = new RegExp(String.raw`\b[Ss]tage (?:to )?${NAME}`, "gu");
// "the field `budget`", "the `budget` field", "field "plan""
const FIELD_PATTERNS = [
  /\bfield [`"']([a-z][a-z0-9_]*)[`"']/giu,
  /[`"']([a-z][a-z0-9_]*)[`"'] field\b/giu,
];
/** Phrases that ask for an action; when it is not enabled, the model cannot do it (a warning). */
const ACTION_PHRASES: Record<AgentActionName, RegExp> = {
  assign_team: /\b(?:assign|transfer)\w*\b/i,
  close_conversation: /\bclose (?:the |this )?(?:conversation|chat)\b/i,
  update_contact_field: /\b(?:save|store|record|update)\b[^.;]*\b(?:field|email|company)\b/i,
  set_lifecycle_stage: /\b(?:lifecycle|stage)\b/i,
};

/** Whether a captured name is one of `names` (case-insensitive; extra capitalised words after it are fine). */
function names(captured: string, configured: readonly string[]): boolean {
  const c = captured.toLowerCase();
  return configured.some((n) => c === n.toLowerCase() || c.startsWith(`${n.toLowerCase()} `));
}

const listOf = (xs: readonly string[], none: string) => (xs.length ? xs.join(", ") : none);

/**
 * What one flow step or action rule refers to that the configuration does not have. Kept simple
 * on purpose, so that an ordinary sentence is never refused:
 *
 * - errors (block the start): an action's tool name (`assign_team` …) that is not enabled; a
 *   team after "assign/transfer/hand over … to (the) (team)" or "team", a stage after "stage
 *   (to)", when written capitalised or quoted and not configured; a field written in quotes or
 *   backticks next to "field" that is neither standard nor declared.
 * - warnings (printed by `npm run prompt:check`): wording that asks for an action that is not
 *   enabled ("assign", "close the conversation", "stage", "save … email"), since the model has no
 *   tool for it.
 *
 * Lower-case words after "to" ("assign to a person", "the right team") are not names.
 */
export function ruleReferences(
  text: string,
  agent: AgentConfig,
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const enabled = new Set<string>(agent.actions);
  const named = new Set<string>();
  for (const a of AGENT_ACTIONS) {
    if (!new RegExp(String.raw`\b${a}\b`).test(text)) continue;
    named.add(a);
    if (!enabled.has(a)) errors.push(`names ${a}, which is not enabled in ## Actions`);
  }
  for (const a of AGENT_ACTIONS)
    if (!enabled.has(a) && !named.has(a) && ACTION_PHRASES[a].test(text))
      warnings.push(`reads like ${a}, which is not enabled in ## Actions: the model cannot do it`);

  const teams = agent.teams.map((t) => t.name);
  const seen = new Set<string>();
  for (const re of TEAM_PATTERNS)
    for (const m of text.matchAll(re)) {
      const name = (m[1] ?? m[2])!.trim();
      if (names(name, teams) || seen.has(name)) continue;
      seen.add(name);
      errors.push(
        `names team "${name}", which is not in teams (${listOf(teams, "none configured")})`,
      );
    }
  for (const m of text.matchAll(STAGE_PATTERN)) {
    const name = (m[1] ?? m[2])!.trim();
    if (names(name, agent.stages) || seen.has(name)) continue;
    seen.add(name);
    errors.push(
      `names stage "${name}", which is not in stages (${listOf(agent.stages, "none configured")})`,
    );
  }
  const fields = [...STANDARD_CONTACT_FIELDS, ...agent.fields.map((f) => f.name)];
  for (const re of FIELD_PATTERNS)
    for (const m of text.matchAll(re)) {
      const field = m[1]!;
      if (fields.includes(field) || seen.has(field)) continue;
      seen.add(field);
      errors.push(
        `names field "${field}", which is neither standard nor in fields (${fields.join(", ")})`,
      );
    }
  return { errors, warnings };
}

// --- Rendering ----------------------------------------------------------------------------------

/** Replaces `$variables` with their values; a variable without a value is left as written. */
export function fillVariables(text: string, values: PromptValues): string {
  return text.replace(VARIABLE_RE, (whole, name: string) => values[name] ?? whole);
}

/** A section as the model reads it: Flow as numbered steps, Action rules as bullets. */
function renderSection(prompt: BusinessPrompt, s: PromptSection): string {
  if (s.name === "Flow")
    return `## Flow\nSteps, in order:\n${prompt.flow.map((step, i) => `${i + 1}. ${step}`).join("\n")}`;
  if (s.name === "Action rules")
    return `## Action rules\nThese apply at any point of the conversation:\n${prompt.actionRules.map((r) => `- ${r}`).join("\n")}`;
  return `## ${s.name}\n${s.body}`;
}

/**
 * The prompt split for prompt caching: sections without variables form the stable part (the same
 * for every customer, so it can be cached); sections with variables are filled per turn. The
 * `## Actions` section is not prose: it reaches the model as tools.
 */
export function renderBusinessPrompt(
  prompt: BusinessPrompt,
  values: PromptValues,
): { stable: string; perTurn: string } {
  const prose = prompt.sections.filter((s) => s.name !== "Actions");
  return {
    stable: prose
      .filter((s) => !s.variable)
      .map((s) => renderSection(prompt, s))
      .join("\n\n"),
    perTurn: prose
      .filter((s) => s.variable)
      .map((s) => fillVariables(renderSection(prompt, s), values))
      .join("\n\n"),
  };
}
