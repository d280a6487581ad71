/**
 * Which operator alerts the measured figures call for: the send and model-call error rates, the
 * AI answer's p95 latency and the escalation rate. Pure: the shell (`src/slack/alert-figures.ts`)
 * measures, this decides, and the episode rules of `src/core/alerts.ts` (raise once, a reminder
 * at most once per cool-down, "recovered" once) decide what is posted.
 */

/** The figures over the sliding windows, as measured from the database. */
export interface AlertFigures {
  /** Outbound messages whose outcome was decided in the window, and how many of them failed. */
  sends: { finished: number; failed: number };
  /** Model calls made in the window, and how many did not end `ok`. */
  modelCalls: { total: number; failed: number };
  /** Latencies (ms) of the model calls made in the window to answer a customer, in any order. */
  answerLatenciesMs: readonly number[];
  /**
   * Conversations the AI faced in the escalation window (a customer wrote, and no person already
   * had it), and how many of them were handed to a person in that window.
   */
  escalations: { conversations: number; escalated: number };
}

/** Thresholds (`ALERT_*`); `0` turns that alert off. */
export interface AlertThresholds {
  /** Failed share of finished sends, 0..1. */
  sendErrorRate: number;
  /** Failed share of model calls, 0..1. */
  modelErrorRate: number;
  /** p95 of the answer calls' latency, ms. */
  aiP95Ms: number;
  /** Escalated share of the conversations the AI faced, 0..1. */
  escalationRate: number;
  /** The least count (sends, calls, answers, conversations) a figure is judged on. */
  minVolume: number;
  /** The window of the error rates and the p95, for the text. */
  windowMinutes: number;
  /** The window of the escalation rate, for the text. */
  escalationWindowMinutes: number;
}

/** One alert per figure; the key of its row in `alerts`. */
export type RateAlertKey =
  | "rate:send_errors"
  | "rate:model_errors"
  | "rate:ai_p95"
  | "rate:escalations";

/**
 * `raise`: the figure reached its threshold on enough volume. `clear`: it is back under the
 * threshold by the margin (posts "recovered" only if the alert was raised). `hold`: too little
 * volume to judge, or inside the margin: nothing changes, no reminder either.
 */
export interface RateDecision {
  key: RateAlertKey;
  action: "raise" | "clear" | "hold";
  text: string;
}

/**
 * A raised alert clears only when its figure falls under this share of the threshold (a 20%
 * send error threshold clears under 18%): a figure hovering at the threshold would otherwise
 * post "raised" and "recovered" by turns on every evaluation.
 */
export const CLEAR_MARGIN = 0.9;

/** Nearest-rank percentile (`p` in 0..1) of `values`; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1]!;
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;

function judge(
  value: number | null,
  threshold: number,
  volume: number,
  minVolume: number,
): RateDecision["action"] {
  if (value === null || volume < minVolume) return "hold";
  if (value >= threshold) return "raise";
  if (value < threshold * CLEAR_MARGIN) return "clear";
  return "hold";
}

/**
 * The decision for each alert that is on (threshold > 0), in a fixed order. A figure is judged
 * only on at least `minVolume` items, so one failure out of two pages nobody; with less, an
 * alert that is raised stays raised (silently) until there is enough to say it recovered.
 */
export function rateDecisions(f: AlertFigures, t: AlertThresholds): RateDecision[] {
  const out: RateDecision[] = [];
  const min = Math.max(1, t.minVolume);
  const win = `the last ${t.windowMinutes} min`;
  if (t.sendErrorRate > 0) {
    const { finished, failed } = f.sends;
    const rate = finished > 0 ? failed / finished : null;
    const action = judge(rate, t.sendErrorRate, finished, min);
    const figure = `${failed} of ${finished} WhatsApp sends failed in ${win}`;
    out.push({
      key: "rate:send_errors",
      action,
      text:
        action === "clear"
          ? `WhatsApp send error rate back to ${pct(rate ?? 0)} (${figure}; threshold ${pct(t.sendErrorRate)}).`
          : `WhatsApp send error rate ${pct(rate ?? 0)} (${figure}) reached the threshold of ${pct(t.sendErrorRate)} (ALERT_SEND_ERROR_RATE).`,
    });
  }
  if (t.modelErrorRate > 0) {
    const { total, failed } = f.modelCalls;
    const rate = total > 0 ? failed / total : null;
    const action = judge(rate, t.modelErrorRate, total, min);
    const figure = `${failed} of ${total} model calls failed in ${win}`;
    out.push({
      key: "rate:model_errors",
      action,
      text:
        action === "clear"
          ? `Model call error rate back to ${pct(rate ?? 0)} (${figure}; threshold ${pct(t.modelErrorRate)}).`
          : `Model call error rate ${pct(rate ?? 0)} (${figure}) reached the threshold of ${pct(t.modelErrorRate)} (ALERT_MODEL_ERROR_RATE).`,
    });
  }
  if (t.aiP95Ms > 0) {
    const n = f.answerLatenciesMs.length;
    const p95 = percentile(f.answerLatenciesMs, 0.95);
    const action = judge(p95, t.aiP95Ms, n, min);
    const figure = `p95 of ${n} answer calls in ${win}`;
    out.push({
      key: "rate:ai_p95",
      action,
      text:
        action === "clear"
          ? `AI answer latency back to ${secs(p95 ?? 0)} (${figure}; threshold ${secs(t.aiP95Ms)}).`
          : `AI answer latency ${secs(p95 ?? 0)} (${figure}) reached the threshold of ${secs(t.aiP95Ms)} (ALERT_AI_P95_MS).`,
    });
  }
  if (t.escalationRate > 0) {
    const { conversations, escalated } = f.escalations;
    const rate = conversations > 0 ? escalated / conversations : null;
    const action = judge(rate, t.escalationRate, conversations, min);
    const figure = `${escalated} of ${conversations} conversations handed to a person in the last ${t.escalationWindowMinutes} min`;
    out.push({
      key: "rate:escalations",
      action,
      text:
        action === "clear"
          ? `Escalation rate back to ${pct(rate ?? 0)} (${figure}; threshold ${pct(t.escalationRate)}).`
          : `Escalation rate ${pct(rate ?? 0)} (${figure}) reached the threshold of ${pct(t.escalationRate)} (ALERT_ESCALATION_RATE).`,
    });
  }
  return out;
}

/** Slack errors that hold for the whole token, whichever call or channel. */
const TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "team_access_not_granted",
  "ekm_access_denied",
]);
/** Slack errors that hold for one method (a scope the app lacks), in every channel. */
const SCOPE_ERRORS = new Set(["missing_scope", "no_permission"]);

/** The Web API method of a call label such as `chat.postMessage (handoff root)`. */
export function slackMethod(what: string): string {
  return what.split(" ", 1)[0] ?? what;
}

/**
 * The alert key of a Slack configuration error, chosen so that the success that proves it fixed
 * clears it and nothing else does (a success elsewhere would otherwise post "recovered" and the
 * next failure "raised" by turns): a token error is one alert (any successful call clears it), a
 * scope error is per method (that method succeeding clears it), a channel error
 * (not_in_channel, channel_not_found, is_archived) is per channel (any successful call there
 * clears it), or per call label when the caller did not name the channel. `what` is the call's
 * label (`chat.postMessage (handoff root)`).
 */
export function slackConfigAlertKey(error: string, what: string, channel: string | null): string {
  if (TOKEN_ERRORS.has(error)) return "slack.config:token";
  if (SCOPE_ERRORS.has(error)) return `slack.config:method:${slackMethod(what)}`;
  if (channel === null) return `slack.config:call:${what}`;
  return `slack.config:channel:${channel}`;
}

/** The keys a successful call labelled `what` (in `channel`, when known) proves fixed. */
export function slackConfigClearedKeys(what: string, channel: string | null): string[] {
  return [
    "slack.config:token",
    `slack.config:method:${slackMethod(what)}`,
    channel === null ? `slack.config:call:${what}` : `slack.config:channel:${channel}`,
  ];
}
