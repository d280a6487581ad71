import {
  type AlertThresholds,
  rateDecisions,
  slackConfigAlertKey,
  slackConfigClearedKeys,
} from "../core/alert-rules.ts";
import {
  type AlertPost,
  type AlertState,
  alertProblem,
  alertRecovered,
  QUIET,
} from "../core/alerts.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { holdsSingleton } from "../store/singleton.ts";
import { inTransaction } from "../store/tx.ts";
import { type FigureWindows, measureAlertFigures } from "./alert-figures.ts";
import type { SlackAnnouncePayload } from "./jobs/announce.ts";

/** `ALERT_COOLDOWN_MINUTES`' default, for callers given no cool-down. */
export const DEFAULT_ALERT_COOLDOWN_MS = 30 * 60_000;

/** Where alerts go and how often a continuing one is repeated. */
export interface AlertSettings {
  channel: string;
  cooldownMs: number;
}

interface AlertRow {
  active: number;
  raised_at: number | null;
  last_sent_at: number | null;
  occurrences: number;
}

function load(db: Db, key: string): AlertState {
  const row = prepared(
    db,
    "SELECT active, raised_at, last_sent_at, occurrences FROM alerts WHERE key = ?",
  ).get(key) as AlertRow | undefined;
  if (!row) return QUIET;
  return {
    active: row.active === 1,
    raisedAt: row.raised_at,
    lastSentAt: row.last_sent_at,
    occurrences: row.occurrences,
  };
}

function save(db: Db, key: string, s: AlertState): void {
  prepared(
    db,
    `INSERT INTO alerts (key, active, raised_at, last_sent_at, occurrences) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET active = excluded.active, raised_at = excluded.raised_at,
       last_sent_at = excluded.last_sent_at, occurrences = excluded.occurrences`,
  ).run(key, s.active ? 1 : 0, s.raisedAt, s.lastSentAt, s.occurrences);
}

function post(
  db: Db,
  settings: AlertSettings,
  key: string,
  kind: AlertPost,
  text: string,
  s: AlertState,
  now: number,
) {
  if (kind === null) return;
  const line =
    kind === "raised"
      ? `🚨 ${text}`
      : kind === "ongoing"
        ? `🚨 Still happening (${s.occurrences} times since ${new Date(s.raisedAt ?? now).toISOString()}): ${text}`
        : `✅ Recovered: ${text}`;
  const payload: SlackAnnouncePayload = { channel: settings.channel, text: line };
  enqueueJob(
    db,
    { kind: "slack.announce", payload, dedupeKey: `alert:${key}:${kind}:${now}` },
    now,
  );
}

/**
 * Reports a problem under `key` (in the caller's transaction when there is one): the first of an
 * episode is posted to the alert channel at once, then at most one reminder per cool-down.
 * Returns whether a line was queued.
 */
export function raiseAlert(
  db: Db,
  settings: AlertSettings,
  key: string,
  text: string,
  now: number,
): boolean {
  return inTransaction(db, () => {
    const { post: kind, next } = alertProblem(load(db, key), now, settings.cooldownMs);
    save(db, key, next);
    post(db, settings, key, kind, text, next, now);
    return kind !== null;
  });
}

/**
 * The thing under `key` works again: posts "recovered" once if an alert was active. Returns
 * whether a line was queued.
 */
export function clearAlert(
  db: Db,
  settings: AlertSettings,
  key: string,
  text: string,
  now: number,
): boolean {
  // A primary-key read on the hot path (every accepted send); the write only when active.
  const state = load(db, key);
  if (!state.active) return false;
  return inTransaction(db, () => {
    const { post: kind, next } = alertRecovered(load(db, key));
    save(db, key, next);
    post(db, settings, key, kind, text, next, now);
    return kind !== null;
  });
}

/** The rate alerts' thresholds and windows (`ALERT_*`), as the service derives them from Config. */
export interface RateAlertSettings {
  thresholds: AlertThresholds;
  windows: FigureWindows;
}

/**
 * One evaluation of the rate alerts at `now`: measures the figures of the alerts that are on,
 * decides (`rateDecisions`, pure) and applies each decision through the episode rules: a
 * figure at its threshold raises once and reminds at most once per cool-down, one back under it
 * posts "recovered" once. Returns how many lines were queued (to wake the runner).
 */
export function evaluateRateAlerts(
  db: Db,
  settings: AlertSettings,
  rates: RateAlertSettings,
  now: number,
): number {
  const t = rates.thresholds;
  const figures = measureAlertFigures(db, now, rates.windows, {
    sends: t.sendErrorRate > 0,
    modelCalls: t.modelErrorRate > 0,
    answerLatencies: t.aiP95Ms > 0,
    escalations: t.escalationRate > 0,
  });
  let queued = 0;
  for (const d of rateDecisions(figures, t)) {
    const posted =
      d.action === "raise"
        ? raiseAlert(db, settings, d.key, d.text, now)
        : d.action === "clear" && clearAlert(db, settings, d.key, d.text, now);
    if (posted) queued++;
  }
  return queued;
}

/**
 * Evaluates the rate alerts every `intervalMs` (unref'd timer; a failure is logged and the next
 * tick tries again). Nothing runs when every rate alert is off. Returns a stop function.
 */
export function startRateAlerts(opts: {
  db: Db;
  settings: AlertSettings;
  rates: RateAlertSettings;
  intervalMs: number;
  logger: Logger;
  wake: () => void;
  now?: () => number;
}): () => void {
  const t = opts.rates.thresholds;
  if (t.sendErrorRate <= 0 && t.modelErrorRate <= 0 && t.aiP95Ms <= 0 && t.escalationRate <= 0)
    return () => {};
  const now = opts.now ?? Date.now;
  const timer = setInterval(() => {
    try {
      if (!holdsSingleton(opts.db, "rate-alerts")) return;
      if (evaluateRateAlerts(opts.db, opts.settings, opts.rates, now()) > 0) opts.wake();
    } catch (err) {
      opts.logger.error({ err }, "rate alert evaluation failed");
    }
  }, opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * What `slackCall` reports about Slack configuration errors: raised under the key that the fix
 * would clear (`slackConfigAlertKey`), never about the alert channel itself (its alert could not
 * be posted, and queuing one would only add a post that fails the same way: the error log line
 * is the signal there).
 */
export function slackConfigAlerts(db: Db, settings: AlertSettings) {
  return {
    failed(what: string, error: string, channel: string | null, now: number): void {
      if (channel !== null && channel === settings.channel) return;
      const where = channel === null ? "" : ` in channel <#${channel}> (${channel})`;
      raiseAlert(
        db,
        settings,
        slackConfigAlertKey(error, what, channel),
        `Slack refused \`${what}\`${where}: \`${error}\`. Posts there are kept and retried every few minutes until the app's setup is fixed (token, scopes, channel membership).`,
        now,
      );
    },
    succeeded(what: string, channel: string | null, now: number): void {
      for (const key of slackConfigClearedKeys(what, channel))
        clearAlert(
          db,
          settings,
          key,
          `Slack accepts \`${what}\`${channel === null ? "" : ` in <#${channel}>`} again.`,
          now,
        );
    },
  };
}
