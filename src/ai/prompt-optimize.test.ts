import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runToExit } from "../../test/helpers/child.ts";
import { type AnthropicEmulator, startAnthropicEmulator } from "../emulators/anthropic.ts";
import { createAnthropicModel } from "./anthropic-client.ts";
import { refuseSuggestion, runPromptOptimize, unwrapSuggestion } from "./prompt-optimize.ts";

// `npm run prompt:optimize` against the Anthropic emulator: the real SDK, over HTTP.

const root = join(import.meta.dirname, "..", "..");
const SCRIPT = join(root, "src/ai/prompt-optimize.ts");
const EXAMPLE = readFileSync(join(root, "prompts/business.example.md"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "jembatan-prompt-optimize-"));
let emu: AnthropicEmulator;
beforeAll(async () => {
  emu = await startAnthropicEmulator();
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => emu.reset());

/** A clearer example: one Behaviour bullet reworded. */
const CLEARER = EXAMPLE.replace(
  "- When several questions arrive at once, answer each in order, briefly.",
  "- Several questions at once: answer each briefly, in order.",
);

function scratch(name: string, text = EXAMPLE): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function optimize(args: string[]) {
  const out: string[] = [];
  const model = createAnthropicModel({
    apiKey: emu.apiKey,
    baseUrl: emu.url,
    timeoutMs: 10_000,
    maxRetries: 0,
  });
  const code = await runPromptOptimize(args, () => "unused", {
    model,
    modelId: "claude-sonnet-5-5",
    out: (l) => out.push(l),
  });
  return { code, out: out.join("\n") };
}

const runChild = (args: string[], env: Record<string, string>) =>
  runToExit({ script: SCRIPT, args, env, cwd: dir, timeoutMs: 30_000 });

describe("npm run prompt:optimize", () => {
  it("shows the diff of a checked suggestion and writes nothing without --write", async () => {
    const path = scratch("show.md");
    emu.enqueue({ text: `\`\`\`markdown\n${CLEARER}\`\`\`` });
    const { code, out } = await optimize([path]);
    expect(code).toBe(0);
    expect(out).toContain(
      "-- When several questions arrive at once, answer each in order, briefly.",
    );
    expect(out).toContain("+- Several questions at once: answer each briefly, in order.");
    expect(out).toContain("Nothing written. To accept a suggestion, run:");
    expect(readFileSync(path, "utf8")).toBe(EXAMPLE);
    expect(existsSync(`${path}.bak`)).toBe(false);
    // What the smart tier was asked.
    const body = emu.requests[0]!.body as {
      model: string;
      system: { text: string }[];
      messages: { content: string }[];
    };
    expect(body.model).toBe("claude-sonnet-5-5");
    expect(body.system[0]!.text).toContain("byte for byte");
    expect(body.messages[0]!.content).toContain(EXAMPLE);
  });

  it("with --write (a real child process) saves the suggestion and keeps a .bak", async () => {
    const path = scratch("write.md");
    emu.enqueue({ text: CLEARER });
    const { code, stdout } = await runChild([path, "--write"], {
      ANTHROPIC_API_KEY: emu.apiKey,
      ANTHROPIC_BASE_URL: emu.url,
    });
    expect(code).toBe(0);
    expect(stdout).toContain(`Written to ${path}; the previous version is ${path}.bak.`);
    expect(readFileSync(path, "utf8")).toBe(CLEARER);
    expect(readFileSync(`${path}.bak`, "utf8")).toBe(EXAMPLE);
  });

  it("refuses a suggestion that alters the Actions block, even by a space", async () => {
    const path = scratch("actions.md");
    emu.enqueue({ text: CLEARER.replace('"stages": [', '"stages":  [') });
    const { code, out } = await optimize([path, "--write"]);
    expect(code).toBe(1);
    expect(out).toContain("Suggestion refused: it changes the ## Actions json block");
    expect(readFileSync(path, "utf8")).toBe(EXAMPLE);
    expect(existsSync(`${path}.bak`)).toBe(false);
  });

  it("refuses a suggestion that fails the check, grows past the limit, or drops sections, variables or numbers", async () => {
    const path = scratch("refuse.md");
    const cases: [string, RegExp][] = [
      [
        CLEARER.replace("## Limits", "## Boundaries"),
        /fails the prompt check:\n {2}- missing section "## Limits"/,
      ],
      [
        CLEARER.replace("## Limits\n", `## Limits\n${"Keep it short. ".repeat(300)}\n`),
        /limit is 10000/,
      ],
      [
        CLEARER.replace("## Examples", "## Samples").replace(
          "## Limits",
          "## Examples\nx\n\n## Limits",
        ),
        /changes the sections/,
      ],
      [CLEARER.replaceAll("$contact.language", "their language"), /drops \$contact\.language/],
      [
        CLEARER.replace("08.00-20.00 WIB", "during office hours"),
        /drops numbers the file states: 08\.00, 20\.00/,
      ],
    ];
    for (const [suggestion, why] of cases) {
      emu.enqueue({ text: suggestion });
      const { code, out } = await optimize([path, "--write"]);
      expect(code, String(why)).toBe(1);
      expect(out).toMatch(why);
    }
    expect(readFileSync(path, "utf8")).toBe(EXAMPLE);
  });

  it("refuses an answer cut off at max_tokens, and an invalid file before asking", async () => {
    const path = scratch("cut.md");
    emu.enqueue({ text: CLEARER.slice(0, 2000), stopReason: "max_tokens" });
    const cut = await optimize([path, "--write"]);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain("cut off");
    const bad = scratch("bad.md", EXAMPLE.replace("## Limits", "## Limitz"));
    const before = emu.requests.length;
    const invalid = await optimize([bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.out).toContain('missing section "## Limits"');
    expect(emu.requests.length).toBe(before);
  });

  it("no API key: a clear error and exit 2 (a real child process)", async () => {
    const path = scratch("nokey.md");
    const { code, stdout } = await runChild([path], { ANTHROPIC_API_KEY: "" });
    expect(code).toBe(2);
    expect(stdout).toContain("ANTHROPIC_API_KEY is not set");
    expect(readFileSync(path, "utf8")).toBe(EXAMPLE);
  });
});

describe("suggestion checks", () => {
  it("unwraps an outer fence or tags, not the Actions fence", () => {
    expect(unwrapSuggestion("```markdown\n# A\n```")).toBe("# A\n");
    expect(unwrapSuggestion("<prompt_file>\n# A\n</prompt_file>")).toBe("# A\n");
    expect(unwrapSuggestion(EXAMPLE)).toBe(EXAMPLE);
  });

  it("accepts an identical file", () => {
    expect(refuseSuggestion(EXAMPLE, EXAMPLE, "x.md")).toBeNull();
  });
});
