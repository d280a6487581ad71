import { afterEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { imageMessage, textMessage } from "../src/emulators/meta-webhook.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";
import { slackFlow } from "./helpers/slack.ts";

// Operator alerts in the alert channel, through the real service: WhatsApp refusing sends with
// an expired token (190) raises one alert, the next accepted send posts "recovered"; a dead job
// raises one per kind.

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;
afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
});

const ALERTS = "C0ALERTS";

describe("operator alerts", () => {
  it("an expired WhatsApp token is announced once, and its recovery once", async () => {
    emu = await startAnthropicEmulator();
    emu.respond(() => decision("Toko kami buka Senin-Sabtu 09.00-21.00 WIB, Kak."));
    h = await startHarness({
      ANTHROPIC_API_KEY: emu.apiKey,
      ANTHROPIC_BASE_URL: emu.url,
      SLACK_ALERT_CHANNEL: ALERTS,
    });
    h.slack.addChannel(ALERTS, { name: "ops-alerts" });
    const f = slackFlow(h);
    const lines = () => h!.slack.messages(ALERTS).map((m) => m.text ?? "");

    // Two customers' answers are refused with 190: one alert, not two.
    // Four refusals: each customer's read receipt and answer (receipts are not alerted on).
    h.graph.failNext({ route: "messages", httpStatus: 401, code: 190 }, 4);
    await h.meta.send(
      textMessage("Apakah kalian menjual suku cadang traktor Zetor?", { from: "6281200000021" }),
    );
    await h.meta.send(
      textMessage("Bisa pesan karpet ukuran 7 x 9 meter?", { from: "6281200000022" }),
    );
    await h.slack.waitFor(() => lines().length >= 1, 8000);
    await expect
      .poll(
        () =>
          f.rows("select count(*) n from messages where direction = 'out' and status = 'queued'"),
        {
          timeout: 8000,
        },
      )
      .toEqual([{ n: 2 }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/^🚨 WhatsApp refuses sends \(code 190/);

    // A third customer's answer is accepted: recovered, once.
    await h.meta.send(
      textMessage("Ada layanan servis mesin jahit Singer?", { from: "6281200000023" }),
    );
    await h.slack.waitFor(() => lines().length === 2, 8000);
    expect(lines()[1]).toBe("✅ Recovered: WhatsApp accepts sends again.");
    expect(f.rows("select key, active from alerts")).toEqual([
      { key: "whatsapp.account", active: 0 },
    ]);
  });

  it("a dead job is announced, one line per kind and cool-down", async () => {
    h = await startHarness({
      SLACK_ALERT_CHANNEL: ALERTS,
      JOB_RETRY_BUDGET_MS: "300",
      JOB_BACKOFF_MAX_MS: "50",
    });
    h.slack.addChannel(ALERTS, { name: "ops-alerts" });
    const lines = () => h!.slack.messages(ALERTS).map((m) => m.text ?? "");
    // Customers' photos cannot be downloaded: their AI turns die (and go to a person).
    h.graph.failNext({ route: "media", httpStatus: 500 }, 10_000);
    await h.meta.send(imageMessage({ caption: "ini rusak", from: "6281200000031" }));
    await h.meta.send(imageMessage({ caption: "ini juga", from: "6281200000032" }));
    await h.slack.waitFor(() => lines().length >= 1, 10_000);
    await expect
      .poll(
        () =>
          slackFlow(h!).rows("select count(*) n from jobs where kind = 'turn' and state = 'dead'"),
        {
          timeout: 10_000,
        },
      )
      .toEqual([{ n: 2 }]);
    await new Promise((r) => setTimeout(r, 300));
    expect(lines().filter((l) => l.includes("`turn` job was given up"))).toHaveLength(1);
  });
});
