import type {
  ActionsBlock,
  Button,
  HomeView,
  KnownBlock,
  PlainTextOption,
  SectionBlock,
} from "@slack/types";
import type { EffectiveSetting } from "../../core/runtime-settings.ts";
import { sparkline } from "../home/figures.ts";
import { QUEUE_SECTIONS, type QueueSection } from "../home/queue.ts";
import {
  encodeHomeState,
  type HomeFilter,
  type HomeRange,
  type HomeState,
  RANGE_LABELS,
} from "../home/state.ts";
import { customerLabel } from "./handoff.ts";
import {
  capBlocks,
  contextLine,
  escapeMrkdwn,
  formatDuration,
  LIMITS,
  maskPhone,
  mrkdwn,
  mrkdwnLink,
  oneLine,
  percent,
  plain,
  slackDate,
  threadUrl,
  truncateMrkdwn,
  truncatePlain,
  userMrkdwn,
} from "./text.ts";

/** The action id of the AI on/off button; its value is the state the click asks for. */
export const AI_TOGGLE_ACTION = "ai_toggle";

/**
 * The Home tab's own actions. Every id starts with `home_` (one listener takes them all, see
 * src/slack/listeners/home.ts) and every value is the encoded {@link HomeState} the click asks
 * for (the select's options carry theirs).
 */
export const HOME_ACTIONS = {
  rangeToday: "home_range_today",
  range7d: "home_range_7d",
  range30d: "home_range_30d",
  refresh: "home_refresh",
  filter: "home_filter",
  previous: "home_page_previous",
  next: "home_page_next",
} as const;

/** Opens the runtime settings modal (handled by the settings listener, not here). */
export const SETTINGS_OPEN_ACTION = "settings_open";

/** How many handoff reasons, failure codes, job kinds and agents are named; the rest summed. */
export const HOME_TOP = 5;
export const HOME_AGENTS_LISTED = 15;

/** One open conversation in the Home tab's queue. Times are Unix ms. */
export interface HomeQueueItem {
  conversationId: number;
  customerName: string | null;
  /** wa_id digits; shown masked. */
  phone: string | null;
  /** `escalated`: waiting for a human; `agent`: a human owns it. */
  state: "escalated" | "agent";
  section: QueueSection;
  agentUserId: string | null;
  /** The agent who owns it, when known. */
  agentName: string | null;
  /** Why it was handed off. */
  reason: string | null;
  /** Since when the customer has been waiting for an answer; null when nobody is waiting. */
  waitingSince: number | null;
  /** When the 24-hour customer-service window closes (or closed). */
  windowEndsAt: number | null;
  /** The handoff thread's root message. */
  thread: { channel: string; ts: string } | null;
}

/** One agent's load: open conversations now, first replies in the range and their median. */
export interface AgentLoad {
  agentUserId: string;
  agentName: string | null;
  open: number;
  replied: number;
  medianFirstReplyMs: number | null;
}

/** CSAT of a range (the shape of `csatFigures` in src/store/repositories/csat.ts). */
export interface HomeCsat {
  rated: number;
  /** Share (0..1) of ratings that were "good"; null when none. */
  satisfied: number | null;
  /** Mean rating 1..3; null when none. */
  average: number | null;
  perAgent: {
    agentUserId: string | null;
    agentName: string | null;
    rated: number;
    satisfied: number | null;
  }[];
}

/** The figures of the range. Rates are 0..1, null when there was nothing to divide. */
export interface HomeFigures {
  conversations: number;
  escalated: number;
  escalationRate: number | null;
  /** The escalation rate of each of the last 14 business days, oldest first, today last. */
  escalationTrend: (number | null)[];
  /** Median time from handoff to the first human reply, in ms. */
  medianFirstResponseMs: number | null;
  /** Handoffs whose SLA deadline fell in the range without a human reply by then. */
  slaBreaches: number;
  /** Handoffs by reason, most first. */
  handoffReasons: { reason: string; n: number }[];
  messagesIn: number;
  messagesOut: number;
  ai: {
    calls: number;
    callsByTier: { tier: string; n: number }[];
    /** Turns that called the model (distinct turn messages). */
    turns: number;
    costUsd: number;
    /** AI cost ÷ conversations started in the range. */
    costPerConversationUsd: number | null;
    /** Answer-call latency percentiles from the roll-up's bins (exact to about 25 %). */
    latencyP50Ms: number | null;
    latencyP95Ms: number | null;
    /** AI replies sent, and by the tier that answered (fast, smart, kb, cache). */
    replies: number;
    replyTiers: { tier: string; n: number }[];
    /** Share of AI replies answered from the answer cache. */
    cacheHitRate: number | null;
  };
  /** Failed sends by WhatsApp error code (`none` without one), most first. */
  deliveryFailures: { code: string; n: number }[];
  /** Jobs that ran out of retries (now, not per range), by kind. */
  deadJobs: { kind: string; n: number }[];
}

/** What the Home tab shows; computed by `homeInput` (src/slack/stats.ts). */
export interface HomeInput {
  /** Whether the AI answers customers. */
  aiEnabled: boolean;
  /** The runtime settings in force and where each comes from (environment or set in Slack). */
  settings?: readonly EffectiveSetting[];
  now: number;
  /** The state drawn (page already clamped to the queue). */
  state: HomeState;
  viewerUserId: string | null;
  /** No conversation was ever stored: an explanation instead of a wall of zeros. */
  newInstall: boolean;
  /** Start of the range (Unix ms): the business day `range` days back. */
  since: number;
  slaMinutes: number;
  figures: HomeFigures;
  queue: {
    /** The page's items, in section order. */
    items: HomeQueueItem[];
    /** Per section, after the filter. */
    counts: Record<QueueSection, number>;
    /** After the filter. */
    total: number;
    pages: number;
    /** Open conversations before the filter. */
    open: number;
    /** Channels with open conversations, for the filter. */
    channels: string[];
    /** Open conversations per lifecycle stage and per team (agent actions); empty: none set. */
    byStage?: { name: string; n: number }[];
    byTeam?: { name: string; n: number }[];
  };
  /** Agents with open conversations or first replies in the range, busiest first. */
  agents: AgentLoad[];
  csat?: HomeCsat;
}

/** US dollars for the Home tab: "US$12.34", "< US$0.01" for tiny non-zero amounts. */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount) || amount <= 0) return "US$0.00";
  if (amount < 0.01) return "< US$0.01";
  return `US$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const count = (n: number) => Math.max(0, Math.round(n)).toLocaleString("en-US");
const ms = (v: number | null) =>
  v === null ? "n/a" : v < 60_000 ? `${(v / 1000).toFixed(1)} s` : formatDuration(v);

const SECTION_LABELS: Record<QueueSection, string> = {
  closing: "⌛ Window closing within 2 h",
  waiting: "⏳ Waiting for a first reply",
  in_progress: "💬 In progress",
  closed: "🔒 Window closed",
};

/** Labels of the runtime settings on the Home tab (keys of src/core/runtime-settings.ts). */
export const SETTING_LABELS: Record<string, string> = {
  "ai.threshold": "Handoff below confidence",
  "model.fast": "Fast model",
  "model.smart": "Smart model",
  "business.hours": "Business hours",
  "sla.minutes": "SLA (minutes)",
};

function button(actionId: string, text: string, state: HomeState, primary = false): Button {
  return {
    type: "button",
    action_id: actionId,
    text: plain(text, LIMITS.buttonText),
    value: encodeHomeState(state),
    ...(primary ? { style: "primary" as const } : {}),
  };
}

function agentMrkdwn(userId: string | null, name: string | null): string {
  if (name !== null && name.trim() !== "") return userMrkdwn(name, 80);
  // Slack draws a mention as the member's current name.
  return userId !== null && /^[UW][A-Z0-9]{2,30}$/.test(userId) ? `<@${userId}>` : "an agent";
}

function queueItem(item: HomeQueueItem, now: number): SectionBlock {
  const who = userMrkdwn(customerLabel(item.customerName, item.phone), 120);
  const owner =
    item.state === "agent" || item.agentUserId !== null
      ? `🧑‍💻 ${agentMrkdwn(item.agentUserId, item.agentName)}`
      : "unassigned";
  const waiting =
    item.waitingSince === null
      ? "nobody waiting"
      : `waiting ${formatDuration(now - item.waitingSince)}`;
  const window =
    item.windowEndsAt === null
      ? "no window"
      : item.windowEndsAt <= now
        ? `window closed ${formatDuration(now - item.windowEndsAt)} ago`
        : `window closes in ${formatDuration(item.windowEndsAt - now)}`;
  const reason = item.reason ? ` · ${userMrkdwn(item.reason, 60)}` : "";
  const link =
    item.thread === null
      ? "no thread"
      : mrkdwnLink(threadUrl(item.thread.channel, item.thread.ts), "Open thread");
  return {
    type: "section",
    block_id: `queue_${item.conversationId}`,
    text: mrkdwn(
      truncateMrkdwn(
        `*${who}* · ${maskPhone(item.phone)} · #${item.conversationId}\n${owner} · ${waiting} · ${window}${reason} · ${link}`,
        LIMITS.sectionText,
      ),
    ),
  };
}

function filterLabel(filter: HomeFilter): string {
  if (filter === "all") return "All open conversations";
  if (filter === "mine") return "Mine";
  if (filter === "unassigned") return "Unassigned";
  return `Channel ${filter.slice("channel:".length)}`;
}

function filterSelect(input: HomeInput): ActionsBlock {
  const filters: HomeFilter[] = ["all", "mine", "unassigned"];
  for (const c of input.queue.channels.slice(0, LIMITS.selectOptions - 4))
    filters.push(`channel:${c}`);
  if (!filters.includes(input.state.filter)) filters.push(input.state.filter);
  const option = (f: HomeFilter): PlainTextOption => ({
    text: plain(truncatePlain(filterLabel(f), LIMITS.optionText), LIMITS.optionText),
    value: encodeHomeState({ ...input.state, filter: f, page: 0 }),
  });
  const options = filters.map(option);
  return {
    type: "actions",
    block_id: "home_queue_filter",
    elements: [
      {
        type: "static_select",
        action_id: HOME_ACTIONS.filter,
        placeholder: plain("Show…", LIMITS.placeholder),
        options,
        initial_option: option(input.state.filter),
      },
    ],
  };
}

function queueBlocks(input: HomeInput): KnownBlock[] {
  const { queue, state } = input;
  const blocks: KnownBlock[] = [
    {
      type: "header",
      text: plain(
        `Queue: ${count(queue.total)}${state.filter === "all" ? " open" : ` of ${count(queue.open)} open`}`,
        LIMITS.headerText,
      ),
    },
    contextLine(
      QUEUE_SECTIONS.map((s) => `${SECTION_LABELS[s]}: *${count(queue.counts[s])}*`).join("\n"),
    ),
    ...agentCountBlocks(queue),
    filterSelect(input),
  ];
  if (queue.total === 0) {
    blocks.push(
      contextLine(
        state.filter === "all" ? "Nobody is waiting. 🎉" : "Nothing open matches this filter.",
      ),
    );
    return blocks;
  }
  let section: QueueSection | null = null;
  for (const item of queue.items) {
    if (item.section !== section) {
      section = item.section;
      blocks.push(contextLine(`*${SECTION_LABELS[section]}* (${count(queue.counts[section])})`));
    }
    blocks.push(queueItem(item, input.now));
  }
  if (queue.pages > 1) {
    const elements: Button[] = [];
    if (state.page > 0)
      elements.push(
        button(HOME_ACTIONS.previous, "◀ Previous", { ...state, page: state.page - 1 }),
      );
    if (state.page < queue.pages - 1)
      elements.push(button(HOME_ACTIONS.next, "Next ▶", { ...state, page: state.page + 1 }));
    blocks.push(contextLine(`Page ${state.page + 1} of ${queue.pages}`));
    blocks.push({ type: "actions", block_id: "home_queue_pages", elements });
  }
  return blocks;
}

/**
 * "By stage: Hot Lead *3* · New Lead *1*" and "By team: Sales *2*": the open queue per lifecycle
 * stage and per team, each line only when some open conversation has one (agent actions).
 */
export function agentCountBlocks(
  queue: Pick<HomeInput["queue"], "byStage" | "byTeam">,
): KnownBlock[] {
  const line = (label: string, list: { name: string; n: number }[] | undefined) => {
    if (!list || list.length === 0) return null;
    const shown = list.slice(0, HOME_TOP).map((e) => `${userMrkdwn(e.name, 60)} *${count(e.n)}*`);
    const rest = list.slice(HOME_TOP);
    if (rest.length > 0)
      shown.push(`${rest.length} more *${count(rest.reduce((s, e) => s + e.n, 0))}*`);
    return `${label}: ${shown.join(" · ")}`;
  };
  const lines = [line("By stage", queue.byStage), line("By team", queue.byTeam)].filter(
    (l): l is string => l !== null,
  );
  return lines.length > 0 ? [contextLine(lines.join("\n"))] : [];
}

/** "a 40% · b 35% · 3 others 25%": the top entries of a split, the rest summed. */
function split(entries: { label: string; n: number }[], total: number, top = HOME_TOP): string {
  if (entries.length === 0 || total <= 0) return "none";
  const shown = entries
    .slice(0, top)
    .map((e) => `${userMrkdwn(e.label, 60)} ${count(e.n)} (${percent(e.n / total)})`);
  const rest = entries.slice(top);
  if (rest.length > 0) {
    const n = rest.reduce((s, e) => s + e.n, 0);
    shown.push(`${rest.length} other${rest.length === 1 ? "" : "s"} ${count(n)}`);
  }
  return shown.join(" · ");
}

function figureBlocks(input: HomeInput, rangeLabel: string): KnownBlock[] {
  const f = input.figures;
  const ai = f.ai;
  const fields = [
    `*Conversations*\n${count(f.conversations)} · ${count(f.escalated)} to humans`,
    `*Escalation rate*\n${percent(f.escalationRate)}`,
    `*Median first human reply*\n${f.medianFirstResponseMs === null ? "n/a" : formatDuration(f.medianFirstResponseMs)}`,
    `*SLA breaches* (${count(input.slaMinutes)} min)\n${count(f.slaBreaches)}`,
    `*Messages in / out*\n${count(f.messagesIn)} / ${count(f.messagesOut)}`,
    `*AI cost*\n${formatUsd(ai.costUsd)} · ${ai.costPerConversationUsd === null ? "n/a" : formatUsd(ai.costPerConversationUsd)} per conversation`,
    `*AI reply latency*\np50 ${ms(ai.latencyP50Ms)} · p95 ${ms(ai.latencyP95Ms)}`,
    `*Model calls per turn*\n${ai.turns > 0 ? (ai.calls / ai.turns).toFixed(2) : "n/a"} (${count(ai.calls)} calls)`,
    `*Answer-cache hits*\n${percent(ai.cacheHitRate)} of ${count(ai.replies)} AI replies`,
  ];
  const total = (xs: { n: number }[]) => xs.reduce((s, x) => s + x.n, 0);
  const trend = f.escalationTrend;
  const today = trend.at(-1) ?? null;
  const lines = [
    `*Escalation, last ${trend.length} days:* \`${sparkline(trend)}\` today ${percent(today)}`,
    `*AI replies by tier:* ${split(
      ai.replyTiers.map((t) => ({ label: t.tier, n: t.n })),
      ai.replies,
    )}`,
    `*Model calls by tier:* ${split(
      ai.callsByTier.map((t) => ({ label: t.tier, n: t.n })),
      ai.calls,
    )}`,
    `*Top handoff reasons:* ${split(
      f.handoffReasons.map((r) => ({ label: r.reason, n: r.n })),
      total(f.handoffReasons),
    )}`,
    `*Delivery failures by code:* ${split(
      f.deliveryFailures.map((d) => ({ label: d.code, n: d.n })),
      total(f.deliveryFailures),
    )}`,
    `*Dead jobs (now):* ${
      f.deadJobs.length === 0
        ? "none ✅"
        : split(
            f.deadJobs.map((d) => ({ label: d.kind, n: d.n })),
            total(f.deadJobs),
          )
    }`,
  ];
  if (input.csat) {
    const c = input.csat;
    lines.push(
      `*CSAT:* ${c.rated === 0 ? "no ratings" : `${percent(c.satisfied)} satisfied · average ${c.average === null ? "n/a" : c.average.toFixed(1)}/3 · ${count(c.rated)} rated`}`,
    );
  }
  return [
    { type: "header", text: plain(`Figures: ${rangeLabel}`, LIMITS.headerText) },
    {
      type: "section",
      block_id: "home_figures",
      fields: fields.map((t) => mrkdwn(truncateMrkdwn(t, LIMITS.fieldText))),
    },
    {
      type: "section",
      block_id: "home_breakdown",
      text: mrkdwn(truncateMrkdwn(lines.join("\n"), LIMITS.sectionText)),
    },
  ];
}

function agentLine(a: AgentLoad, csat: HomeCsat | undefined): string {
  const c = csat?.perAgent.find((p) => p.agentUserId === a.agentUserId);
  const rating = c && c.rated > 0 ? ` · CSAT ${percent(c.satisfied)} (${count(c.rated)})` : "";
  return `*${agentMrkdwn(a.agentUserId, a.agentName)}*: ${count(a.open)} open · ${count(a.replied)} replied · median first reply ${a.medianFirstReplyMs === null ? "n/a" : formatDuration(a.medianFirstReplyMs)}${rating}`;
}

function agentBlocks(input: HomeInput, manager: boolean, rangeLabel: string): KnownBlock[] {
  if (!manager) {
    const me = input.agents.find((a) => a.agentUserId === input.viewerUserId) ?? {
      agentUserId: input.viewerUserId ?? "",
      agentName: null,
      open: 0,
      replied: 0,
      medianFirstReplyMs: null,
    };
    return [
      { type: "header", text: plain(`Your figures: ${rangeLabel}`, LIMITS.headerText) },
      {
        type: "section",
        block_id: "home_agents",
        text: mrkdwn(truncateMrkdwn(agentLine(me, input.csat), LIMITS.sectionText)),
      },
    ];
  }
  const listed = input.agents.slice(0, HOME_AGENTS_LISTED);
  const lines = listed.map((a) => agentLine(a, input.csat));
  if (input.agents.length > listed.length)
    lines.push(`…and ${input.agents.length - listed.length} more agents`);
  return [
    { type: "header", text: plain(`Agents: ${rangeLabel}`, LIMITS.headerText) },
    {
      type: "section",
      block_id: "home_agents",
      text: mrkdwn(
        truncateMrkdwn(
          lines.length > 0
            ? lines.join("\n")
            : "No agent has an open conversation or a reply in this range.",
          LIMITS.sectionText,
        ),
      ),
    },
  ];
}

function settingsBlocks(
  settings: readonly EffectiveSetting[] | undefined,
  manager: boolean,
): KnownBlock[] {
  const text = (settings ?? [])
    .map(
      (s) =>
        `${SETTING_LABELS[s.key] ?? s.key}: \`${escapeMrkdwn(oneLine(s.value)).slice(0, 80)}\` (${s.source === "set" ? "set in Slack" : "environment"})`,
    )
    .join(" · ");
  if (!manager) return text ? [contextLine(text)] : [];
  return [
    {
      type: "section",
      block_id: "home_settings",
      text: mrkdwn(truncateMrkdwn(text || "Settings", LIMITS.sectionText)),
      accessory: {
        type: "button",
        action_id: SETTINGS_OPEN_ACTION,
        text: plain("Settings", LIMITS.buttonText),
        value: "open",
      },
    },
  ];
}

function aiStatusBlock(input: HomeInput, manager: boolean): SectionBlock {
  const status = mrkdwn(
    input.aiEnabled
      ? "🤖 *AI replies are on.* The AI answers customers first and hands off to this team."
      : "⏸️ *AI replies are off.* Every new customer message goes straight to this team.",
  );
  // Agents see the state, not the switch (roles: SLACK_MANAGERS, SLACK_MANAGER_GROUP).
  if (!manager) return { type: "section", block_id: "ai_status", text: status };
  return {
    type: "section",
    block_id: "ai_status",
    text: status,
    accessory: input.aiEnabled
      ? {
          type: "button",
          action_id: AI_TOGGLE_ACTION,
          value: "off",
          style: "danger",
          text: plain("Turn AI off", LIMITS.buttonText),
          confirm: {
            title: plain("Turn the AI off?", LIMITS.confirmTitle),
            text: plain(
              "Customers will wait for a human for every message until the AI is turned back on.",
              LIMITS.confirmText,
            ),
            confirm: plain("Turn off", LIMITS.confirmButton),
            deny: plain("Cancel", LIMITS.confirmButton),
          },
        }
      : {
          type: "button",
          action_id: AI_TOGGLE_ACTION,
          value: "on",
          style: "primary",
          text: plain("Turn AI on", LIMITS.buttonText),
        },
  };
}

function controls(state: HomeState): ActionsBlock {
  const ranges: [HomeRange, string][] = [
    ["today", HOME_ACTIONS.rangeToday],
    ["7d", HOME_ACTIONS.range7d],
    ["30d", HOME_ACTIONS.range30d],
  ];
  return {
    type: "actions",
    block_id: "home_controls",
    elements: [
      ...ranges.map(([range, id]) =>
        button(id, RANGE_LABELS[range], { ...state, range, page: 0 }, range === state.range),
      ),
      button(HOME_ACTIONS.refresh, "↻ Refresh", state),
    ],
  };
}

function newInstallBlocks(): KnownBlock[] {
  return [
    {
      type: "section",
      block_id: "home_empty",
      text: mrkdwn(
        [
          "👋 *No conversations yet.* This tab fills in once WhatsApp customers write to your number.",
          "",
          "• *Queue*: customers the AI handed to this team, split into waiting for a first reply, in progress, and 24-hour windows closing or closed, with links to their threads.",
          "• *Figures* for today, 7 or 30 days: escalation rate and its trend, first-reply times and SLA breaches, AI cost, latency and answer-cache hits, delivery failures.",
          "• *Agents*: who owns how many conversations and how fast they answer.",
          "",
          "To try it without a real customer, run `npm run sandbox` and write as a customer in its console, then press *Refresh*.",
        ].join("\n"),
      ),
    },
  ];
}

/**
 * The App Home as the support team's workspace. Managers get the AI switch (`ai_toggle`, value
 * "on"|"off" = the state to switch to), the settings button (`settings_open`), every figure and
 * every agent's load; agents get the AI's state, the queue and their own figures. The range
 * buttons, the refresh button, the queue's filter and its paging carry the state they ask for
 * (see HOME_ACTIONS). Within Block Kit's limits whatever the input (at most 100 blocks, every
 * text cut to its limit).
 */
export function homeView(
  input: HomeInput,
  viewer: { manager: boolean } = { manager: true },
): HomeView {
  const rangeLabel =
    input.state.range === "today" ? "today" : `last ${RANGE_LABELS[input.state.range]}`;
  const blocks: KnownBlock[] = [
    { type: "header", text: plain("Jembatan: WhatsApp support", LIMITS.headerText) },
    aiStatusBlock(input, viewer.manager),
    ...settingsBlocks(input.settings, viewer.manager),
    controls(input.state),
    contextLine(
      `Showing ${rangeLabel} (since ${slackDate(input.since)}) · updated ${slackDate(input.now)}`,
    ),
    { type: "divider" },
  ];
  if (input.newInstall) {
    blocks.push(...newInstallBlocks());
    return { type: "home", blocks: capBlocks(blocks, LIMITS.viewBlocks) };
  }
  blocks.push(...queueBlocks(input), { type: "divider" });
  if (viewer.manager) blocks.push(...figureBlocks(input, rangeLabel), { type: "divider" });
  blocks.push(...agentBlocks(input, viewer.manager, rangeLabel));
  return { type: "home", blocks: capBlocks(blocks, LIMITS.viewBlocks) };
}
