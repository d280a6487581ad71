import type { ActionsBlock, Button, KnownBlock, SectionBlock, StaticSelect } from "@slack/types";
import { describe, expect, it } from "vitest";
import { parseHomeState } from "../home/state.ts";
import {
  agentCountBlocks,
  formatUsd,
  HOME_ACTIONS,
  type HomeCsat,
  type HomeInput,
  type HomeQueueItem,
  homeView,
} from "./home.ts";
import { viewLimitProblems } from "./validate.ts";

const NOW = 1_700_000_000_000;
const MIN = 60_000;

function item(over: Partial<HomeQueueItem> = {}): HomeQueueItem {
  return {
    conversationId: 5,
    customerName: "Budi",
    phone: "6281234565678",
    state: "escalated",
    section: "waiting",
    agentUserId: null,
    agentName: null,
    reason: "complaint",
    waitingSince: NOW - 12 * MIN,
    windowEndsAt: NOW + 20 * 60 * MIN,
    thread: { channel: "C1", ts: "1699999000.000100" },
    ...over,
  };
}

function input(over: Partial<HomeInput> = {}): HomeInput {
  return {
    aiEnabled: true,
    now: NOW,
    state: { range: "today", filter: "all", page: 0 },
    viewerUserId: "U0ME",
    newInstall: false,
    since: NOW - 10 * 60 * MIN,
    slaMinutes: 15,
    figures: {
      conversations: 120,
      escalated: 22,
      escalationRate: 22 / 120,
      escalationTrend: [0.1, 0.2, null, 0.18],
      medianFirstResponseMs: 4 * MIN,
      slaBreaches: 3,
      handoffReasons: [
        { reason: "complaint", n: 12 },
        { reason: "asked_for_human", n: 10 },
      ],
      messagesIn: 1234,
      messagesOut: 1100,
      ai: {
        calls: 150,
        callsByTier: [
          { tier: "fast", n: 120 },
          { tier: "smart", n: 30 },
        ],
        turns: 100,
        costUsd: 1.234,
        costPerConversationUsd: 0.0103,
        latencyP50Ms: 1800,
        latencyP95Ms: 6400,
        replies: 90,
        replyTiers: [
          { tier: "fast", n: 60 },
          { tier: "cache", n: 30 },
        ],
        cacheHitRate: 1 / 3,
      },
      deliveryFailures: [{ code: "131047", n: 4 }],
      deadJobs: [],
    },
    queue: {
      items: [
        item(),
        item({
          conversationId: 6,
          state: "agent",
          section: "in_progress",
          agentUserId: "U0SARI",
          agentName: "Sari",
          waitingSince: null,
        }),
      ],
      counts: { closing: 0, waiting: 1, in_progress: 1, closed: 0 },
      total: 2,
      pages: 1,
      open: 2,
      channels: ["C1"],
    },
    agents: [
      {
        agentUserId: "U0SARI",
        agentName: "Sari",
        open: 1,
        replied: 4,
        medianFirstReplyMs: 3 * MIN,
      },
      { agentUserId: "U0ME", agentName: null, open: 0, replied: 2, medianFirstReplyMs: 9 * MIN },
    ],
    ...over,
  };
}

const text = (view: { blocks: unknown[] }) => JSON.stringify(view.blocks);
const blocks = (view: { blocks: unknown[] }) => view.blocks as KnownBlock[];
const actionElements = (view: { blocks: unknown[] }) =>
  blocks(view)
    .filter((b): b is ActionsBlock => b.type === "actions")
    .flatMap((b) => b.elements) as (Button | StaticSelect)[];
const byAction = (view: { blocks: unknown[] }, id: string) =>
  actionElements(view).find((e) => e.action_id === id);

function toggle(view: { blocks: unknown[] }): Button | undefined {
  const section = blocks(view).find((b): b is SectionBlock => b.block_id === "ai_status");
  return section?.accessory as Button | undefined;
}

describe("homeView", () => {
  it("gives managers the AI switch asking for the other state, and the settings button", () => {
    const on = homeView(input());
    expect(on.type).toBe("home");
    expect(toggle(on)).toMatchObject({ action_id: "ai_toggle", value: "off" });
    expect(text(on)).toContain("AI replies are on");
    expect(toggle(homeView(input({ aiEnabled: false })))).toMatchObject({ value: "on" });
    const settings = blocks(on).find((b): b is SectionBlock => b.block_id === "home_settings");
    expect(settings?.accessory).toMatchObject({ type: "button", action_id: "settings_open" });
    const labelled = homeView(
      input({
        settings: [
          { key: "business.hours", value: "Mon-Fri 09:00-17:00", source: "set" },
          { key: "sla.minutes", value: "15", source: "environment" },
        ] as HomeInput["settings"],
      }),
    );
    expect(text(labelled)).toContain("Business hours: `Mon-Fri 09:00-17:00` (set in Slack)");
    expect(text(labelled)).toContain("SLA (minutes): `15` (environment)");
  });

  it("gives agents the AI's state, the queue and their own figures only", () => {
    const view = homeView(input(), { manager: false });
    const s = text(view);
    expect(toggle(view)).toBeUndefined();
    expect(s).not.toContain("settings_open");
    expect(s).toContain("AI replies are on");
    expect(s).toContain("Queue: 2 open");
    expect(s).toContain("Your figures: today");
    expect(s).toContain("0 open · 2 replied · median first reply 9 min");
    expect(s).not.toContain("Sari*: 1 open");
    expect(s).not.toContain("Top handoff reasons");
    expect(s).not.toContain("US$");
  });

  it("shows every figure of the range to managers", () => {
    const s = text(homeView(input()));
    expect(s).toContain("Figures: today");
    expect(s).toContain("*Conversations*\\n120 · 22 to humans");
    expect(s).toContain("*Escalation rate*\\n18%");
    expect(s).toContain("*Median first human reply*\\n4 min");
    expect(s).toContain("*SLA breaches* (15 min)\\n3");
    expect(s).toContain("*Messages in / out*\\n1,234 / 1,100");
    expect(s).toContain("*AI cost*\\nUS$1.23 · US$0.01 per conversation");
    expect(s).toContain("*AI reply latency*\\np50 1.8 s · p95 6.4 s");
    expect(s).toContain("*Model calls per turn*\\n1.50 (150 calls)");
    expect(s).toContain("*Answer-cache hits*\\n33% of 90 AI replies");
    expect(s).toContain("*Escalation, last 4 days:* `▅█·▇` today 18%");
    expect(s).toContain("*AI replies by tier:* fast 60 (67%) · cache 30 (33%)");
    expect(s).toContain("*Top handoff reasons:* complaint 12 (55%) · asked_for_human 10 (45%)");
    expect(s).toContain("*Delivery failures by code:* 131047 4 (100%)");
    expect(s).toContain("*Dead jobs (now):* none ✅");
    expect(s).toContain("*Sari*: 1 open · 4 replied · median first reply 3 min");
    // An agent whose name was never looked up is a mention: Slack draws the name.
    expect(s).toContain("*<@U0ME>*: 0 open · 2 replied");
    expect(text(homeView(input({ state: { range: "30d", filter: "all", page: 0 } })))).toContain(
      "Figures: last 30 days",
    );
  });

  it("shows CSAT overall and per agent when given", () => {
    const csat: HomeCsat = {
      rated: 10,
      satisfied: 0.8,
      average: 2.7,
      perAgent: [{ agentUserId: "U0SARI", agentName: "Sari", rated: 5, satisfied: 0.6 }],
    };
    const s = text(homeView(input({ csat })));
    expect(s).toContain("*CSAT:* 80% satisfied · average 2.7/3 · 10 rated");
    expect(s).toContain("median first reply 3 min · CSAT 60% (5)");
    expect(text(homeView(input()))).not.toContain("CSAT");
    expect(
      text(homeView(input({ csat: { ...csat, rated: 0, satisfied: null, average: null } }))),
    ).toContain("*CSAT:* no ratings");
  });

  it("lists the queue by section with the window, the reason and a thread link", () => {
    const s = text(homeView(input()));
    expect(s).toContain("⏳ Waiting for a first reply: *1*");
    expect(s).toContain("*⏳ Waiting for a first reply* (1)");
    expect(s).toContain("*💬 In progress* (1)");
    expect(s).toContain(
      "*Budi* · +62 812-••••-5678 · #5\\nunassigned · waiting 12 min · window closes in 20 h · complaint",
    );
    expect(s).toContain("🧑‍💻 Sari · nobody waiting");
    expect(s).toContain(
      "<https://slack.com/app_redirect?channel=C1&amp;message_ts=1699999000.000100|Open thread>",
    );
    const closed = text(
      homeView(
        input({
          queue: {
            ...input().queue,
            items: [item({ section: "closed", windowEndsAt: NOW - 3 * 60 * MIN })],
          },
        }),
      ),
    );
    expect(closed).toContain("window closed 3 h ago");
  });

  it("carries the state in the range, refresh, filter and paging controls", () => {
    const state = { range: "7d" as const, filter: "mine" as const, page: 1 };
    const view = homeView(input({ state, queue: { ...input().queue, pages: 3 } }));
    const value = (id: string) => parseHomeState((byAction(view, id) as Button).value);
    expect(value(HOME_ACTIONS.refresh)).toEqual(state);
    expect(value(HOME_ACTIONS.rangeToday)).toEqual({ ...state, range: "today", page: 0 });
    expect(value(HOME_ACTIONS.range30d)).toEqual({ ...state, range: "30d", page: 0 });
    expect((byAction(view, HOME_ACTIONS.range7d) as Button).style).toBe("primary");
    expect(value(HOME_ACTIONS.previous)).toEqual({ ...state, page: 0 });
    expect(value(HOME_ACTIONS.next)).toEqual({ ...state, page: 2 });
    expect(text(view)).toContain("Page 2 of 3");
    const select = byAction(view, HOME_ACTIONS.filter) as StaticSelect;
    expect(select.options?.map((o) => parseHomeState(o.value).filter)).toEqual([
      "all",
      "mine",
      "unassigned",
      "channel:C1",
    ]);
    expect(select.options?.every((o) => parseHomeState(o.value).page === 0)).toBe(true);
    expect(parseHomeState(select.initial_option?.value).filter).toBe("mine");
    // Every action id of the tab's own controls starts with home_.
    for (const e of actionElements(view)) expect(e.action_id).toMatch(/^home_/);
    // First and last pages have one paging button.
    const first = homeView(input({ queue: { ...input().queue, pages: 3 } }));
    expect(byAction(first, HOME_ACTIONS.previous)).toBeUndefined();
    expect(byAction(first, HOME_ACTIONS.next)).toBeDefined();
    expect(byAction(homeView(input()), HOME_ACTIONS.next)).toBeUndefined();
  });

  it("says when nobody is waiting, and when a filter matches nothing", () => {
    const empty = {
      ...input().queue,
      items: [],
      counts: { closing: 0, waiting: 0, in_progress: 0, closed: 0 },
      total: 0,
      open: 0,
    };
    expect(text(homeView(input({ queue: empty })))).toContain("Nobody is waiting");
    expect(
      text(
        homeView(input({ queue: empty, state: { range: "today", filter: "unassigned", page: 0 } })),
      ),
    ).toContain("Nothing open matches this filter");
  });

  it("explains itself on a new install instead of a wall of zeros", () => {
    const view = homeView(input({ newInstall: true }));
    const s = text(view);
    expect(s).toContain("No conversations yet");
    expect(s).toContain("npm run sandbox");
    expect(s).not.toContain("Escalation rate");
    expect(byAction(view, HOME_ACTIONS.refresh)).toBeDefined();
    expect(viewLimitProblems(view)).toEqual([]);
  });

  it("stays within Block Kit's limits with everything full and every name too long", () => {
    const long = `<!channel> *${"ñ".repeat(3000)}*`;
    const channels = Array.from({ length: 300 }, (_, i) => `C${String(i).padStart(8, "0")}`);
    const items = Array.from({ length: 10 }, (_, i) =>
      item({
        conversationId: 1_000_000 + i,
        customerName: long,
        reason: long,
        agentName: long,
        agentUserId: "U0X",
        section: (["closing", "waiting", "in_progress", "closed"] as const)[i % 4],
        thread: { channel: channels[i]!, ts: "1699999000.000100" },
      }),
    );
    const many = (n: number, label: string) =>
      Array.from({ length: n }, (_, i) => ({ label: `${label}${i}${long}`, n: i + 1 }));
    const full = input({
      settings: Array.from({ length: 20 }, (_, i) => ({
        key: `k${i}`,
        value: long,
        source: "set",
      })) as unknown as HomeInput["settings"],
      state: { range: "30d", filter: `channel:${channels[299]}`, page: 40 },
      figures: {
        ...input().figures,
        escalationTrend: Array.from({ length: 14 }, (_, i) => i / 14),
        handoffReasons: many(50, "r").map((r) => ({ reason: r.label, n: r.n })),
        deliveryFailures: many(50, "c").map((r) => ({ code: r.label, n: r.n })),
        deadJobs: many(50, "k").map((r) => ({ kind: r.label, n: r.n })),
        ai: {
          ...input().figures.ai,
          replyTiers: many(20, "t").map((r) => ({ tier: r.label, n: r.n })),
        },
      },
      queue: {
        items,
        counts: { closing: 300, waiting: 300, in_progress: 300, closed: 300 },
        total: 1200,
        pages: 120,
        open: 1200,
        channels,
      },
      agents: Array.from({ length: 200 }, (_, i) => ({
        agentUserId: `U${i}`,
        agentName: long,
        open: 6,
        replied: 1000,
        medianFirstReplyMs: 99 * 60 * MIN,
      })),
      csat: {
        rated: 5,
        satisfied: 1,
        average: 3,
        perAgent: Array.from({ length: 200 }, (_, i) => ({
          agentUserId: `U${i}`,
          agentName: long,
          rated: 1,
          satisfied: 1,
        })),
      },
    });
    for (const manager of [true, false]) {
      const view = homeView(full, { manager });
      expect(viewLimitProblems(view)).toEqual([]);
      expect(view.blocks.length).toBeLessThanOrEqual(100);
      const s = text(view);
      expect(s).not.toContain("<!channel>");
      expect(s).toContain("Page 41 of 120");
      for (const e of actionElements(view)) {
        if (e.type === "button") expect(e.value!.length).toBeLessThanOrEqual(2000);
      }
      const select = byAction(view, HOME_ACTIONS.filter) as StaticSelect;
      expect(select.options!.length).toBeLessThanOrEqual(100);
      expect(parseHomeState(select.initial_option?.value).filter).toBe(`channel:${channels[299]}`);
    }
  });
});

describe("formatUsd", () => {
  it("formats dollars", () => {
    expect(formatUsd(0)).toBe("US$0.00");
    expect(formatUsd(0.004)).toBe("< US$0.01");
    expect(formatUsd(1234.5)).toBe("US$1,234.50");
  });
});

describe("homeView: open conversations per stage and team", () => {
  it("shows a line per stage and team when the queue has them, nothing otherwise", () => {
    const withCounts = homeView(
      input({
        queue: {
          ...input().queue,
          byStage: [
            { name: "Hot Lead", n: 3 },
            { name: "New <Lead>", n: 1 },
          ],
          byTeam: [{ name: "Sales", n: 2 }],
        },
      }),
    );
    expect(text(withCounts)).toContain("By stage: Hot Lead *3* · New &lt;Lead&gt; *1*");
    expect(text(withCounts)).toContain("By team: Sales *2*");
    expect(viewLimitProblems(withCounts)).toEqual([]);
    const only = homeView(
      input({ queue: { ...input().queue, byStage: [], byTeam: [{ name: "Sales", n: 1 }] } }),
    );
    expect(text(only)).not.toContain("By stage");
    expect(text(only)).toContain("By team: Sales *1*");
    expect(text(homeView(input()))).not.toContain("By team");
  });

  it("names the top stages and sums the rest", () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ name: `Stage ${i}`, n: 8 - i }));
    const lines = agentCountBlocks({ byStage: many });
    expect(JSON.stringify(lines)).toContain("3 more *6*");
  });
});
