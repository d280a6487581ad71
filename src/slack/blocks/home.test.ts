import type { Button, KnownBlock, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { formatUsd, type HomeInput, type HomeQueueItem, homeView } from "./home.ts";
import { viewLimitProblems } from "./validate.ts";

const NOW = 1_700_000_000_000;

function item(over: Partial<HomeQueueItem> = {}): HomeQueueItem {
  return {
    conversationId: 5,
    customerName: "Budi",
    phone: "6281234565678",
    state: "escalated",
    agentName: null,
    waitingSince: NOW - 12 * 60_000,
    thread: { channel: "C1", ts: "1699999000.000100" },
    ...over,
  };
}

function input(over: Partial<HomeInput> = {}): HomeInput {
  return {
    aiEnabled: true,
    escalationRate: 0.183,
    escalationPeriod: "last 7 days",
    medianFirstResponseMs: 4 * 60_000,
    costTodayUsd: 1.234,
    costWeekUsd: 12.5,
    messagesToday: 1234,
    queue: [
      item(),
      item({ conversationId: 6, state: "agent", agentName: "Sari", waitingSince: null }),
    ],
    now: NOW,
    ...over,
  };
}

function toggle(blocks: KnownBlock[]): Button {
  const section = blocks.find((b): b is SectionBlock => b.block_id === "ai_status");
  return section?.accessory as Button;
}

describe("homeView", () => {
  it("is a home view with the AI switch asking for the other state", () => {
    const on = homeView(input());
    expect(on.type).toBe("home");
    expect(toggle(on.blocks as KnownBlock[])).toMatchObject({
      action_id: "ai_toggle",
      value: "off",
    });
    expect(JSON.stringify(on.blocks)).toContain("AI replies are on");
    const off = homeView(input({ aiEnabled: false }));
    expect(toggle(off.blocks as KnownBlock[])).toMatchObject({
      action_id: "ai_toggle",
      value: "on",
    });
    expect(JSON.stringify(off.blocks)).toContain("AI replies are off");
  });

  it("shows the figures", () => {
    const s = JSON.stringify(homeView(input()).blocks);
    expect(s).toContain("*Escalation rate* (last 7 days)\\n18%");
    expect(s).toContain("*Median first human reply*\\n4 min");
    expect(s).toContain("US$1.23");
    expect(s).toContain("US$12.50");
    expect(s).toContain("1,234");
    const empty = JSON.stringify(
      homeView(input({ escalationRate: null, medianFirstResponseMs: null })).blocks,
    );
    expect(empty).toContain("n/a");
  });

  it("lists the queue with state, waiting time and a thread link", () => {
    const s = JSON.stringify(homeView(input()).blocks);
    expect(s).toContain("Open conversations (2)");
    expect(s).toContain("*Budi* · +62 812-••••-5678 · #5");
    expect(s).toContain("waiting for an agent · customer waiting 12 min");
    expect(s).toContain("with Sari · nobody waiting");
    expect(s).toContain(
      "<https://slack.com/app_redirect?channel=C1&amp;message_ts=1699999000.000100|Open thread>",
    );
  });

  it("says when nobody is waiting", () => {
    expect(JSON.stringify(homeView(input({ queue: [] })).blocks)).toContain("Nobody is waiting");
  });

  it("lists at most 20 and counts the rest, within the view limits", () => {
    const queue = Array.from({ length: 60 }, (_, i) =>
      item({ conversationId: i + 1, customerName: `<!channel> ${"n".repeat(500)}` }),
    );
    const view = homeView(input({ queue, queueTotal: 75 }));
    const rows = view.blocks.filter((b) => b.block_id?.startsWith("queue_"));
    expect(rows).toHaveLength(20);
    const s = JSON.stringify(view.blocks);
    expect(s).toContain("Open conversations (75)");
    expect(s).toContain("and 55 more");
    expect(s).not.toContain("<!channel>");
    expect(viewLimitProblems(view)).toEqual([]);
  });
});

describe("formatUsd", () => {
  it("formats dollars", () => {
    expect(formatUsd(0)).toBe("US$0.00");
    expect(formatUsd(0.004)).toBe("< US$0.01");
    expect(formatUsd(1234.5)).toBe("US$1,234.50");
  });
});
