import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "../src/emulators/slack.ts";
import { runToExit as runChild, type ServiceChild, startServiceChild } from "./helpers/child.ts";

// `npm start` as a newcomer and an operator meet it: a real child process of src/main.ts, run in
// an empty working directory (no .env can interfere), with only the environment given.

const root = join(import.meta.dirname, "..");
const dirs: string[] = [];
let child: ServiceChild | null = null;
let slack: SlackEmulator | null = null;

afterEach(async () => {
  await child?.kill();
  await slack?.close();
  child = null;
  slack = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "jembatan-start-"));
  dirs.push(dir);
  return dir;
}

/** The sample prompt and knowledge base by absolute path (the child runs elsewhere). */
const content = {
  AI_PROMPT_FILE: join(root, "prompts/business.example.md"),
  AI_KNOWLEDGE_DIR: join(root, "knowledge"),
};

/** Runs main.ts to its exit; returns the code and what it printed. */
const runToExit = (env: Record<string, string>, cwd: string) => runChild({ env, cwd });

describe("npm start", () => {
  it("with no credentials opens the sandbox: /healthz and /sandbox answer, SIGTERM stops it cleanly", async () => {
    const dir = scratch();
    child = await startServiceChild(
      { ...content, PORT: "0", LOG_LEVEL: "info", DATABASE_PATH: join(dir, "db/sandbox.sqlite") },
      dir,
    );
    const health = await fetch(`http://127.0.0.1:${child.port}/healthz`);
    expect(health.status).toBe(200);
    const console = await fetch(`http://127.0.0.1:${child.port}/sandbox`);
    expect(console.status).toBe(200);
    expect(await console.text()).toContain("jembatan sandbox");
    child.proc.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  });

  it("with some credentials but not all names each missing one and changes nothing", async () => {
    const dir = scratch();
    const { code, stderr } = await runToExit(
      { ...content, WHATSAPP_ACCESS_TOKEN: "EAAG-made-up", SLACK_BOT_TOKEN: "xoxb-made-up" },
      dir,
    );
    expect(code).toBe(1);
    for (const name of [
      "WHATSAPP_APP_SECRET",
      "WHATSAPP_VERIFY_TOKEN",
      "WHATSAPP_PHONE_NUMBER_ID",
      "SLACK_ESCALATION_CHANNEL",
      "SLACK_SIGNING_SECRET",
    ])
      expect(stderr).toContain(`${name}: is required`);
    expect(stderr).not.toContain("EAAG-made-up");
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(dir, "db"))).toBe(false);
  });

  it("in production without credentials refuses to start instead of opening the sandbox", async () => {
    const { code, stderr } = await runToExit({ ...content, NODE_ENV: "production" }, scratch());
    expect(code).toBe(1);
    expect(stderr).toContain("WHATSAPP_ACCESS_TOKEN: is required in production");
    expect(stderr).toContain("SLACK_BOT_TOKEN: is required in production");
  });

  it("with a token Slack refuses stops with one line naming SLACK_BOT_TOKEN", async () => {
    slack = await startSlackEmulator();
    slack.failNext("auth.test", { error: "invalid_auth" });
    const dir = scratch();
    const { code, stderr } = await runToExit(
      {
        ...content,
        PORT: "0",
        DATABASE_PATH: join(dir, "jembatan.sqlite"),
        WHATSAPP_APP_SECRET: "s",
        WHATSAPP_VERIFY_TOKEN: "v",
        WHATSAPP_ACCESS_TOKEN: "EAAG-made-up",
        WHATSAPP_PHONE_NUMBER_ID: "1",
        SLACK_BOT_TOKEN: "xoxb-made-up",
        SLACK_SIGNING_SECRET: "secret",
        SLACK_ESCALATION_CHANNEL: "C0ESCALATE",
        SLACK_API_URL: slack.url,
      },
      dir,
    );
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^jembatan: SLACK_BOT_TOKEN: Slack refused the token at auth.test \(invalid_auth\)/,
      ),
    ]);
  });
});
