import { afterEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import { slashCommand } from "../src/emulators/slack-requests.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

// Runtime settings from Slack: a manager's /jembatan set changes the model and the handoff
// threshold for the very next turn, with no restart; bad values and other users are refused.

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;
afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
});

// A different question each time: the answer cache would serve a repeated one without a call.
const QUESTIONS = [
  "Apakah kalian menjual suku cadang traktor Zetor tahun 1975?",
  "Bisa pesan karpet ukuran 7 x 9 meter dengan motif bunga?",
  "Apakah ada layanan servis untuk mesin jahit kuno merek Singer?",
  "Bisakah saya sewa gudang kalian selama dua minggu untuk acara?",
];
let asked = 0;

describe("runtime settings", () => {
  it("a model swap and a new threshold apply to the next turn without a restart", async () => {
    emu = await startAnthropicEmulator();
    emu.respond(() =>
      decision("Maaf Kak, kami tidak menjual suku cadang traktor.", { confidence: 0.8 }),
    );
    h = await startHarness({ ANTHROPIC_API_KEY: emu.apiKey, ANTHROPIC_BASE_URL: emu.url });
    h.slack.addUser("U0OTHER", { name: "other" });
    const f = slackFlow(h);
    const command = async (text: string, user = AGENT) =>
      (
        (
          await f.request(
            slashCommand({ command: "/jembatan", text, userId: user, channelId: CHANNEL }),
          )
        ).body as { text: string }
      ).text;
    const models = () => emu!.requests.map((r) => (r.body as { model: string }).model);
    const ask = async (from: string) => {
      const before = emu!.requests.length;
      const question = QUESTIONS[asked++]!;
      expect((await h!.meta.send(textMessage(question, { from }))).status).toBe(200);
      await expect.poll(() => emu!.requests.length, { timeout: 8000 }).toBeGreaterThan(before);
      await f.settle();
    };

    expect(await command("settings")).toContain(
      "`model.fast` = `claude-haiku-5-5` (environment default)",
    );
    await ask("6281200000011");
    expect(models().at(-1)).toBe("claude-haiku-5-5");

    // Refused: not a manager, an unknown key, a model not in the choices, a bad number.
    expect(await command("set model.fast claude-haiku-4-5", "U0OTHER")).toContain("Only managers");
    expect(await command("set model.fast gpt-9")).toContain("must be one of");
    expect(await command("set ai.threshold 2")).toContain("from 0 to 1");
    expect(await command("set colour blue")).toContain("Unknown setting");
    expect(f.rows("select * from audit_log")).toEqual([]);

    expect(await command("set model.fast claude-haiku-4-5")).toContain("is now `claude-haiku-4-5`");
    await ask("6281200000012");
    expect(models().at(-1)).toBe("claude-haiku-4-5");

    // A threshold above the model's confidence (0.8): the next answer is handed to a person.
    expect(await command("set ai.threshold 0.9")).toContain("is now `0.9`");
    await ask("6281200000013");
    expect(f.rows("select handoff_reason from conversations order by id desc limit 1")).toEqual([
      { handoff_reason: "low_confidence" },
    ]);

    // Reset: back to the environment's default, for the next turn.
    expect(await command("reset model.fast")).toContain("(environment default)");
    await ask("6281200000014");
    expect(models().at(-1)).toBe("claude-haiku-5-5");
    expect(f.rows("select actor, action, old_value, new_value from audit_log order by id")).toEqual(
      [
        {
          actor: AGENT,
          action: "model.fast",
          old_value: "claude-haiku-5-5",
          new_value: "claude-haiku-4-5",
        },
        { actor: AGENT, action: "ai.threshold", old_value: "0.6", new_value: "0.9" },
        {
          actor: AGENT,
          action: "model.fast",
          old_value: "claude-haiku-4-5",
          new_value: "(environment default)",
        },
      ],
    );
  });

  it("business hours and SLA minutes from /jembatan: values with spaces, refusals, no-ops", async () => {
    h = await startHarness({ BUSINESS_HOURS: "Mon-Fri 08:00-16:00" });
    h.slack.addUser("U0OTHER", { name: "other" });
    const f = slackFlow(h);
    const command = async (text: string, user = AGENT) =>
      (
        (
          await f.request(
            slashCommand({ command: "/jembatan", text, userId: user, channelId: CHANNEL }),
          )
        ).body as { text: string }
      ).text;

    const listed = await command("settings");
    expect(listed).toContain("`business.hours` = `Mon-Fri 08:00-16:00` (environment default)");
    expect(listed).toContain("`sla.minutes` = `15` (environment default)");

    expect(await command("set sla.minutes 30", "U0OTHER")).toContain("Only managers");
    expect(await command("set sla.minutes 0")).toContain("from 1 to 1440");
    expect(await command("set sla.minutes 2.5")).toContain("from 1 to 1440");
    expect(await command("set business.hours Mon-Fri")).toContain("business.hours");
    expect(await command("set business.hours Mon-Fri 17:00-09:00")).toContain(
      "closing time must be after",
    );
    expect(f.rows("select * from audit_log")).toEqual([]);
    expect(f.rows("select * from settings")).toEqual([]);

    // The whole rest of the line is the value, tidied (the customer reads it).
    expect(await command("set business.hours  sat , sun  9:00 - 13:00")).toContain(
      "is now `Sat,Sun 09:00-13:00`",
    );
    expect(await command("set sla.minutes 30")).toContain("is now `30`");
    expect(await command("set sla.minutes 030")).toContain("nothing changed");
    expect(await command("set business.hours always")).toContain("is now `always`");
    expect(await command("reset sla.minutes")).toContain("(environment default)");
    expect(await command("reset sla.minutes")).toContain("nothing changed");
    expect(f.rows("select action, old_value, new_value from audit_log order by id")).toEqual([
      {
        action: "business.hours",
        old_value: "Mon-Fri 08:00-16:00",
        new_value: "Sat,Sun 09:00-13:00",
      },
      { action: "sla.minutes", old_value: "15", new_value: "30" },
      { action: "business.hours", old_value: "Sat,Sun 09:00-13:00", new_value: "always" },
      { action: "sla.minutes", old_value: "30", new_value: "(environment default)" },
    ]);
  });
});
