import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

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

export const PROMPT_MAX_CHARS = 10_000;

/** Variables a prompt may use; filled from the contact record on every turn. */
export const PROMPT_VARIABLES = [
  "contact.name",
  "contact.first_name",
  "contact.phone",
  "contact.language",
  "today",
] as const;
export type PromptVariable = (typeof PROMPT_VARIABLES)[number];

const VARIABLE_RE = /\$([a-z_]+(?:\.[a-z_]+)?)/g;

export interface PromptSection {
  name: string;
  body: string;
  /** Uses `$variables`: rendered per turn, after the cached prefix. */
  variable: boolean;
}

/** A validated business prompt. */
export interface BusinessPrompt {
  path: string;
  sections: PromptSection[];
  /** Short hash of the file: part of the answer-cache key. */
  version: string;
}

export class PromptFileError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(`Business prompt ${path} is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PromptFileError";
  }
}

/**
 * Parses and validates a business prompt: at most 10,000 characters, every section of
 * PROMPT_SECTIONS present and not empty (`Behavior` is accepted for `Behaviour`), only known
 * `$variables`. Throws a PromptFileError listing every problem.
 */
export function parseBusinessPrompt(text: string, path = "(prompt)"): BusinessPrompt {
  const problems: string[] = [];
  if (text.length > PROMPT_MAX_CHARS) {
    problems.push(`is ${text.length} characters long; the limit is ${PROMPT_MAX_CHARS}`);
  }
  const sections: PromptSection[] = [];
  let current: PromptSection | null = null;
  for (const line of text.split(/\r?\n/)) {
    const heading = /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      const raw = heading[1]!.trim();
      const name = /^behavior$/i.test(raw) ? "Behaviour" : raw;
      current = { name, body: "", variable: false };
      sections.push(current);
    } else if (current) {
      current.body += `${line}\n`;
    }
  }
  for (const s of sections) {
    s.body = s.body.trim();
    for (const m of s.body.matchAll(VARIABLE_RE)) {
      if (!(PROMPT_VARIABLES as readonly string[]).includes(m[1]!)) {
        problems.push(
          `section ${s.name}: unknown variable $${m[1]} (known: ${PROMPT_VARIABLES.map((v) => `$${v}`).join(", ")})`,
        );
      } else {
        s.variable = true;
      }
    }
  }
  for (const name of PROMPT_SECTIONS) {
    const found = sections.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!found) problems.push(`missing section "## ${name}"`);
    else if (found.body === "") problems.push(`section "## ${name}" is empty`);
  }
  if (problems.length > 0) throw new PromptFileError(path, problems);
  return {
    path,
    sections,
    version: createHash("sha256").update(text).digest("hex").slice(0, 12),
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

/** Replaces `$variables` with their values. */
export function fillVariables(text: string, values: Record<PromptVariable, string>): string {
  return text.replace(VARIABLE_RE, (whole, name: string) =>
    name in values ? values[name as PromptVariable] : whole,
  );
}

/**
 * The prompt split for prompt caching: sections without variables form the stable part (the same
 * for every customer, so it can be cached); sections with variables are filled per turn.
 */
export function renderBusinessPrompt(
  prompt: BusinessPrompt,
  values: Record<PromptVariable, string>,
): { stable: string; perTurn: string } {
  const render = (s: PromptSection) => `## ${s.name}\n${s.body}`;
  return {
    stable: prompt.sections
      .filter((s) => !s.variable)
      .map(render)
      .join("\n\n"),
    perTurn: prompt.sections
      .filter((s) => s.variable)
      .map((s) => fillVariables(render(s), values))
      .join("\n\n"),
  };
}
