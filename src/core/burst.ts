import type { ConversationState } from "./conversation.ts";

/** How long the AI waits for a customer to finish a burst of messages. */
export interface BurstPolicy {
  /** Quiet time after the newest message before the turn is answered. */
  burstMs: number;
  /** A turn is never delayed more than this after it was queued, however chatty the burst. */
  maxBurstMs: number;
}

/**
 * Milliseconds a turn should still wait before answering (0: answer now). Only the AI waits: a
 * conversation with a person sees each message at once. The wait is decided when the turn runs,
 * from the newest message's arrival, rather than by pushing the queued job back on every
 * message: that kept ingest to reads plus one insert per message (bench/ingest).
 */
export function burstWaitMs(
  policy: BurstPolicy,
  turn: {
    state: ConversationState;
    /** When the turn's job was queued (Unix ms). */
    queuedAt: number;
    /** When the newest of the turn's messages arrived (Unix ms, our clock). */
    newestArrivedAt: number;
  },
  now: number,
): number {
  if (turn.state !== "bot" || policy.burstMs <= 0) return 0;
  const answerAt = Math.min(
    turn.newestArrivedAt + policy.burstMs,
    turn.queuedAt + policy.maxBurstMs,
  );
  return Math.max(0, answerAt - now);
}
