import { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "../emulators/slack.ts";
import { createLogger } from "../logger.ts";
import { createRoleCheck } from "./roles.ts";

// The real Web API client against the Slack emulator's usergroups.users.list.
let emu: SlackEmulator;
let web: WebClient;
beforeEach(async () => {
  emu = await startSlackEmulator();
  web = new WebClient(emu.botToken, { slackApiUrl: emu.url, retryConfig: { retries: 0 } });
});
afterEach(() => emu.close());
const quiet = createLogger("silent");

describe("createRoleCheck", () => {
  it("nobody is a manager when none is configured", async () => {
    const check = createRoleCheck(web, { managers: [], managerGroup: null }, quiet);
    expect(await check("U0AGENT")).toBe(false);
    expect(emu.callsTo("usergroups.users.list")).toHaveLength(0);
  });

  it("listed users are managers without asking Slack", async () => {
    const check = createRoleCheck(web, { managers: ["U0LEAD"], managerGroup: "S0MGR" }, quiet);
    expect(await check("U0LEAD")).toBe(true);
    expect(emu.callsTo("usergroups.users.list")).toHaveLength(0);
  });

  it("reads the group's members at run time, cached, and sees a change after the cache time", async () => {
    let t = 0;
    emu.setUserGroup("S0MGR", ["U0A"]);
    const check = createRoleCheck(
      web,
      { managers: [], managerGroup: "S0MGR", groupTtlMs: 1000 },
      quiet,
      () => t,
    );
    expect(await check("U0A")).toBe(true);
    expect(await check("U0B")).toBe(false);
    expect(emu.callsTo("usergroups.users.list")).toHaveLength(1);
    emu.setUserGroup("S0MGR", ["U0B"]);
    t = 1001;
    expect(await check("U0B")).toBe(true);
    expect(await check("U0A")).toBe(false);
    expect(emu.callsTo("usergroups.users.list")).toHaveLength(2);
  });

  it("fails closed when the group cannot be read", async () => {
    const check = createRoleCheck(web, { managers: [], managerGroup: "S0GONE" }, quiet);
    expect(await check("U0A")).toBe(false);
  });
});
