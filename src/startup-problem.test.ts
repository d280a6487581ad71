import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "./emulators/slack.ts";
import { createLogger } from "./logger.ts";
import { createSlackApp } from "./slack/app.ts";
import { startupProblem } from "./startup-problem.ts";
import { openDatabase } from "./store/db.ts";

// The real Bolt app and Web API client against the Slack emulator (or a closed port): the errors
// they throw at start become one line naming the variable.

let emu: SlackEmulator | null = null;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

async function startError(apiUrl: string, token = "xoxb-made-up"): Promise<unknown> {
  const slack = createSlackApp({
    botToken: token,
    signingSecret: "secret",
    appToken: null,
    apiUrl,
    logger: createLogger("silent"),
    clientOptions: { retryConfig: { retries: 0 } },
  });
  try {
    await slack.start();
  } catch (err) {
    return err;
  } finally {
    await slack.stop().catch(() => {});
  }
  throw new Error("start() succeeded");
}

describe("startupProblem", () => {
  it("names SLACK_BOT_TOKEN when auth.test refuses the token", async () => {
    emu = await startSlackEmulator();
    emu.failNext("auth.test", { error: "invalid_auth" });
    const line = startupProblem(await startError(emu.url));
    expect(line).toMatch(/^SLACK_BOT_TOKEN: Slack refused the token at auth.test \(invalid_auth\)/);
    expect(line).not.toContain("\n");
  });

  it("names SLACK_API_URL when Slack cannot be reached", async () => {
    // A port nothing listens on (port 9 would be refused by fetch itself as a "bad port").
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    server.close();
    const line = startupProblem(await startError(`http://127.0.0.1:${port}/api/`));
    expect(line).toMatch(
      /^SLACK_API_URL: could not reach Slack's API for auth.test \(.*ECONNREFUSED/,
    );
  });

  it("names PORT when the port is already taken (a real second listener)", async () => {
    const first = createServer();
    await new Promise<void>((r) => first.listen(0, "127.0.0.1", r));
    const { port } = first.address() as AddressInfo;
    const second = createServer();
    const err = await new Promise<unknown>((resolve) => {
      second.once("error", resolve);
      second.listen(port, "127.0.0.1");
    });
    first.close();
    expect(startupProblem(err)).toBe(
      `PORT: port ${port} is already in use (another jembatan or program listens there); stop it or set PORT to a free port`,
    );
  });

  it("names DATABASE_URL when PostgreSQL cannot be reached, without the password", () => {
    // A real connection attempt to a closed port, through the real open path.
    let caught: unknown;
    try {
      openDatabase("postgres://jembatan:hunter2@127.0.0.1:9/jembatan");
    } catch (err) {
      caught = err;
    }
    const line = startupProblem(caught);
    expect(line).toMatch(
      /^DATABASE_URL: could not open the PostgreSQL database postgres:\/\/jembatan:\*\*\*@127\.0\.0\.1:9\/jembatan \(.*ECONNREFUSED/,
    );
    expect(line).not.toContain("hunter2");
  });

  it("leaves other errors to the full log", () => {
    expect(startupProblem(new Error("disk full"))).toBeNull();
    expect(startupProblem("text")).toBeNull();
    expect(startupProblem(null)).toBeNull();
  });
});
