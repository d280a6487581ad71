import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN, runToExit } from "../../test/helpers/child.ts";

// `npm run prompt:check` as an operator runs it: a real child process, in an empty working
// directory (no .env can interfere), with only the environment given.

const root = join(import.meta.dirname, "..", "..");
const CHECK = join(root, "src/ai/prompt-check.ts");
const EXAMPLE = join(root, "prompts/business.example.md");
const dir = mkdtempSync(join(tmpdir(), "jembatan-prompt-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  runToExit({ script, args, env, cwd: dir });

const FOLLOW_UPS = `"followUps": [
    { "after": "6h", "message": "Halo Kak, masih ada yang bisa kami bantu? Balas pesan ini kapan saja ya" },
    { "after": "12h", "message": "Kami tutup dulu percakapan ini ya Kak. Kalau ada pertanyaan lain, tinggal kirim pesan lagi",
      "then": { "action": "set_lifecycle_stage", "stage": "Cold Lead" } }
  ]`;

/** The example with `from` replaced by `to`, written to a scratch file. */
function variant(name: string, from: string | RegExp, to: string): string {
  const text = readFileSync(EXAMPLE, "utf8");
  const changed = text.replace(from, to);
  expect(changed).not.toBe(text);
  const path = join(dir, name);
  writeFileSync(path, changed);
  return path;
}

describe("npm run prompt:check", () => {
  it("reports what the example agent can and cannot do, exit 0 (default file from AI_PROMPT_FILE)", async () => {
    const { code, stdout } = await run(CHECK, [], { AI_PROMPT_FILE: EXAMPLE });
    expect(code).toBe(0);
    expect(stdout).toContain(`${EXAMPLE}: valid (`);
    expect(stdout).toContain("Can: assign the conversation to a team (assign_team)");
    expect(stdout).toContain(
      "Teams: Sales → C0SALES (round_robin over S0SALES), Support → C0SUPPORT (fewest_open over 2 members)",
    );
    expect(stdout).toContain("Contact fields: name, email, company (standard); budget (number)");
    expect(stdout).toContain("Lifecycle stages: New Lead, Hot Lead, Customer, Cold Lead");
    expect(stdout).toContain("Follow-ups: none");
    expect(stdout).toMatch(/Flow: \d+ steps/);
    expect(stdout).toContain("$contact.budget");
    expect(stdout).toContain("Warnings: none");
  });

  it("lists the follow-ups: delay, message preview, final action", async () => {
    const path = variant(
      "follow-ups.md",
      '"stages": ["New Lead", "Hot Lead", "Customer", "Cold Lead"]\n}',
      `"stages": ["New Lead", "Hot Lead", "Customer", "Cold Lead"],\n${FOLLOW_UPS}\n}`,
    );
    const { code, stdout } = await run(CHECK, [path]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Follow-ups: 2\n {2}1\. after 6h: "Halo Kak, masih ada/);
    expect(stdout).toMatch(/ {2}2\. after 12h: "Kami tutup .*", then set stage Cold Lead\n/);
  });

  it("says what cannot be done and prints warnings, still exit 0", async () => {
    const path = variant(
      "fewer-actions.md",
      '"actions": ["assign_team", "close_conversation", "update_contact_field", "set_lifecycle_stage"]',
      '"actions": ["assign_team", "update_contact_field", "set_lifecycle_stage"]',
    );
    const { code, stdout } = await run(CHECK, [path]);
    expect(code).toBe(0);
    expect(stdout).toContain("Cannot: close the conversation with a summary (close_conversation).");
    expect(stdout).toContain(
      'section "## Action rules", rule 5: reads like close_conversation, which is not enabled',
    );
  });

  it("lists every problem and exits 1: JSON line, unknown team, unknown variable", async () => {
    const bad = variant("bad.md", '"stages": [', '"stages" [');
    const text = readFileSync(bad, "utf8")
      .replaceAll("assign to Sales", "assign to Marketing")
      .replace("$contact.budget", "$contact.budjet");
    writeFileSync(bad, text);
    const line = text.split("\n").findIndex((l) => l.includes('"stages" [')) + 1;
    const { code, stdout } = await run(CHECK, [bad]);
    expect(code).toBe(1);
    expect(stdout).toContain(`${bad}: 1 problem; the service does not start with this file:`);
    expect(stdout).toMatch(
      new RegExp(
        `section "## Actions", line ${line}: invalid JSON: (Unexpected token '\\['|Expected ':')`,
      ),
    );
    // With the configuration unreadable, rules and custom variables are checked once it is fixed.
    const fixed = variant("bad2.md", /assign to Sales/g, "assign to Marketing");
    writeFileSync(fixed, readFileSync(fixed, "utf8").replace("$contact.budget", "$contact.budjet"));
    const second = await run(CHECK, [fixed]);
    expect(second.code).toBe(1);
    expect(second.stdout).toContain("2 problems");
    expect(second.stdout).toContain(
      'names team "Marketing", which is not in teams (Sales, Support)',
    );
    expect(second.stdout).toContain("unknown variable $contact.budjet");
  });

  it("exit 1 for a missing file or a file over 10,000 characters; 2 for bad usage", async () => {
    const missing = await run(CHECK, [join(dir, "nope.md")]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("cannot be read");
    const long = variant("long.md", "## Limits\n", `## Limits\n\n${"Be brief. ".repeat(400)}\n`);
    const tooLong = await run(CHECK, [long]);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stdout).toMatch(/characters long; the limit is 10000/);
    const usage = await run(CHECK, ["--frobnicate"]);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toMatch(/^usage:/);
  });

  it("npm start refuses an invalid prompt with one clear paragraph, no stack trace", async () => {
    const bad = variant(
      "start.md",
      "set the stage to\n  Hot Lead",
      "set the stage to\n  Warm Lead",
    );
    const { code, stderr, stdout } = await run(MAIN, [], {
      AI_PROMPT_FILE: bad,
      AI_KNOWLEDGE_DIR: join(root, "knowledge"),
      PORT: "0",
      DATABASE_PATH: join(dir, "sandbox.sqlite"),
    });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `jembatan: the business prompt ${bad} (AI_PROMPT_FILE) is invalid, so the service does not start:\n  - section "## Action rules", rule 2: names stage "Warm Lead"`,
    );
    expect(stderr).toContain(`Fix the file, then check it with: npm run prompt:check ${bad}`);
    expect(`${stdout}${stderr}`).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
