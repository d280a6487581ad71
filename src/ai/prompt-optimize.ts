import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createTwoFilesPatch } from "diff";
import { ConfigError, loadAiConfig, loadEnvFile } from "../config.ts";
import { createAnthropicModel, type ModelPort, ModelUnavailableError } from "./anthropic-client.ts";
import {
  actionsBlock,
  type BusinessPrompt,
  PROMPT_MAX_CHARS,
  PromptFileError,
  parseBusinessPrompt,
} from "./prompt-file.ts";

const USAGE = "usage: npm run prompt:optimize [-- FILE] [--write]   (default: AI_PROMPT_FILE)";

/** A whole prompt file back is long; at most 10,000 characters is about 4,000 tokens. */
const MAX_OUTPUT_TOKENS = 8_000;
/** One operator command, not a chat turn: a rewrite may take a minute or two. */
export const OPTIMIZE_TIMEOUT_MS = 180_000;

/** The instructions to the smart tier. */
export const OPTIMIZE_INSTRUCTIONS = `You edit the business prompt file of a WhatsApp customer-service AI assistant. Return a clearer, tighter version of the file that the assistant will follow more reliably.

Keep, exactly:
- the intent: every instruction, rule, limit and fact must still be there, with the same meaning. Do not add facts, promises, prices, policies or rules that are not in the file.
- every "## " section heading, spelled as it is, and no new ones. The text before the first heading may be shortened but must keep its meaning.
- the "## Actions" section's fenced json block byte for byte (do not reformat, reorder or touch it).
- every name: the business, products, teams, lifecycle stages, contact fields, actions (assign_team, close_conversation, update_contact_field, set_lifecycle_stage).
- every number and limit (hours, amounts, counts, characters, delays).
- every variable such as $contact.name, $contact.email or $today, written the same way.
- "## Flow" as a numbered list of steps in order, and "## Action rules" as a bulleted list.

Improve: remove repetition and vague wording, make each rule one clear sentence, order items logically, fix grammar. Keep the language each part is written in. The whole file must stay under ${PROMPT_MAX_CHARS} characters.

Answer with the complete new file only: no explanation, no code fence around it.`;

/** Options of {@link runPromptOptimize}. */
export interface OptimizeOptions {
  /** Null when ANTHROPIC_API_KEY is not set. */
  model: ModelPort | null;
  /** The smart tier's model id (MODEL_SMART). */
  modelId: string;
  out?: (line: string) => void;
}

/** The model's answer without an outer code fence or `<prompt_file>` tags it may have added. */
export function unwrapSuggestion(answer: string): string {
  let text = answer.trim();
  const tagged = /^<prompt_file>\n?([\s\S]*?)\n?<\/prompt_file>$/.exec(text);
  if (tagged) text = tagged[1]!.trim();
  const fenced = /^```(?:markdown|md)?[ \t]*\n([\s\S]*)\n```$/.exec(text);
  if (fenced) text = fenced[1]!.trim();
  return `${text}\n`;
}

const headings = (p: BusinessPrompt) => p.sections.map((s) => s.name).join(" | ");
const variablesOf = (text: string) => new Set(text.match(/\$[a-z_]+(?:\.[a-z][a-z0-9_]*)?/g) ?? []);
const numbersOf = (text: string) => new Set(text.match(/\d+(?:[.,]\d+)*/g) ?? []);
const missing = (from: Set<string>, to: Set<string>) => [...from].filter((x) => !to.has(x));

/**
 * Why a suggestion must not replace the file, or null when it may: it fails the prompt check,
 * changes the `## Actions` block by a single byte, renames, adds or drops a section, or drops
 * a variable or a number (limits, hours, amounts) that the original states.
 */
export function refuseSuggestion(
  original: string,
  suggestion: string,
  path: string,
): string | null {
  let before: BusinessPrompt;
  let after: BusinessPrompt;
  try {
    before = parseBusinessPrompt(original, path);
  } catch (err) {
    if (err instanceof PromptFileError) return "the original file is invalid";
    throw err;
  }
  try {
    after = parseBusinessPrompt(suggestion, path);
  } catch (err) {
    if (!(err instanceof PromptFileError)) throw err;
    return `it fails the prompt check:\n${err.problems.map((p) => `  - ${p}`).join("\n")}`;
  }
  if (actionsBlock(original) !== actionsBlock(suggestion))
    return "it changes the ## Actions json block, which must stay byte for byte";
  if (headings(before) !== headings(after))
    return `it changes the sections (${headings(before)} → ${headings(after)})`;
  const vars = missing(variablesOf(original), variablesOf(suggestion));
  const extraVars = missing(variablesOf(suggestion), variablesOf(original));
  if (vars.length || extraVars.length)
    return `it changes the variables (${[...vars.map((v) => `drops ${v}`), ...extraVars.map((v) => `adds ${v}`)].join(", ")})`;
  const numbers = missing(numbersOf(original), numbersOf(suggestion));
  if (numbers.length) return `it drops numbers the file states: ${numbers.join(", ")}`;
  return null;
}

/**
 * `npm run prompt:optimize [FILE] [--write]`: asks the smart tier for a clearer version of a
 * valid prompt file, refuses one that fails {@link refuseSuggestion}, prints the unified diff,
 * and with `--write` saves it (the previous file kept as FILE.bak). Returns 0 (suggestion shown
 * or written, or nothing to improve), 1 (invalid file, refused suggestion, model error) or 2
 * (usage, no API key).
 */
export async function runPromptOptimize(
  args: string[],
  defaultPath: () => string,
  opts: OptimizeOptions,
): Promise<number> {
  const out = opts.out ?? console.log;
  const write = args.includes("--write");
  const files = args.filter((a) => a !== "--" && a !== "--write");
  if (files.length > 1 || files.some((f) => f.startsWith("-"))) {
    out(USAGE);
    return 2;
  }
  if (!opts.model) {
    out(
      "ANTHROPIC_API_KEY is not set: prompt:optimize asks the smart model (MODEL_SMART) for a clearer version. Set ANTHROPIC_API_KEY in the environment or .env and run it again; `npm run prompt:check` works without it.",
    );
    return 2;
  }
  const path = files[0] ?? defaultPath();
  let original: string;
  try {
    original = readFileSync(path, "utf8");
  } catch (err) {
    out(`${path}: cannot be read: ${(err as Error).message}`);
    return 1;
  }
  try {
    parseBusinessPrompt(original, path);
  } catch (err) {
    if (!(err instanceof PromptFileError)) throw err;
    out(`${path} is invalid; fix it first (npm run prompt:check ${path}):`);
    for (const p of err.problems) out(`  - ${p}`);
    return 1;
  }

  out(`Asking ${opts.modelId} for a clearer version of ${path}…`);
  let answer: Awaited<ReturnType<ModelPort["text"]>>;
  try {
    answer = await opts.model.text({
      model: opts.modelId,
      system: [{ type: "text", text: OPTIMIZE_INSTRUCTIONS }],
      messages: [{ role: "user", content: `<prompt_file>\n${original}\n</prompt_file>` }],
      maxTokens: MAX_OUTPUT_TOKENS,
    });
  } catch (err) {
    if (!(err instanceof ModelUnavailableError)) throw err;
    out(`The model could not be reached: ${err.message}`);
    return 1;
  }
  if (!answer.ok) {
    out("The model's answer was cut off or refused; nothing changed. Try again.");
    return 1;
  }
  const suggestion = unwrapSuggestion(answer.text);
  const refused = refuseSuggestion(original, suggestion, path);
  if (refused) {
    out(`Suggestion refused: ${refused}`);
    out("Nothing changed. Run it again for another suggestion, or edit the file by hand.");
    return 1;
  }
  if (suggestion === original) {
    out("The model suggests no changes.");
    return 0;
  }
  out(createTwoFilesPatch(path, path, original, suggestion, "current", "suggested").trimEnd());
  out(
    `Checked: valid, ${suggestion.length.toLocaleString("en")} characters (was ${original.length.toLocaleString("en")}), same sections, Actions block, variables and numbers.`,
  );
  if (!write) {
    out(
      `Nothing written. To accept a suggestion, run: npm run prompt:optimize -- ${path} --write (the model may phrase it differently again; the diff is shown then too, and the current file is kept as ${path}.bak).`,
    );
    return 0;
  }
  copyFileSync(path, `${path}.bak`);
  writeFileSync(path, suggestion);
  out(`Written to ${path}; the previous version is ${path}.bak.`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { anthropic, ai } = loadAiConfig(loadEnvFile());
    const model = anthropic.apiKey
      ? createAnthropicModel({
          apiKey: anthropic.apiKey,
          baseUrl: anthropic.baseUrl,
          timeoutMs: Math.max(ai.timeoutMs, OPTIMIZE_TIMEOUT_MS),
          maxRetries: ai.maxRetries,
        })
      : null;
    process.exitCode = await runPromptOptimize(process.argv.slice(2), () => ai.promptFile, {
      model,
      modelId: anthropic.modelSmart,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exitCode = 2;
  }
}
