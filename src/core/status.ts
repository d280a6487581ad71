/** Delivery states WhatsApp reports for an outbound message. */
export type WaStatus = "sent" | "delivered" | "read" | "played" | "failed";

/**
 * Our own lifecycle of an outbound message around what WhatsApp reports: `queued` (job waiting),
 * `sending` (a Graph API call is or was in flight: outcome unknown until it answers),
 * `accepted` (the Graph API answered with a wamid), then WhatsApp's statuses.
 */
export type OutboundStatus = "queued" | "sending" | "accepted" | WaStatus;

const rank: Record<OutboundStatus, number> = {
  queued: 0,
  sending: 1,
  accepted: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  played: 6,
  failed: 7,
};

/**
 * Whether a reported status may replace the current one. Statuses arrive out of order and
 * repeated, so a status never moves backwards, and `failed` is final for that send.
 */
export function statusAdvances(current: OutboundStatus, next: OutboundStatus): boolean {
  if (current === "failed") return false;
  if (next === "failed") return true;
  return rank[next] > rank[current];
}
