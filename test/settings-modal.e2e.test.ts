import { afterEach, describe, expect, it } from "vitest";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import type { SlackView } from "../src/emulators/slack.ts";
import {
  appHomeOpened,
  blockActionsPayload,
  slashCommand,
  viewSubmissionPayload,
} from "../src/emulators/slack-requests.ts";
import { SETTINGS_MODAL } from "../src/slack/blocks/settings-modal.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

// The settings modal through real Slack payloads (signed, through Bolt, against the Slack
// emulator): a manager opens it from the Home tab, changes business hours and SLA minutes; the
// change is stored, audited and announced, and the running service uses it at once: the next
// handoff's bridge message says the business is closed, and the sweeper reminds after the new
// SLA minutes. A non-manager and invalid values change nothing.

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const OTHER = "U0OTHER";
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

type Input = {
  type: string;
  block_id: string;
  element: {
    type: string;
    initial_value?: string;
    initial_option?: { value: string };
  };
};

/** What Slack sends on submit for an untouched modal, with some fields changed. */
function formFrom(view: SlackView, changes: Record<string, string | null> = {}) {
  const values: Record<string, Record<string, unknown>> = {};
  for (const b of view.blocks as Input[]) {
    if (b.type !== "input") continue;
    const el = b.element;
    const changed = b.block_id in changes;
    const v = changed
      ? changes[b.block_id]!
      : (el.initial_value ?? el.initial_option?.value ?? null);
    values[b.block_id] = {
      [SETTINGS_MODAL.actionId]:
        el.type === "static_select" || el.type === "radio_buttons"
          ? { type: el.type, selected_option: v === null ? null : { value: v } }
          : { type: el.type, value: v },
    };
  }
  return values;
}

describe("settings modal", () => {
  it("a manager's change applies to the next handoff and sweep; refusals change nothing", async () => {
    h = await startHarness({ SLACK_SWEEP_SECONDS: "1", BUSINESS_UTC_OFFSET: "+00:00" });
    h.slack.addUser(OTHER, { name: "other" });
    const f = slackFlow(h);
    const open = (user: string) =>
      f.request(
        blockActionsPayload({
          actionId: SETTINGS_MODAL.openActionId,
          user,
          view: { id: "V0HOME", type: "home" },
        }),
      );
    const submit = async (
      user: string,
      values: Record<string, Record<string, unknown>>,
      privateMetadata?: string,
    ) => {
      const res = await f.request(
        viewSubmissionPayload({
          callbackId: SETTINGS_MODAL.callbackId,
          user,
          values,
          ...(privateMetadata === undefined ? {} : { privateMetadata }),
        }),
      );
      expect(res.status).toBe(200);
      return (res.body ?? {}) as { response_action?: string; errors?: Record<string, string> };
    };
    const audit = () =>
      f.rows("select actor, action, old_value, new_value from audit_log order by id");
    const stored = () => f.rows("select key, value from settings order by key");

    // A customer handed off with the environment's settings: no hours, 15 minutes.
    expect(
      (await h.meta.send(textMessage("saya mau bicara dengan orang", { from: "6281200000021" })))
        .status,
    ).toBe(200);
    await h.slack.waitFor(() => f.roots().length === 1, 8000);
    await f.settle();
    expect(f.sentTexts().at(-1)).toContain("dalam 15 menit");
    const root = f.roots()[0]!;
    // The customer has waited 6 minutes: under the environment's 15, no reminder.
    const waitedSince = Date.now() - 6 * 60_000;
    f.rows("update slack_threads set customer_waiting_since = ? returning id", waitedSince);
    await new Promise((r) => setTimeout(r, 2500));
    const reminders = () =>
      f.replies(root).filter((m) => JSON.stringify(m.blocks ?? m.text).includes("waiting"));
    expect(reminders()).toEqual([]);

    // The manager opens the modal from the Home tab's button: filled with what is in force.
    expect((await f.event(appHomeOpened(AGENT))).status).toBe(200);
    await h.slack.waitFor(() => h!.slack.views.has(AGENT), 5000);
    expect(JSON.stringify(h.slack.views.get(AGENT)!.blocks)).toContain(
      `"action_id":"${SETTINGS_MODAL.openActionId}"`,
    );
    expect((await open(AGENT)).status).toBe(200);
    await h.slack.waitFor(() => h!.slack.modals.length === 1, 5000);
    const modal = h.slack.modals[0]!;
    expect(modal.callback_id).toBe(SETTINGS_MODAL.callbackId);
    const text = JSON.stringify(modal.blocks);
    expect(text).toContain("Environment default (SLACK_SLA_MINUTES)");
    expect(formFrom(modal)["sla.minutes"]).toEqual({
      [SETTINGS_MODAL.actionId]: { type: "number_input", value: "15" },
    });

    // Someone else's click opens no form; their forged submission is refused.
    expect((await open(OTHER)).status).toBe(200);
    await h.slack.waitFor(() => h!.slack.modals.length === 2, 5000);
    expect(h.slack.modals[1]!.callback_id).not.toBe(SETTINGS_MODAL.callbackId);
    expect(JSON.stringify(h.slack.modals[1]!.blocks)).toContain("Only managers");
    const closedDay = DAYS[(new Date().getUTCDay() + 3) % 7]!;
    const change = {
      "business.hours": `${closedDay.toLowerCase()} 9:00-10:00`,
      "sla.minutes": "5",
    };
    const refused = await submit(OTHER, formFrom(modal, change), modal.private_metadata);
    expect(refused.response_action).toBe("errors");
    expect(Object.values(refused.errors ?? {}).join()).toContain("Only managers");
    expect(stored()).toEqual([]);
    expect(audit()).toEqual([]);

    // Invalid values: shown under their fields, nothing stored, even the valid field.
    const invalid = await submit(
      AGENT,
      formFrom(modal, {
        "business.hours": "Mon-Fri 17:00-09:00",
        "sla.minutes": "0",
        "ai.threshold": "0.7",
      }),
      modal.private_metadata,
    );
    expect(invalid.response_action).toBe("errors");
    expect(Object.keys(invalid.errors ?? {}).sort()).toEqual(["business.hours", "sla.minutes"]);
    expect(invalid.errors!["business.hours"]).toContain("closing time must be after");
    expect(stored()).toEqual([]);
    expect(audit()).toEqual([]);

    // Valid: only the two changed fields are stored, each audited and announced.
    const ok = await submit(AGENT, formFrom(modal, change), modal.private_metadata);
    expect(ok.response_action).toBeUndefined();
    const hours = `${closedDay} 09:00-10:00`;
    expect(stored()).toEqual([
      { key: "business.hours", value: hours },
      { key: "sla.minutes", value: "5" },
    ]);
    expect(audit()).toEqual([
      { actor: AGENT, action: "business.hours", old_value: "always", new_value: hours },
      { actor: AGENT, action: "sla.minutes", old_value: "15", new_value: "5" },
    ]);
    const lines = () => h!.slack.messages(CHANNEL).filter((m) => (m.text ?? "").startsWith("🛠️"));
    await h.slack.waitFor(() => lines().length === 2, 5000);
    expect(lines().map((m) => m.text)).toEqual([
      `🛠️ <@${AGENT}> changed *business.hours*: \`always\` → \`${hours}\``,
      `🛠️ <@${AGENT}> changed *sla.minutes*: \`15\` → \`5\``,
    ]);
    // The manager's Home tab is published again.
    await h.slack.waitFor(() => h!.slack.callsTo("views.publish").length === 2, 5000);
    expect(h.slack.views.get(AGENT)!.type).toBe("home");
    // And /jembatan settings says where they come from now.
    const settings = await f.request(
      slashCommand({ command: "/jembatan", text: "settings", userId: AGENT, channelId: CHANNEL }),
    );
    expect((settings.body as { text: string }).text).toContain(
      "`sla.minutes` = `5` (set in Slack)",
    );

    // The running sweeper now reminds after 5 minutes: the customer waiting 6 gets one.
    await h.slack.waitFor(() => reminders().length === 1, 5000);

    // The very next handoff is outside the new hours: the closed bridge message, with them.
    expect(
      (await h.meta.send(textMessage("saya mau bicara dengan orang", { from: "6281200000022" })))
        .status,
    ).toBe(200);
    await h.slack.waitFor(() => f.roots().length === 2, 8000);
    await f.settle();
    const bridge = f.sentTexts().at(-1)!;
    expect(bridge).toContain("di luar jam kerja");
    expect(bridge).toContain(`(${hours})`);

    // Submitting the form again unchanged records nothing more.
    const again = await submit(AGENT, formFrom(h.slack.modals[0]!, change), modal.private_metadata);
    expect(again.response_action).toBeUndefined();
    expect(audit()).toHaveLength(2);
  });

  it("the AI switch in the modal goes through the audited kill switch", async () => {
    h = await startHarness();
    const f = slackFlow(h);
    expect(
      (
        await f.request(
          blockActionsPayload({
            actionId: SETTINGS_MODAL.openActionId,
            user: AGENT,
            view: { id: "V0HOME", type: "home" },
          }),
        )
      ).status,
    ).toBe(200);
    await h.slack.waitFor(() => h!.slack.modals.length === 1, 5000);
    const modal = h.slack.modals[0]!;
    const res = await f.request(
      viewSubmissionPayload({
        callbackId: SETTINGS_MODAL.callbackId,
        user: AGENT,
        values: formFrom(modal, { ai: "off" }),
        privateMetadata: modal.private_metadata ?? "",
      }),
    );
    expect(res.status).toBe(200);
    expect(f.rows("select value from settings where key = 'ai'")).toEqual([{ value: "off" }]);
    expect(f.rows("select actor, action, old_value, new_value from audit_log")).toEqual([
      { actor: AGENT, action: "ai", old_value: "on", new_value: "off" },
    ]);
  });
});
