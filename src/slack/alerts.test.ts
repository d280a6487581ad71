import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertThresholds } from "../core/alert-rules.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { seedAiCall, seedConversation, seedMessage } from "./alert-testing.ts";
import {
  clearAlert,
  evaluateRateAlerts,
  type RateAlertSettings,
  raiseAlert,
  slackConfigAlerts,
} from "./alerts.ts";

// The alert shell on a real SQLite file with the real migrations and a controlled clock.
let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const settings = { channel: "C0ALERTS", cooldownMs: 30 * 60_000 };
const posted = () =>
  (
    t.db.$client
      .prepare("SELECT payload FROM jobs WHERE kind = 'slack.announce' ORDER BY id")
      .all() as {
      payload: string;
    }[]
  ).map((r) => JSON.parse(r.payload) as { channel: string; text: string });

describe("raiseAlert / clearAlert", () => {
  it("posts once, repeats after the cool-down, recovers once", () => {
    const MIN = 60_000;
    raiseAlert(t.db, settings, "whatsapp.account", "token expired (190)", 0);
    raiseAlert(t.db, settings, "whatsapp.account", "token expired (190)", 5 * MIN);
    expect(posted()).toEqual([{ channel: "C0ALERTS", text: "🚨 token expired (190)" }]);
    raiseAlert(t.db, settings, "whatsapp.account", "token expired (190)", 31 * MIN);
    expect(posted().at(-1)!.text).toMatch(
      /^🚨 Still happening \(3 times since 1970-01-01T00:00:00.000Z\)/,
    );
    clearAlert(t.db, settings, "whatsapp.account", "WhatsApp accepts sends again", 40 * MIN);
    clearAlert(t.db, settings, "whatsapp.account", "WhatsApp accepts sends again", 41 * MIN);
    expect(posted().map((p) => p.text)).toHaveLength(3);
    expect(posted().at(-1)!.text).toBe("✅ Recovered: WhatsApp accepts sends again");
    // Keys are separate.
    raiseAlert(t.db, settings, "dead:send", "a send job died", 42 * MIN);
    expect(posted()).toHaveLength(4);
  });

  it("clearing what was never raised writes nothing", () => {
    clearAlert(t.db, settings, "slack.config", "ok", 1);
    expect(posted()).toEqual([]);
    expect(t.db.$client.prepare("SELECT count(*) n FROM alerts").get()).toEqual({ n: 0 });
  });
});

describe("rate alerts on a controlled clock (real database, rows at known times)", () => {
  const MIN = 60_000;
  const T0 = 1_800_000_000_000;
  const thresholds: AlertThresholds = {
    sendErrorRate: 0.2,
    modelErrorRate: 0.3,
    aiP95Ms: 15_000,
    escalationRate: 0.5,
    minVolume: 10,
    windowMinutes: 15,
    escalationWindowMinutes: 60,
  };
  const rates: RateAlertSettings = {
    thresholds,
    windows: { windowMs: 15 * MIN, escalationWindowMs: 60 * MIN, sendLookbackMs: 15 * MIN },
  };
  const texts = () => posted().map((p) => p.text);
  const calls = (at: number, n: number, outcome: string, latencyMs = 1000) => {
    for (let i = 0; i < n; i++) seedAiCall(t.db, { createdAt: at, outcome, latencyMs });
  };

  it("below the minimum volume nothing is posted, however bad the rate", () => {
    calls(T0 - MIN, 9, "error");
    expect(evaluateRateAlerts(t.db, settings, rates, T0)).toBe(0);
    expect(posted()).toEqual([]);
    expect(t.db.$client.prepare("SELECT count(*) n FROM alerts").get()).toEqual({ n: 0 });
  });

  it("raised once, quiet within the cool-down, one reminder after it, recovered once", () => {
    // 10 of 10 model calls failed in the window.
    calls(T0 - MIN, 10, "error");
    evaluateRateAlerts(t.db, settings, rates, T0);
    expect(texts()).toEqual([
      "🚨 Model call error rate 100% (10 of 10 model calls failed in the last 15 min) reached the threshold of 30% (ALERT_MODEL_ERROR_RATE).",
    ]);
    // Still failing, evaluated every minute within the cool-down: nothing more.
    for (let m = 1; m < 30; m++) {
      calls(T0 + m * MIN - 1, 1, "error");
      evaluateRateAlerts(t.db, settings, rates, T0 + m * MIN);
    }
    expect(posted()).toHaveLength(1);
    // After the cool-down: one reminder with the current figure.
    calls(T0 + 30 * MIN - 1, 1, "error");
    evaluateRateAlerts(t.db, settings, rates, T0 + 30 * MIN);
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toMatch(
      /^🚨 Still happening \(31 times since 2027-01-15T08:00:00.000Z\): Model call error rate 100% \(15 of 15 model calls/,
    );
    evaluateRateAlerts(t.db, settings, rates, T0 + 31 * MIN);
    expect(texts()).toHaveLength(2);
    // The model answers again: once the window holds enough good calls the rate falls under
    // the threshold's margin, and "recovered" is posted once.
    calls(T0 + 40 * MIN, 40, "ok");
    evaluateRateAlerts(t.db, settings, rates, T0 + 40 * MIN);
    evaluateRateAlerts(t.db, settings, rates, T0 + 41 * MIN);
    expect(texts()).toHaveLength(3);
    expect(texts()[2]).toMatch(/^✅ Recovered: Model call error rate back to \d/);
    expect(t.db.$client.prepare("SELECT key, active FROM alerts").all()).toEqual([
      { key: "rate:model_errors", active: 0 },
    ]);
  });

  it("a figure hovering just under the threshold neither recovers nor repeats", () => {
    calls(T0 - MIN, 10, "error");
    calls(T0 - MIN, 20, "ok"); // 10/30 = 33%: raised
    evaluateRateAlerts(t.db, settings, rates, T0);
    calls(T0, 4, "ok"); // 10/34 = 29.4%: under 30% but not under 27%
    evaluateRateAlerts(t.db, settings, rates, T0 + MIN);
    // Ten minutes on, the window still holds the same calls: still inside the margin.
    evaluateRateAlerts(t.db, settings, rates, T0 + 10 * MIN);
    expect(posted()).toHaveLength(1);
  });

  it("each alert is independent: sends, p95 and escalations raise and clear on their own", () => {
    const conv = seedConversation(t.db);
    for (let i = 0; i < 10; i++)
      seedMessage(t.db, {
        conversationId: conv,
        direction: "out",
        status: i < 3 ? "failed" : "delivered",
        createdAt: T0 - 2 * MIN,
      });
    calls(T0 - MIN, 10, "ok", 16_000); // slow but fine
    for (let i = 0; i < 10; i++) {
      const c = seedConversation(t.db, {
        state: i < 6 ? "escalated" : "bot",
        handoffAt: i < 6 ? T0 - 10 * MIN : null,
      });
      seedMessage(t.db, {
        conversationId: c,
        direction: "in",
        status: "handled",
        createdAt: T0 - 11 * MIN,
      });
    }
    evaluateRateAlerts(t.db, settings, rates, T0);
    expect(texts().map((x) => x.split(" (")[0])).toEqual([
      "🚨 WhatsApp send error rate 30%",
      "🚨 AI answer latency 16 s",
      "🚨 Escalation rate 60%",
    ]);
    // Fast answers now: only the p95 recovers (the slow calls left the 15-minute window).
    calls(T0 + 16 * MIN, 10, "ok", 900);
    evaluateRateAlerts(t.db, settings, rates, T0 + 16 * MIN);
    expect(texts()).toHaveLength(4);
    expect(texts()[3]).toBe(
      "✅ Recovered: AI answer latency back to 0.9 s (p95 of 10 answer calls in the last 15 min; threshold 15 s).",
    );
    // The sends' window passed with nothing new: too little volume to judge, it stays raised
    // without a word; the escalation hour still holds its figure (within the cool-down: quiet).
    expect(t.db.$client.prepare("SELECT key, active FROM alerts ORDER BY key").all()).toEqual([
      { key: "rate:ai_p95", active: 0 },
      { key: "rate:escalations", active: 1 },
      { key: "rate:send_errors", active: 1 },
    ]);
  });

  it("an alert that is off (threshold 0) is neither measured nor posted", () => {
    calls(T0 - MIN, 10, "error");
    const off = { ...rates, thresholds: { ...thresholds, modelErrorRate: 0 } };
    expect(evaluateRateAlerts(t.db, settings, off, T0)).toBe(0);
    expect(posted()).toEqual([]);
  });
});

describe("Slack configuration alerts", () => {
  const MIN = 60_000;
  const alerts = () => slackConfigAlerts(t.db, settings);

  it("raises per channel naming the error, recovers on the next success there only", () => {
    alerts().failed("chat.postMessage", "not_in_channel", "C0SALES", 0);
    alerts().failed("chat.postMessage", "not_in_channel", "C0SALES", 1 * MIN);
    expect(posted()).toEqual([
      {
        channel: "C0ALERTS",
        text: "🚨 Slack refused `chat.postMessage` in channel <#C0SALES> (C0SALES): `not_in_channel`. Posts there are kept and retried every few minutes until the app's setup is fixed (token, scopes, channel membership).",
      },
    ]);
    // A success in another channel proves nothing about this one.
    alerts().succeeded("chat.postMessage", "C0OTHER", 2 * MIN);
    expect(posted()).toHaveLength(1);
    alerts().succeeded("conversations.replies", "C0SALES", 3 * MIN);
    alerts().succeeded("chat.postMessage", "C0SALES", 4 * MIN);
    expect(posted().map((p) => p.text)).toEqual([
      expect.stringMatching(/^🚨/),
      "✅ Recovered: Slack accepts `conversations.replies` in <#C0SALES> again.",
    ]);
  });

  it("never alerts about the alert channel itself (the alert could not be posted there)", () => {
    alerts().failed("chat.postMessage", "not_in_channel", "C0ALERTS", 0);
    alerts().failed("chat.postMessage", "is_archived", "C0ALERTS", 40 * MIN);
    expect(posted()).toEqual([]);
    expect(t.db.$client.prepare("SELECT count(*) n FROM alerts").get()).toEqual({ n: 0 });
  });

  it("a token error is one alert whatever the call; any success clears it", () => {
    alerts().failed("chat.postMessage", "invalid_auth", "C0SALES", 0);
    alerts().failed("chat.update (root)", "invalid_auth", null, 1);
    expect(posted()).toHaveLength(1);
    alerts().succeeded("reactions.add", "C0X", 2);
    expect(posted().at(-1)!.text).toBe(
      "✅ Recovered: Slack accepts `reactions.add` in <#C0X> again.",
    );
  });
});
