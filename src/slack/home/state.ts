/**
 * The Home tab's view state: which range the figures cover, which part of the queue is listed
 * and which page of it. It travels in the `value` of the tab's own buttons and select options
 * (JSON, a few dozen characters), so no per-user storage is needed: every click carries the
 * state it asks for, and the refresh button the state on screen.
 */

/** The figures' range: the business day so far, or the last 7 or 30 business days. */
export type HomeRange = "today" | "7d" | "30d";
/** Which open conversations are listed: all, the viewer's own, nobody's, or one channel's. */
export type HomeFilter = "all" | "mine" | "unassigned" | `channel:${string}`;

export interface HomeState {
  range: HomeRange;
  filter: HomeFilter;
  /** 0-based page of the queue. */
  page: number;
}

export const DEFAULT_HOME_STATE: HomeState = { range: "today", filter: "all", page: 0 };

/** Business days a range covers (today counts as one). */
export const RANGE_DAYS: Record<HomeRange, number> = { today: 1, "7d": 7, "30d": 30 };

/** How a range is named on screen. */
export const RANGE_LABELS: Record<HomeRange, string> = {
  today: "Today",
  "7d": "7 days",
  "30d": "30 days",
};

const RANGES = new Set<string>(["today", "7d", "30d"]);
// A Slack channel id: C (public), G (private) or D, then upper-case letters and digits.
const CHANNEL = /^channel:[CGD][A-Z0-9]{1,30}$/;
/** Pages beyond any real queue are refused: a forged value cannot make us skip a million rows. */
export const MAX_HOME_PAGE = 500;

function isFilter(v: unknown): v is HomeFilter {
  return (
    v === "all" || v === "mine" || v === "unassigned" || (typeof v === "string" && CHANNEL.test(v))
  );
}

/**
 * The state a button or option value asks for. Anything not understood (not JSON, another
 * app's value, an unknown range, a forged channel, a negative or huge page) falls back to the
 * default, field by field, so a stale or foreign value still draws a sensible tab.
 */
export function parseHomeState(value: string | null | undefined): HomeState {
  let raw: unknown;
  try {
    raw = typeof value === "string" && value.length <= 2000 ? JSON.parse(value) : null;
  } catch {
    raw = null;
  }
  const o =
    typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : {};
  const page = o.p;
  return {
    range:
      typeof o.r === "string" && RANGES.has(o.r) ? (o.r as HomeRange) : DEFAULT_HOME_STATE.range,
    filter: isFilter(o.f) ? o.f : DEFAULT_HOME_STATE.filter,
    page:
      typeof page === "number" && Number.isInteger(page) && page >= 0 && page <= MAX_HOME_PAGE
        ? page
        : DEFAULT_HOME_STATE.page,
  };
}

/** The value a button or option carries: compact JSON, well under Slack's 150-character option limit. */
export function encodeHomeState(state: HomeState): string {
  return JSON.stringify({ r: state.range, f: state.filter, p: state.page });
}
