/** A job runner's life as the `workers` table records it. */
export interface WorkerLife {
  startedAt: number;
  /** Its last sign of life (clean stop or last heartbeat); null while it is alive. */
  until: number | null;
}

/**
 * Since when the service has been up without a break: the start of the chain of overlapping
 * runner lives that reaches the present. With several instances that is earlier than any one
 * instance's start as long as their lives overlapped (a deploy, a killed instance replaced while
 * the others served); a moment with none alive breaks the chain. Null when none is alive.
 *
 * Conservative by construction: a life counts from its runner's start (after its webhooks were
 * taken) to its last heartbeat (before its death), so the result is never earlier than the truth.
 */
export function serviceUpSince(lives: readonly WorkerLife[]): number | null {
  let since = Number.POSITIVE_INFINITY;
  for (const l of lives) if (l.until === null) since = Math.min(since, l.startedAt);
  if (since === Number.POSITIVE_INFINITY) return null;
  // Lives that began earlier and lasted until `since` or later extend the chain back; repeat
  // until none does (a handful of rows: workers gone for a day are deleted).
  for (let changed = true; changed; ) {
    changed = false;
    for (const l of lives) {
      if (l.startedAt < since && l.until !== null && l.until >= since) {
        since = l.startedAt;
        changed = true;
      }
    }
  }
  return since;
}
