import { getAiSwitch } from "../ai/kill-switch.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import type { HomeInput, HomeQueueItem } from "./blocks/index.ts";

const DAY = 24 * 60 * 60 * 1000;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The figures and open queue for the managers' Home tab, computed from the database.
 *
 * It runs on the service's only event loop (webhooks wait meanwhile), so every query reads an
 * index range bounded by time or by the open queue, never the whole history: see the indexes of
 * db/migrations/0006 (conversations_created_idx, slack_threads_created_idx,
 * ai_calls_created_cost_idx, messages_created_idx, conversations_queue_idx) and bench/home.ts.
 */
export function homeInput(db: Db, now: number, timezoneOffsetMs = 0): HomeInput {
  // Cached per connection: compiling the statements again on every view cost more than running
  // most of them.
  const q = <T>(sql: string, ...params: unknown[]) => prepared(db, sql).all(...params) as T[];
  const one = <T>(sql: string, ...params: unknown[]) => prepared(db, sql).get(...params) as T;
  const weekAgo = now - 7 * DAY;
  // "Today" in the business's timezone, not UTC.
  const startOfDay = Math.floor((now + timezoneOffsetMs) / DAY) * DAY - timezoneOffsetMs;

  const conv = one<{ total: number; escalated: number | null }>(
    "SELECT count(*) AS total, sum(handoff_at IS NOT NULL) AS escalated FROM conversations WHERE created_at >= ?",
    weekAgo,
  );
  const responses = q<{ ms: number }>(
    `SELECT first_human_reply_at - created_at AS ms FROM slack_threads
     WHERE first_human_reply_at IS NOT NULL AND created_at >= ?`,
    weekAgo,
  ).map((r) => r.ms);
  const cost = (since: number) =>
    one<{ usd: number | null }>(
      "SELECT sum(cost_usd) AS usd FROM ai_calls WHERE created_at >= ?",
      since,
    ).usd ?? 0;
  const messagesToday = one<{ n: number }>(
    "SELECT count(*) AS n FROM messages WHERE created_at >= ?",
    startOfDay,
  ).n;
  const queueRows = q<{
    conversationId: number;
    customerName: string | null;
    phone: string | null;
    state: "escalated" | "agent";
    agentName: string | null;
    waitingSince: number | null;
    channel: string | null;
    rootTs: string | null;
  }>(
    `SELECT c.id AS conversationId, k.profile_name AS customerName, k.wa_id AS phone, c.state,
            t.agent_name AS agentName, t.customer_waiting_since AS waitingSince, t.channel, t.root_ts AS rootTs
     FROM conversations c JOIN contacts k ON k.id = c.contact_id
     LEFT JOIN slack_threads t ON t.conversation_id = c.id
     WHERE c.state IN ('escalated', 'agent')
     ORDER BY coalesce(t.customer_waiting_since, c.updated_at)`,
  );
  const queue: HomeQueueItem[] = queueRows.map((r) => ({
    conversationId: r.conversationId,
    customerName: r.customerName,
    phone: r.phone,
    state: r.state,
    agentName: r.agentName,
    waitingSince: r.waitingSince,
    thread: r.channel && r.rootTs ? { channel: r.channel, ts: r.rootTs } : null,
  }));
  return {
    aiEnabled: getAiSwitch(db) === "on",
    escalationRate: conv.total > 0 ? (conv.escalated ?? 0) / conv.total : null,
    escalationPeriod: "last 7 days",
    medianFirstResponseMs: median(responses),
    costTodayUsd: cost(startOfDay),
    costWeekUsd: cost(weekAgo),
    messagesToday,
    queue: queue.slice(0, 20),
    queueTotal: queue.length,
    now,
  };
}
