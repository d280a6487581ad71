import { describe, expect, it } from "vitest";
import { type QueueRow, queuePage, queueSection, WINDOW_CLOSING_MS } from "./queue.ts";

const NOW = 1_700_000_000_000;
const MIN = 60_000;

function row(over: Partial<QueueRow> = {}): QueueRow {
  return {
    conversationId: 1,
    state: "escalated",
    windowEndsAt: NOW + 10 * 60 * MIN,
    firstHumanReplyAt: null,
    agentUserId: null,
    channel: "C1",
    waitingSince: NOW - 5 * MIN,
    handoffAt: NOW - 5 * MIN,
    ...over,
  };
}

describe("queueSection", () => {
  it("puts each conversation in exactly one section, window first", () => {
    expect(queueSection(row(), NOW)).toBe("waiting");
    expect(queueSection(row({ firstHumanReplyAt: NOW - MIN }), NOW)).toBe("in_progress");
    expect(queueSection(row({ state: "agent" }), NOW)).toBe("in_progress");
    // Closing beats waiting; closed beats everything; the boundaries are exact.
    expect(queueSection(row({ windowEndsAt: NOW + WINDOW_CLOSING_MS - 1 }), NOW)).toBe("closing");
    expect(queueSection(row({ windowEndsAt: NOW + WINDOW_CLOSING_MS }), NOW)).toBe("waiting");
    expect(queueSection(row({ windowEndsAt: NOW, state: "agent" }), NOW)).toBe("closed");
    expect(queueSection(row({ windowEndsAt: null }), NOW)).toBe("closed");
  });
});

describe("queuePage", () => {
  const rows = [
    row({ conversationId: 1, windowEndsAt: NOW - MIN }),
    row({ conversationId: 2, windowEndsAt: NOW - 2 * MIN }),
    row({ conversationId: 3, windowEndsAt: NOW + 30 * MIN, agentUserId: "U1" }),
    row({ conversationId: 4, waitingSince: NOW - 50 * MIN }),
    row({ conversationId: 5, waitingSince: NOW - 90 * MIN, channel: "C2" }),
    row({ conversationId: 6, state: "agent", agentUserId: "U1", waitingSince: null }),
    row({ conversationId: 7, state: "agent", agentUserId: "U2", waitingSince: NOW - MIN }),
  ];
  const page = (over: Partial<Parameters<typeof queuePage>[1]> = {}) =>
    queuePage(rows, { now: NOW, filter: "all", viewer: "U1", page: 0, pageSize: 3, ...over });

  it("orders sections closing, waiting, in progress, closed, and pages through them", () => {
    const all = [0, 1, 2].flatMap((p) =>
      page({ page: p }).items.map((i) => `${i.section}:${i.conversationId}`),
    );
    expect(all).toEqual([
      "closing:3",
      "waiting:5",
      "waiting:4",
      "in_progress:7",
      "in_progress:6",
      "closed:1",
      "closed:2",
    ]);
    expect(page()).toMatchObject({
      counts: { closing: 1, waiting: 2, in_progress: 2, closed: 2 },
      total: 7,
      pages: 3,
      page: 0,
    });
  });

  it("shows the last page when asked for one past the end", () => {
    expect(page({ page: 99 })).toMatchObject({ page: 2, items: [{ conversationId: 2 }] });
  });

  it("filters mine, unassigned and one channel", () => {
    const ids = (p: ReturnType<typeof page>) => p.items.map((i) => i.conversationId).sort();
    expect(ids(page({ filter: "mine", pageSize: 10 }))).toEqual([3, 6]);
    expect(ids(page({ filter: "mine", viewer: null, pageSize: 10 }))).toEqual([]);
    expect(ids(page({ filter: "unassigned", pageSize: 10 }))).toEqual([1, 2, 4, 5]);
    expect(ids(page({ filter: "channel:C2", pageSize: 10 }))).toEqual([5]);
    expect(page({ filter: "channel:C9" })).toMatchObject({
      total: 0,
      pages: 1,
      page: 0,
      items: [],
    });
  });
});
