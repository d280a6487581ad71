import { getAiSwitch } from "../ai/kill-switch.ts";
import { businessDaysAgo } from "../core/business-day.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { csatFigures } from "../store/repositories/csat.ts";
import type { AgentLoad, HomeInput, HomeQueueItem } from "./blocks/home.ts";
import { binnedPercentile, median } from "./home/figures.ts";
import { type QueueRow, queuePage } from "./home/queue.ts";
import { DEFAULT_HOME_STATE, type HomeState, RANGE_DAYS } from "./home/state.ts";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Days of the escalation trend's sparkline. */
export const TREND_DAYS = 14;

/** What the figures depend on besides the database. */
export interface HomeOptions {
  /** Minutes east of UTC of the business: decides "today" (BUSINESS_UTC_OFFSET). */
  utcOffsetMinutes?: number;
  /** Minutes a customer may wait for the first human reply (the `sla.minutes` setting). */
  slaMinutes?: number;
  /** Range, filter and page, from the clicked button (see src/slack/home/state.ts). */
  state?: HomeState;
  /** The Slack user looking: "mine" and their own figures. */
  viewerUserId?: string | null;
}

const SUMMED = `'conversations', 'escalated', 'handoffs', 'ai_calls', 'ai_latency', 'ai_turns',
  'messages', 'replies', 'failed'`;

type Sums = Map<string, Map<string, { n: number; total: number }>>;

/**
 * The figures and one page of the open queue for the Home tab, computed from the database.
 *
 * It runs on the service's only event loop (webhooks wait meanwhile), so nothing reads a range
 * of the history's rows: counts, costs, latencies and failures of a range come from the hourly
 * roll-ups `home_daily` and `home_hourly` (db/migrations/0011: the whole UTC days of the range
 * from the first, its two ends from the second), first
 * replies and SLA breaches from the covering index `slack_threads (created_at,
 * first_human_reply_at, agent_user_id)` (the range's handoffs only), the queue from the partial
 * index of open conversations, dead jobs from the partial index of unfinished jobs. See
 * bench/home.ts.
 *
 * Hours are UTC hours: with a whole-hour business offset every range sums exactly; with a
 * half-hour one (+05:30, +09:30) the range starts at the UTC hour that contains its start, up to
 * 45 minutes early. "Today" is `startOfBusinessDay`, as everywhere else.
 */
export function homeInput(db: Db, now: number, opts: HomeOptions = {}): HomeInput {
  const q = <T>(sql: string, ...params: unknown[]) => prepared(db, sql).all(...params) as T[];
  const offset = opts.utcOffsetMinutes ?? 0;
  const state = opts.state ?? DEFAULT_HOME_STATE;
  const viewer = opts.viewerUserId ?? null;
  const slaMs = Math.max(1, opts.slaMinutes ?? 15) * 60_000;
  const since = businessDaysAgo(now, offset, RANGE_DAYS[state.range] - 1);
  const trendSince = businessDaysAgo(now, offset, TREND_DAYS - 1);
  const hourOf = (ms: number) => Math.floor(ms / HOUR);

  // max(id) reads one end of the rowid tree (a "LIMIT 1" would be planned as a scan).
  const newInstall =
    q<{ id: number | null }>("SELECT max(id) AS id FROM conversations")[0]?.id == null;

  // Every figure of the range from the roll-up, in one statement.
  const sums: Sums = new Map();
  // Whole UTC days inside the range from home_daily, its two ends from home_hourly: about 30
  // daily rows and at most 47 hourly ones per metric and key, whatever the range.
  const firstHour = hourOf(since);
  const firstDay = Math.ceil(firstHour / 24);
  const today = Math.floor(hourOf(now) / 24);
  const days = firstDay < today ? { from: firstDay, to: today } : { from: 0, to: 0 };
  const hoursBefore = days.to > 0 ? days.from * 24 : Number.MAX_SAFE_INTEGER;
  for (const r of q<{ metric: string; key: string; n: number; total: number }>(
    `SELECT metric, key, sum(n) AS n, sum(total) AS total FROM (
       SELECT metric, key, n, total FROM home_hourly
       WHERE metric IN (${SUMMED}) AND hour >= ? AND hour < ?
       UNION ALL
       SELECT metric, key, n, total FROM home_daily
       WHERE metric IN (${SUMMED}) AND day >= ? AND day < ?
       UNION ALL
       SELECT metric, key, n, total FROM home_hourly
       WHERE metric IN (${SUMMED}) AND hour >= ?)
     GROUP BY metric, key`,
    firstHour,
    hoursBefore,
    days.from,
    days.to,
    days.to > 0 ? days.to * 24 : Number.MAX_SAFE_INTEGER,
  )) {
    if (r.n === 0) continue;
    const m = sums.get(r.metric) ?? new Map();
    m.set(r.key, { n: r.n, total: r.total });
    sums.set(r.metric, m);
  }
  const n = (metric: string, key = "") => sums.get(metric)?.get(key)?.n ?? 0;
  const byKey = (metric: string) =>
    [...(sums.get(metric)?.entries() ?? [])]
      .map(([key, v]) => ({ key, n: v.n, total: v.total }))
      .sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));

  // The escalation rate of each of the last 14 business days, today last.
  const trend = Array.from({ length: TREND_DAYS }, () => ({ total: 0, escalated: 0 }));
  for (const r of q<{ metric: string; hour: number; n: number }>(
    `SELECT metric, hour, n FROM home_hourly
     WHERE metric IN ('conversations', 'escalated') AND hour >= ?`,
    hourOf(trendSince),
  )) {
    const day = Math.floor((r.hour * HOUR - trendSince) / DAY);
    const d = trend[Math.min(TREND_DAYS - 1, Math.max(0, day))]!;
    if (r.metric === "conversations") d.total += r.n;
    else d.escalated += r.n;
  }

  // SLA breaches and first replies read the covering index of the range's handoffs.
  const slaBreaches =
    q<{ n: number }>(
      `SELECT count(*) AS n FROM slack_threads
       WHERE created_at >= ? AND created_at <= ?
         AND (first_human_reply_at IS NULL OR first_human_reply_at > created_at + ?)`,
      since - slaMs,
      now - slaMs,
      slaMs,
    )[0]?.n ?? 0;
  // Every first reply of the range as [agent, ms] arrays: a few thousand for 30 days. Arrays,
  // not objects: materialising an object per row cost several times the index read (and
  // SQLite's window functions, tried for the medians, cost more still: bench/home.ts).
  const firstReplies = prepared(
    db,
    `SELECT agent_user_id, first_human_reply_at - created_at FROM slack_threads
     WHERE created_at >= ? AND first_human_reply_at IS NOT NULL`,
  )
    .raw(true)
    .all(since) as [string | null, number][];
  const replies: number[] = [];
  const agentReplies = new Map<string, number[]>();
  for (const [agentId, ms] of firstReplies) {
    replies.push(ms);
    if (agentId === null) continue;
    const list = agentReplies.get(agentId);
    if (list) list.push(ms);
    else agentReplies.set(agentId, [ms]);
  }

  const open = q<
    QueueRow & {
      customerName: string | null;
      phone: string | null;
      agentName: string | null;
      reason: string | null;
      rootTs: string | null;
      team: string | null;
      stage: string | null;
    }
  >(
    `SELECT c.id AS conversationId, k.profile_name AS customerName, coalesce(k.wa_id, k.user_id) AS phone,
            c.state, c.window_ends_at AS windowEndsAt, c.handoff_at AS handoffAt,
            coalesce(t.reason, c.handoff_reason) AS reason,
            t.agent_user_id AS agentUserId, t.agent_name AS agentName, t.channel, t.root_ts AS rootTs,
            t.customer_waiting_since AS waitingSince, t.first_human_reply_at AS firstHumanReplyAt,
            c.team, k.lifecycle_stage AS stage
     FROM conversations c JOIN contacts k ON k.id = c.contact_id
     LEFT JOIN slack_threads t ON t.conversation_id = c.id
     WHERE c.state IN ('escalated', 'agent')`,
  );
  const page = queuePage(open, { now, filter: state.filter, viewer, page: state.page });
  const items: HomeQueueItem[] = page.items.map((r) => ({
    conversationId: r.conversationId,
    customerName: r.customerName,
    phone: r.phone,
    state: r.state,
    section: r.section,
    agentUserId: r.agentUserId,
    agentName: r.agentName,
    reason: r.reason,
    waitingSince: r.waitingSince,
    windowEndsAt: r.windowEndsAt,
    thread: r.channel && r.rootTs ? { channel: r.channel, ts: r.rootTs } : null,
  }));

  // Per agent: open now (owned in the queue), first replies and their median in the range.
  const agents = new Map<string, AgentLoad>();
  const agent = (id: string): AgentLoad => {
    let a = agents.get(id);
    if (!a) {
      a = { agentUserId: id, agentName: null, open: 0, replied: 0, medianFirstReplyMs: null };
      agents.set(id, a);
    }
    return a;
  };
  for (const r of open) {
    if (r.agentUserId === null) continue;
    const a = agent(r.agentUserId);
    a.open++;
    a.agentName ??= r.agentName;
  }
  for (const [id, list] of agentReplies) {
    const a = agent(id);
    a.replied = list.length;
    a.medianFirstReplyMs = median(list);
  }
  const unnamed = [...agents.values()]
    .filter((a) => a.agentName === null)
    .map((a) => a.agentUserId);
  if (unnamed.length > 0) {
    const names = new Map(
      q<{ id: string; name: string }>(
        `SELECT user_id AS id, display_name AS name FROM slack_users
         WHERE user_id IN (${unnamed.map(() => "?").join(", ")})`,
        ...unnamed,
      ).map((r) => [r.id, r.name]),
    );
    for (const id of unnamed) agent(id).agentName = names.get(id) ?? null;
  }

  const conversations = n("conversations");
  const escalated = n("escalated");
  const calls = byKey("ai_calls");
  const costUsd = calls.reduce((s, c) => s + c.total, 0);
  const tiers = byKey("replies").map((r) => ({ tier: r.key, n: r.n }));
  const aiReplies = tiers.reduce((s, r) => s + r.n, 0);
  const latency = byKey("ai_latency");
  return {
    aiEnabled: getAiSwitch(db) === "on",
    now,
    state: { ...state, page: page.page },
    viewerUserId: viewer,
    newInstall,
    since,
    slaMinutes: slaMs / 60_000,
    figures: {
      conversations,
      escalated,
      escalationRate: conversations > 0 ? escalated / conversations : null,
      escalationTrend: trend.map((d) => (d.total > 0 ? d.escalated / d.total : null)),
      medianFirstResponseMs: median(replies),
      slaBreaches,
      handoffReasons: byKey("handoffs").map((r) => ({ reason: r.key, n: r.n })),
      messagesIn: n("messages", "in"),
      messagesOut: n("messages", "out"),
      ai: {
        calls: calls.reduce((s, c) => s + c.n, 0),
        callsByTier: calls.map((c) => ({ tier: c.key, n: c.n })),
        turns: n("ai_turns"),
        costUsd,
        costPerConversationUsd: conversations > 0 ? costUsd / conversations : null,
        latencyP50Ms: binnedPercentile(latency, 0.5),
        latencyP95Ms: binnedPercentile(latency, 0.95),
        replies: aiReplies,
        replyTiers: tiers,
        cacheHitRate:
          aiReplies > 0 ? (tiers.find((t) => t.tier === "cache")?.n ?? 0) / aiReplies : null,
      },
      deliveryFailures: byKey("failed").map((r) => ({ code: r.key, n: r.n })),
      deadJobs: q<{ kind: string; n: number }>(
        `SELECT kind, count(*) AS n FROM jobs WHERE state = 'dead' AND state <> 'done'
         GROUP BY kind ORDER BY n DESC, kind`,
      ),
    },
    queue: {
      items,
      counts: page.counts,
      total: page.total,
      pages: page.pages,
      open: open.length,
      channels: [
        ...new Set(open.map((r) => r.channel).filter((c): c is string => c !== null)),
      ].sort(),
      // The agent's lifecycle stages and teams (issue 12), from the same open rows.
      byStage: countBy(open.map((r) => r.stage)),
      byTeam: countBy(open.map((r) => r.team)),
    },
    // Ratings received in the range (csat_surveys_rated_idx: only the rated rows of the range).
    csat: csatFigures(db, since),
    agents: [...agents.values()].sort(
      (a, b) =>
        b.open - a.open || b.replied - a.replied || a.agentUserId.localeCompare(b.agentUserId),
    ),
  };
}

/** Non-null values with how often each occurs, most frequent first (then by name). */
function countBy(values: (string | null)[]): { name: string; n: number }[] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .map(([name, n]) => ({ name, n }))
    .sort((a, b) => b.n - a.n || a.name.localeCompare(b.name));
}
