import { afterEach, describe, expect, it } from "vitest";
import {
  appHomeOpened,
  blockActionsPayload,
  slashCommand,
} from "../src/emulators/slack-requests.ts";
import { AI_TOGGLE_ACTION } from "../src/slack/blocks/index.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

// Roles through real Slack payloads (signed, through Bolt): only managers (SLACK_MANAGERS,
// here the emulator's agent U0AGENT; SLACK_MANAGER_GROUP) flip the AI switch or create
// templates; every change is audited and announced in the alert channel.

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const OTHER = "U0OTHER";

describe("roles and audit", () => {
  it("a refused user cannot flip the AI switch; a manager's change is audited and announced", async () => {
    h = await startHarness();
    h.slack.addUser(OTHER, { name: "other" });
    const f = slackFlow(h);
    const toggle = (user: string, value: "on" | "off") =>
      f.request(
        blockActionsPayload({
          actionId: AI_TOGGLE_ACTION,
          value,
          user,
          view: { id: "V1", type: "home" },
        }),
      );

    // An agent's Home tab shows the state without the switch.
    expect((await f.event(appHomeOpened(OTHER))).status).toBe(200);
    await h.slack.waitFor(() => h!.slack.views.has(OTHER), 5000);
    expect(JSON.stringify(h.slack.views.get(OTHER)!.blocks)).not.toContain(AI_TOGGLE_ACTION);

    // A forged or stale click: refused, nothing changes, nothing audited.
    expect((await toggle(OTHER, "off")).status).toBe(200);
    await f.settle();
    expect(f.rows("select * from settings")).toEqual([]);
    expect(f.rows("select * from audit_log")).toEqual([]);
    const command = await f.request(
      slashCommand({ command: "/jembatan", text: "ai off", userId: OTHER, channelId: CHANNEL }),
    );
    expect((command.body as { text: string }).text).toContain("Only managers");
    const newTemplate = await f.request(
      slashCommand({
        command: "/jembatan",
        text: "template new",
        userId: OTHER,
        channelId: CHANNEL,
      }),
    );
    expect((newTemplate.body as { text: string }).text).toContain("Only managers");
    expect(h.slack.modals).toHaveLength(0);
    expect(f.rows("select value from settings")).toEqual([]);

    // The manager turns it off: applied, audited (old -> new), announced once.
    expect((await toggle(AGENT, "off")).status).toBe(200);
    await f.settle();
    expect(f.rows("select value from settings where key = 'ai'")).toEqual([{ value: "off" }]);
    expect(f.rows("select actor, action, old_value, new_value from audit_log")).toEqual([
      { actor: AGENT, action: "ai", old_value: "on", new_value: "off" },
    ]);
    const lines = () =>
      h!.slack.messages(CHANNEL).filter((m) => (m.text ?? "").includes("changed *ai*"));
    await h.slack.waitFor(() => lines().length === 1, 5000);
    expect(lines()[0]!.text).toBe(`🛠️ <@${AGENT}> changed *ai*: \`on\` → \`off\``);
    expect(JSON.stringify(h.slack.views.get(AGENT)!.blocks)).toContain(AI_TOGGLE_ACTION);
  });

  it("members of SLACK_MANAGER_GROUP are managers, read from Slack at run time", async () => {
    h = await startHarness({ SLACK_MANAGERS: "", SLACK_MANAGER_GROUP: "S0MGR" });
    h.slack.setUserGroup("S0MGR", [OTHER]);
    const f = slackFlow(h);
    const command = (user: string) =>
      f.request(
        slashCommand({ command: "/jembatan", text: "ai off", userId: user, channelId: CHANNEL }),
      );
    expect(((await command(AGENT)).body as { text: string }).text).toContain("Only managers");
    expect(((await command(OTHER)).body as { text: string }).text).toContain("now *off*");
    expect(f.rows("select actor, new_value from audit_log")).toEqual([
      { actor: OTHER, new_value: "off" },
    ]);
  });
});
