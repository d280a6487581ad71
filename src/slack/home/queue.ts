import type { HomeFilter } from "./state.ts";

/**
 * The queue's sections, most urgent first. Each open conversation is in exactly one, decided in
 * this order of precedence:
 * 1. `closed`: the 24-hour window has closed (or never opened): only a template can reach the
 *    customer, whatever else is true.
 * 2. `closing`: the window closes within 2 hours: answer now or lose free-form replies.
 * 3. `waiting`: handed off and no human has replied yet.
 * 4. `in_progress`: a human owns it or has replied.
 * Listed in the order closing, waiting, in progress, closed: what can still be saved first.
 */
export type QueueSection = "closing" | "waiting" | "in_progress" | "closed";

export const QUEUE_SECTIONS: readonly QueueSection[] = [
  "closing",
  "waiting",
  "in_progress",
  "closed",
];

/** How close to its end a window counts as closing. */
export const WINDOW_CLOSING_MS = 2 * 60 * 60 * 1000;

/** Items per page of the queue. */
export const QUEUE_PAGE_SIZE = 10;

/** What the section of one open conversation depends on. Times are Unix ms. */
export interface QueueFacts {
  state: "escalated" | "agent";
  windowEndsAt: number | null;
  firstHumanReplyAt: number | null;
}

/** The one section an open conversation belongs to (precedence: see {@link QueueSection}). */
export function queueSection(facts: QueueFacts, now: number): QueueSection {
  if (facts.windowEndsAt === null || facts.windowEndsAt <= now) return "closed";
  if (facts.windowEndsAt - now < WINDOW_CLOSING_MS) return "closing";
  if (facts.state === "escalated" && facts.firstHumanReplyAt === null) return "waiting";
  return "in_progress";
}

/** One open conversation as the queue needs it to sort and filter. */
export interface QueueRow extends QueueFacts {
  conversationId: number;
  agentUserId: string | null;
  channel: string | null;
  /** Since when the customer waits for an answer; null when nobody waits. */
  waitingSince: number | null;
  handoffAt: number | null;
}

/** Whether a row passes the filter, for the viewer (a Slack user id). */
export function matchesFilter(row: QueueRow, filter: HomeFilter, viewer: string | null): boolean {
  if (filter === "all") return true;
  if (filter === "mine") return viewer !== null && row.agentUserId === viewer;
  if (filter === "unassigned") return row.agentUserId === null;
  return row.channel === filter.slice("channel:".length);
}

const INF = Number.POSITIVE_INFINITY;

/** Order within a section: closing by window end, closed most recent first, others by wait. */
function sortKey(row: QueueRow, section: QueueSection): number {
  switch (section) {
    case "closing":
      return row.windowEndsAt ?? INF;
    case "closed":
      return -(row.windowEndsAt ?? 0);
    case "waiting":
      return row.waitingSince ?? row.handoffAt ?? INF;
    default:
      // In progress: customers waiting for an answer first, longest first; nobody waiting last.
      return row.waitingSince ?? INF;
  }
}

/** One page of the filtered queue, with the count of each section and the page actually shown. */
export interface QueuePage<T extends QueueRow> {
  items: (T & { section: QueueSection })[];
  counts: Record<QueueSection, number>;
  total: number;
  /** The page shown: the one asked for, or the last one when the queue got shorter. */
  page: number;
  pages: number;
}

/**
 * Sorts the open conversations into sections, filters them for the viewer and cuts one page.
 * A page past the end shows the last page (the queue shrank since the button was drawn).
 */
export function queuePage<T extends QueueRow>(
  rows: readonly T[],
  opts: { now: number; filter: HomeFilter; viewer: string | null; page: number; pageSize?: number },
): QueuePage<T> {
  const size = opts.pageSize ?? QUEUE_PAGE_SIZE;
  const counts: Record<QueueSection, number> = {
    closing: 0,
    waiting: 0,
    in_progress: 0,
    closed: 0,
  };
  const rank = new Map(QUEUE_SECTIONS.map((s, i) => [s, i]));
  const sorted = rows
    .filter((r) => matchesFilter(r, opts.filter, opts.viewer))
    .map((r) => {
      const section = queueSection(r, opts.now);
      counts[section]++;
      return { ...r, section, key: sortKey(r, section) };
    })
    .sort(
      (a, b) =>
        (rank.get(a.section) ?? 0) - (rank.get(b.section) ?? 0) ||
        a.key - b.key ||
        a.conversationId - b.conversationId,
    );
  const pages = Math.max(1, Math.ceil(sorted.length / size));
  const page = Math.min(Math.max(0, opts.page), pages - 1);
  const items = sorted.slice(page * size, (page + 1) * size).map(({ key: _key, ...rest }) => rest);
  return {
    items: items as (T & { section: QueueSection })[],
    counts,
    total: sorted.length,
    page,
    pages,
  };
}
