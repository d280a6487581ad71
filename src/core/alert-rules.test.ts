import { describe, expect, it } from "vitest";
import {
  type AlertFigures,
  type AlertThresholds,
  percentile,
  rateDecisions,
  slackConfigAlertKey,
  slackConfigClearedKeys,
} from "./alert-rules.ts";

const thresholds: AlertThresholds = {
  sendErrorRate: 0.2,
  modelErrorRate: 0.3,
  aiP95Ms: 15_000,
  escalationRate: 0.5,
  minVolume: 10,
  windowMinutes: 15,
  escalationWindowMinutes: 60,
};

const healthy: AlertFigures = {
  sends: { finished: 100, failed: 1 },
  modelCalls: { total: 50, failed: 0 },
  answerLatenciesMs: Array.from({ length: 40 }, (_, i) => 1000 + i * 10),
  escalations: { conversations: 30, escalated: 3 },
};

const actions = (f: AlertFigures, t = thresholds) =>
  Object.fromEntries(rateDecisions(f, t).map((d) => [d.key, d.action]));

describe("percentile (nearest rank)", () => {
  it("picks the value at ceil(p·n)", () => {
    expect(percentile([], 0.95)).toBeNull();
    expect(percentile([7], 0.95)).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(hundred, 0.95)).toBe(95);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95)).toBe(10);
    expect(percentile([3, 1, 2], 0.5)).toBe(2);
  });

  it("does not reorder its input", () => {
    const v = [3, 1, 2];
    percentile(v, 0.95);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe("rateDecisions", () => {
  it("clears everything when every figure is healthy", () => {
    expect(actions(healthy)).toEqual({
      "rate:send_errors": "clear",
      "rate:model_errors": "clear",
      "rate:ai_p95": "clear",
      "rate:escalations": "clear",
    });
  });

  it("holds below the minimum volume, however bad the rate (1 failure out of 2 pages nobody)", () => {
    const f: AlertFigures = {
      sends: { finished: 2, failed: 1 },
      modelCalls: { total: 9, failed: 9 },
      answerLatenciesMs: [60_000, 60_000],
      escalations: { conversations: 0, escalated: 0 },
    };
    expect(Object.values(actions(f))).toEqual(["hold", "hold", "hold", "hold"]);
  });

  it("raises at the threshold itself, on exactly the minimum volume", () => {
    const f: AlertFigures = {
      sends: { finished: 10, failed: 2 },
      modelCalls: { total: 10, failed: 3 },
      answerLatenciesMs: [...Array(9).fill(1000), 15_000],
      escalations: { conversations: 10, escalated: 5 },
    };
    expect(Object.values(actions(f))).toEqual(["raise", "raise", "raise", "raise"]);
  });

  it("holds inside the clear margin, clears under it", () => {
    // 19% < 20% but not under 18%: a hovering figure does not flap.
    expect(actions({ ...healthy, sends: { finished: 100, failed: 19 } })["rate:send_errors"]).toBe(
      "hold",
    );
    expect(actions({ ...healthy, sends: { finished: 100, failed: 17 } })["rate:send_errors"]).toBe(
      "clear",
    );
    const p95 = (ms: number) => [...Array(19).fill(100), ms, ms];
    expect(actions({ ...healthy, answerLatenciesMs: p95(14_000) })["rate:ai_p95"]).toBe("hold");
    expect(actions({ ...healthy, answerLatenciesMs: p95(13_000) })["rate:ai_p95"]).toBe("clear");
  });

  it("each alert is judged on its own figure", () => {
    const f = { ...healthy, modelCalls: { total: 20, failed: 15 } };
    expect(actions(f)).toEqual({
      "rate:send_errors": "clear",
      "rate:model_errors": "raise",
      "rate:ai_p95": "clear",
      "rate:escalations": "clear",
    });
  });

  it("leaves out an alert whose threshold is 0 (off)", () => {
    const off = { ...thresholds, sendErrorRate: 0, aiP95Ms: 0 };
    expect(Object.keys(actions(healthy, off))).toEqual(["rate:model_errors", "rate:escalations"]);
    expect(rateDecisions(healthy, { ...off, modelErrorRate: 0, escalationRate: 0 })).toEqual([]);
  });

  it("says the figure, the volume, the window and the variable to change", () => {
    const f: AlertFigures = {
      sends: { finished: 20, failed: 7 },
      modelCalls: { total: 12, failed: 4 },
      answerLatenciesMs: [...Array(18).fill(2000), 21_000, 21_000],
      escalations: { conversations: 12, escalated: 9 },
    };
    expect(rateDecisions(f, thresholds).map((d) => d.text)).toEqual([
      "WhatsApp send error rate 35% (7 of 20 WhatsApp sends failed in the last 15 min) reached the threshold of 20% (ALERT_SEND_ERROR_RATE).",
      "Model call error rate 33.3% (4 of 12 model calls failed in the last 15 min) reached the threshold of 30% (ALERT_MODEL_ERROR_RATE).",
      "AI answer latency 21 s (p95 of 20 answer calls in the last 15 min) reached the threshold of 15 s (ALERT_AI_P95_MS).",
      "Escalation rate 75% (9 of 12 conversations handed to a person in the last 60 min) reached the threshold of 50% (ALERT_ESCALATION_RATE).",
    ]);
    expect(rateDecisions(healthy, thresholds)[0]!.text).toBe(
      "WhatsApp send error rate back to 1% (1 of 100 WhatsApp sends failed in the last 15 min; threshold 20%).",
    );
  });

  it("a minimum volume of 0 still needs one item to judge", () => {
    const empty: AlertFigures = {
      sends: { finished: 0, failed: 0 },
      modelCalls: { total: 0, failed: 0 },
      answerLatenciesMs: [],
      escalations: { conversations: 0, escalated: 0 },
    };
    expect(Object.values(actions(empty, { ...thresholds, minVolume: 0 }))).toEqual([
      "hold",
      "hold",
      "hold",
      "hold",
    ]);
  });
});

describe("Slack configuration alert keys", () => {
  it("one key per token, per method for scopes, per channel (or call) for channels", () => {
    expect(slackConfigAlertKey("invalid_auth", "chat.postMessage", "C1")).toBe(
      "slack.config:token",
    );
    expect(slackConfigAlertKey("missing_scope", "files.uploadV2", "C1")).toBe(
      "slack.config:method:files.uploadV2",
    );
    expect(slackConfigAlertKey("not_in_channel", "chat.postMessage", "C1")).toBe(
      "slack.config:channel:C1",
    );
    expect(slackConfigAlertKey("channel_not_found", "chat.postMessage (handoff root)", null)).toBe(
      "slack.config:call:chat.postMessage (handoff root)",
    );
  });

  it("a success clears exactly what it proves fixed", () => {
    expect(slackConfigClearedKeys("chat.postMessage", "C1")).toEqual([
      "slack.config:token",
      "slack.config:method:chat.postMessage",
      "slack.config:channel:C1",
    ]);
    expect(slackConfigClearedKeys("chat.update (root)", null)).toEqual([
      "slack.config:token",
      "slack.config:method:chat.update",
      "slack.config:call:chat.update (root)",
    ]);
    // Every key a failure raises is among those its own success clears.
    for (const error of ["invalid_auth", "missing_scope", "not_in_channel"])
      for (const channel of ["C1", null])
        expect(slackConfigClearedKeys("chat.postMessage (x)", channel)).toContain(
          slackConfigAlertKey(error, "chat.postMessage (x)", channel),
        );
  });
});
