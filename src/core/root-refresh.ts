/**
 * When a handoff thread's root message must be redrawn so that its 24-hour window field stays
 * true. Pure: the sweeper feeds it what the root last showed and what is true now.
 */

/** Default for the least time between two redraws of one thread's root. */
export const ROOT_REFRESH_MIN_INTERVAL_MS = 5 * 60_000;

/** What the root's window field says: open, closing soon (the last stretch), closed, unknown. */
export type RootWindowPhase = "unknown" | "open" | "closing" | "closed";

/** Why a redraw is due. */
export type RootRefreshReason = "window_moved" | "closing" | "closed";

export interface RootRefreshInput {
  /** The window end the root last showed (null: unknown, e.g. drawn before this was recorded). */
  shownWindowEndsAt: number | null;
  /** The window end now (`conversations.window_ends_at`). */
  windowEndsAt: number | null;
  /** When the root was last drawn or queued for redrawing (null: never recorded). */
  lastRootUpdateAt: number | null;
  now: number;
}

export interface RootRefreshPolicy {
  /** At most one redraw per thread within this time. */
  minIntervalMs: number;
  /** The window counts as closing this long before its end (the window warning time). */
  closingSoonMs: number;
}

/** The phase the window field shows when drawn at `at`. */
export function rootWindowPhase(
  windowEndsAt: number | null,
  at: number,
  closingSoonMs: number,
): RootWindowPhase {
  if (windowEndsAt === null) return "unknown";
  if (windowEndsAt <= at) return "closed";
  return windowEndsAt - at <= closingSoonMs ? "closing" : "open";
}

const RANK: Record<RootWindowPhase, number> = { unknown: 0, open: 1, closing: 2, closed: 3 };

/**
 * Whether the root must be redrawn now, and why; null when what it shows is still true enough
 * or it was redrawn less than `minIntervalMs` ago (every reason is throttled: the next sweep after
 * the interval picks it up, since the rule only compares states).
 *
 * Due when the window end moved (the customer wrote again, or the root never recorded what it
 * showed), or when the window crossed into its closing stretch or closed since the root was drawn.
 */
export function rootRefreshDue(
  input: RootRefreshInput,
  policy: RootRefreshPolicy,
): RootRefreshReason | null {
  const { shownWindowEndsAt, windowEndsAt, lastRootUpdateAt, now } = input;
  if (windowEndsAt === null) return null;
  if (lastRootUpdateAt !== null && now - lastRootUpdateAt < policy.minIntervalMs) return null;
  if (windowEndsAt !== shownWindowEndsAt || lastRootUpdateAt === null) return "window_moved";
  const shown = rootWindowPhase(shownWindowEndsAt, lastRootUpdateAt, policy.closingSoonMs);
  const current = rootWindowPhase(windowEndsAt, now, policy.closingSoonMs);
  if (RANK[current] <= RANK[shown]) return null;
  return current === "closed" ? "closed" : current === "closing" ? "closing" : null;
}
