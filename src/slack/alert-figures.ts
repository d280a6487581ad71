import type { AlertFigures } from "../core/alert-rules.ts";
import { OPTED_OUT_REASON } from "../core/opt-out.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";

/**
 * The measuring queries (exported for the test of their query plans). The escalation query
 * reads the hour's messages by time (INDEXED BY: for the DISTINCT, SQLite otherwise prefers
 * walking `messages_conversation_idx`, the whole table) and then each distinct conversation once
 * by primary key (CROSS JOIN: SQLite does not reorder it).
 */
export const FIGURE_SQL = {
  sends: `SELECT count(*) AS finished, coalesce(sum(status = 'failed'), 0) AS failed
   FROM messages
   WHERE created_at >= ? AND direction = 'out' AND status_at >= ?
     AND status NOT IN ('queued', 'sending')
     AND (status <> 'failed' OR error_detail IS NOT ?)`,
  modelCalls:
    "SELECT outcome <> 'ok', purpose = 'answer', latency_ms FROM ai_calls WHERE created_at >= ?",
  escalations: `SELECT count(*) AS conversations, coalesce(sum(c.handoff_at >= @hour), 0) AS escalated
   FROM (SELECT DISTINCT conversation_id AS id FROM messages INDEXED BY messages_created_idx
         WHERE created_at >= @hour AND direction = 'in' AND status <> 'group') m
   CROSS JOIN conversations c
   WHERE c.id = m.id AND NOT (c.state IN ('escalated', 'agent') AND c.handoff_at < @hour)`,
} as const;

/** The sliding windows the figures are measured over. */
export interface FigureWindows {
  /** Error rates and the p95 (`ALERT_WINDOW_MINUTES`). */
  windowMs: number;
  /** The escalation rate (one hour). */
  escalationWindowMs: number;
  /**
   * How long before the window a send that finished in it may have been queued: our `send` job
   * decides within its retry budget (`JOB_RETRY_BUDGET_MS`) of its first failure. The query
   * reads the messages created since `now - windowMs - sendLookbackMs` (an index range on
   * `messages_created_idx`) and keeps those whose outcome was recorded in the window.
   */
  sendLookbackMs: number;
}

/** Which figures to measure: the ones whose alert is off are not read at all. */
export interface FiguresWanted {
  sends: boolean;
  modelCalls: boolean;
  answerLatencies: boolean;
  escalations: boolean;
}

/**
 * Measures the alert figures at `now`. Runs on the service's event loop once a minute, so every
 * query is an index range bounded by time (never the history): `messages_created_idx` for the
 * sends and the conversations a customer wrote in, `ai_calls_created_cost_idx` for the model
 * calls, each followed by a read of the rows in range (status, outcome, latency are not in the
 * indexes). The cost grows with the traffic of the window only: see the report in
 * `src/slack/alert-figures.test.ts`.
 *
 * - Sends: outbound messages whose outcome (accepted, sent, delivered, read, failed) was recorded
 *   in the window, and which of them failed. A send we refused because the customer opted out
 *   is not a failure of sending and counts in neither. A `failed` status webhook for a message
 *   older than the lookback is not seen (Meta reports most within seconds).
 * - Model calls: every `ai_calls` row of the window; failed = outcome other than `ok` (error,
 *   refusal, max_tokens, malformed). Answer latencies: the `answer` calls, failed ones too (a
 *   timeout is the slowest answer of all).
 * - Escalations: conversations with a customer message (not a group message) in the hour,
 *   leaving out those a person already had before the hour (handed off earlier and still
 *   `escalated` or `agent`: the AI did not face them); escalated = handed off within the hour.
 */
export function measureAlertFigures(
  db: Db,
  now: number,
  w: FigureWindows,
  wanted: FiguresWanted = {
    sends: true,
    modelCalls: true,
    answerLatencies: true,
    escalations: true,
  },
): AlertFigures {
  const since = now - w.windowMs;
  const sends = wanted.sends
    ? (prepared(db, FIGURE_SQL.sends).get(since - w.sendLookbackMs, since, OPTED_OUT_REASON) as {
        finished: number;
        failed: number;
      })
    : { finished: 0, failed: 0 };

  let modelCalls = { total: 0, failed: 0 };
  const answerLatenciesMs: number[] = [];
  if (wanted.modelCalls || wanted.answerLatencies) {
    const rows = prepared(db, FIGURE_SQL.modelCalls).raw(true).all(since) as [
      number,
      number,
      number,
    ][];
    let failed = 0;
    for (const [bad, answer, latency] of rows) {
      failed += bad;
      if (answer) answerLatenciesMs.push(latency);
    }
    modelCalls = { total: rows.length, failed };
  }

  const hour = now - w.escalationWindowMs;
  const escalations = wanted.escalations
    ? (prepared(db, FIGURE_SQL.escalations).get({ hour }) as {
        conversations: number;
        escalated: number;
      })
    : { conversations: 0, escalated: 0 };

  return { sends, modelCalls, answerLatenciesMs, escalations };
}
