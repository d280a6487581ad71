import {
  type AlertPost,
  type AlertState,
  alertProblem,
  alertRecovered,
  QUIET,
} from "../core/alerts.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { inTransaction } from "../store/tx.ts";
import type { SlackAnnouncePayload } from "./jobs/announce.ts";

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
 */
export function raiseAlert(
  db: Db,
  settings: AlertSettings,
  key: string,
  text: string,
  now: number,
): void {
  inTransaction(db, () => {
    const { post: kind, next } = alertProblem(load(db, key), now, settings.cooldownMs);
    save(db, key, next);
    post(db, settings, key, kind, text, next, now);
  });
}

/** The thing under `key` works again: posts "recovered" once if an alert was active. */
export function clearAlert(
  db: Db,
  settings: AlertSettings,
  key: string,
  text: string,
  now: number,
): void {
  // A primary-key read on the hot path (every accepted send); the write only when active.
  const state = load(db, key);
  if (!state.active) return;
  inTransaction(db, () => {
    const { post: kind, next } = alertRecovered(load(db, key));
    save(db, key, next);
    post(db, settings, key, kind, text, next, now);
  });
}
