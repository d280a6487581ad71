import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getAiSwitch } from "../ai/kill-switch.ts";
import type { Db } from "../store/db.ts";
import { openDatabase } from "../store/db.ts";
import { createSettingsReader } from "../store/runtime-settings.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { liveSettings, type SlackSettings } from "./deps.ts";
import { bridgeText } from "./jobs/handoff.ts";
import { applySetting, type SettingChangeDeps, saveSettingsForm } from "./runtime-settings.ts";

// Two handles on one database stand in for two instances: a manager's change taken by instance
// A (its Slack request reached A) is in force on instance B at its next use, with no restart and
// no copy kept in B's memory.

const min = 60_000;
const settings: SlackSettings = {
  botToken: "xoxb-test",
  escalationChannel: "C_ESC",
  routing: [],
  notePrefix: "note:",
  signature: "",
  slaMention: "<!here>",
  sla: {
    firstReminderMs: 15 * min,
    reminderEveryMs: 10 * min,
    maxReminders: 3,
    windowWarningMs: 0,
  },
  bridgeMessage: {
    id: "Tim kami membalas dalam {minutes} menit.",
    en: "We reply within {minutes} minutes.",
    closedId: "Kami buka {hours}.",
    closedEn: "We are open {hours}.",
  },
  businessHours: null,
  businessHoursText: null,
  operatorRetryMs: 5 * min,
};
const defaults = {
  confidenceThreshold: 0.6,
  models: { fast: "claude-haiku-5-5", smart: "claude-sonnet-5-5" },
  businessHoursText: null,
  slaMinutes: 15,
};
const rules = { modelChoices: ["claude-haiku-5-5", "claude-sonnet-5-5"], utcOffsetMinutes: 0 };

let t: TestDatabase;
let a: Db;
let b: Db;
beforeEach(() => {
  t = openTestDatabase();
  a = t.db;
  b = openDatabase(t.path);
});
afterEach(() => {
  if (b.$client.open) b.$client.close();
  t.cleanup();
});

const deps = (db: Db): SettingChangeDeps & { runtimeSettings: ReturnType<typeof reader> } => ({
  db,
  settings,
  now: () => 1_000,
  runtimeSettings: reader(db),
});
const reader = (db: Db) => createSettingsReader(db, defaults, rules);

describe("runtime settings with several instances on one database", () => {
  it("a setting changed through A is in force on B at its next handoff and sweep", () => {
    const onB = deps(b);
    const monday10 = Date.UTC(2026, 0, 5, 10, 0, 0);
    expect(bridgeText(liveSettings(onB), "en", monday10)).toBe("We reply within 15 minutes.");

    expect(applySetting(deps(a), "U_MANAGER", "sla.minutes", "40")).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(liveSettings(onB).sla.firstReminderMs).toBe(40 * min);
    expect(bridgeText(liveSettings(onB), "en", monday10)).toBe("We reply within 40 minutes.");

    applySetting(deps(a), "U_MANAGER", "business.hours", "Mon-Fri 09:00-17:00");
    const saturday = Date.UTC(2026, 0, 10, 10, 0, 0);
    expect(bridgeText(liveSettings(onB), "en", saturday)).toBe("We are open Mon-Fri 09:00-17:00.");
    expect(onB.runtimeSettings.list().find((s) => s.key === "sla.minutes")).toMatchObject({
      value: "40",
      source: "set",
    });

    // A reset through B is seen by A.
    applySetting(onB, "U_MANAGER", "sla.minutes", null);
    expect(liveSettings(deps(a)).sla.firstReminderMs).toBe(15 * min);
  });

  it("the AI switch and a model saved in A's settings form are B's at once", () => {
    const result = saveSettingsForm(
      deps(a),
      "U_MANAGER",
      { ai: "off", settings: { "model.fast": "claude-sonnet-5-5" } },
      null,
    );
    expect(result).toEqual({ ok: true, changed: ["ai", "model.fast"] });
    expect(getAiSwitch(b)).toBe("off");
    expect(reader(b).values().models.fast).toBe("claude-sonnet-5-5");
  });
});
