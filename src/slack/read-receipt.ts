import type { Logger } from "../logger.ts";
import type { SlackDeps } from "./deps.ts";

/**
 * Marks a mirrored customer message read on WhatsApp once it is in the Slack thread: the blue
 * ticks mean a person can now see it. A receipt is a courtesy, so a failure is only logged; the
 * post it follows has already happened and must not be repeated for it.
 */
export async function markReadAfterMirror(
  deps: Pick<SlackDeps, "graph">,
  log: Logger,
  waMessageId: string,
): Promise<void> {
  try {
    await deps.graph.markRead(waMessageId);
  } catch (err) {
    log.warn({ err, waMessageId }, "could not mark the mirrored message read; continuing");
  }
}
