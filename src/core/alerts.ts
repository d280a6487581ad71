/** What is remembered about one alert (one key: `whatsapp.auth`, `dead:send`, ...). */
export interface AlertState {
  active: boolean;
  /** When the current episode began. */
  raisedAt: number | null;
  /** When a line was last posted for it. */
  lastSentAt: number | null;
  /** Problems seen in this episode (including the first). */
  occurrences: number;
}

/** What to post: nothing, the first line, a reminder that it goes on, or the all-clear. */
export type AlertPost = null | "raised" | "ongoing" | "recovered";

export const QUIET: AlertState = {
  active: false,
  raisedAt: null,
  lastSentAt: null,
  occurrences: 0,
};

/**
 * A problem was seen. The first one of an episode is posted at once; while it goes on, at most
 * one reminder per `cooldownMs` (so a failing loop does not flood the channel).
 */
export function alertProblem(
  state: AlertState,
  now: number,
  cooldownMs: number,
): { post: AlertPost; next: AlertState } {
  if (!state.active)
    return {
      post: "raised",
      next: { active: true, raisedAt: now, lastSentAt: now, occurrences: 1 },
    };
  const occurrences = state.occurrences + 1;
  if (state.lastSentAt === null || now - state.lastSentAt >= cooldownMs)
    return { post: "ongoing", next: { ...state, lastSentAt: now, occurrences } };
  return { post: null, next: { ...state, occurrences } };
}

/**
 * The thing works again (a send accepted, a post made). Posts "recovered" once for an active
 * alert; nothing otherwise. Event-like alerts (a dead job) have no recovery: each later one is
 * posted as "ongoing", at most once per cool-down.
 */
export function alertRecovered(state: AlertState): { post: AlertPost; next: AlertState } {
  if (!state.active) return { post: null, next: state };
  return { post: "recovered", next: QUIET };
}
