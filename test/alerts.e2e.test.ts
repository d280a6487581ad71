import { afterEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { imageMessage, textMessage } from "../src/emulators/meta-webhook.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";
import { CHANNEL, slackFlow } from "./helpers/slack.ts";

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

  it("a Slack post refused with not_in_channel is alerted in the alert channel, then its recovery", async () => {
    h = await startHarness({ SLACK_ALERT_CHANNEL: ALERTS });
    h.slack.addChannel(ALERTS, { name: "ops-alerts" });
    const f = slackFlow(h);
    const lines = () => h!.slack.messages(ALERTS).map((m) => m.text ?? "");
    const root = await f.handoff();
    await f.settle();
    expect(lines()).toEqual([]);

    // Someone removed the app from the escalation channel: the mirrored message is refused.
    h.slack.setNotInChannel(CHANNEL);
    await h.meta.send(textMessage("halo, masih ada orang?"));
    await h.slack.waitFor(() => lines().length >= 1, 8000);
    expect(lines()).toEqual([
      `🚨 Slack refused \`chat.postMessage\` in channel <#${CHANNEL}> (${CHANNEL}): \`not_in_channel\`. Posts there are kept and retried every few minutes until the app's setup is fixed (token, scopes, channel membership).`,
    ]);
    // The operator retry comes again while it is still broken: no second line (cool-down).
    h.service.db.$client.exec("update jobs set run_at = 0 where state = 'pending'");
    h.service.runner.wake();
    await expect
      .poll(
        () =>
          h!.slack
            .callsTo("chat.postMessage")
            .filter((c) => c.args.channel === CHANNEL && c.response?.ok === false).length,
        { timeout: 5000 },
      )
      .toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(lines()).toHaveLength(1);

    // Fixed: the kept message is posted, and "recovered" once.
    h.slack.setNotInChannel(CHANNEL, false);
    h.service.db.$client.exec("update jobs set run_at = 0 where state = 'pending'");
    h.service.runner.wake();
    await h.slack.waitFor(() => lines().length >= 2, 8000);
    expect(lines()[1]).toBe(
      `✅ Recovered: Slack accepts \`chat.postMessage\` in <#${CHANNEL}> again.`,
    );
    expect(f.replies(root).filter((r) => r.text?.includes("masih ada orang"))).toHaveLength(1);
    await f.settle();
    expect(lines()).toHaveLength(2);
    expect(f.rows("select key, active from alerts")).toEqual([
      { key: `slack.config:channel:${CHANNEL}`, active: 0 },
    ]);
  });

  it("with the alert channel itself refused, nothing loops: the error is only logged", async () => {
    h = await startHarness({ SLACK_ALERT_CHANNEL: ALERTS });
    h.slack.addChannel(ALERTS, { name: "ops-alerts", member: false });
    const f = slackFlow(h);
    await f.handoff();
    await f.settle();
    const raise = () => f.rows<{ n: number }>("select count(*) n from alerts")[0]!.n;
    expect(raise()).toBe(0);
    // An announcement to the alert channel (a template status) is refused: logged, no alert row,
    // no new job.
    const jobs = () => f.rows<{ n: number }>("select count(*) n from jobs")[0]!.n;
    h.service.db.$client
      .prepare(
        "insert into jobs (kind, payload, state, max_attempts, run_at) values ('slack.announce', ?, 'pending', 10, 0)",
      )
      .run(JSON.stringify({ channel: ALERTS, text: "hello" }));
    const before = jobs();
    h.service.runner.wake();
    await expect
      .poll(() => h!.logs.filter((l) => l.slackError === "not_in_channel").length, {
        timeout: 5000,
      })
      .toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(raise()).toBe(0);
    expect(jobs()).toBe(before);
  });
});
