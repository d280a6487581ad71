/** WhatsApp's customer-service window: 24 hours from the customer's last message. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** When the window closes, given the customer's message timestamp (Unix ms). */
export function windowClosesAt(customerMessageAt: number): number {
  return customerMessageAt + SERVICE_WINDOW_MS;
}

/**
 * The new window end after a customer message: messages can arrive out of order, so an older
 * message never shortens a window a newer one opened.
 */
export function refreshWindow(currentEnd: number | null, customerMessageAt: number): number {
  const candidate = windowClosesAt(customerMessageAt);
  return currentEnd === null ? candidate : Math.max(currentEnd, candidate);
}

/** Whether a free-form (non-template) message may be sent at `now`. */
export function isWindowOpen(windowEnd: number | null, now: number): boolean {
  return windowEnd !== null && now < windowEnd;
}
