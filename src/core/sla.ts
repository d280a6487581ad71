/** What the sweeper knows about an open handoff thread. */
export interface ThreadTiming {
  /** When the customer's oldest unanswered message arrived (null: nobody is waiting). */
  customerWaitingSince: number | null;
  remindersSent: number;
  lastReminderAt: number | null;
  windowEndsAt: number | null;
  /** The window end a closing warning was already posted for. */
  windowWarnedFor: number | null;
}

export interface SlaPolicy {
  /** No human reply within this → a reminder; repeated every `reminderEveryMs`. */
  firstReminderMs: number;
  reminderEveryMs: number;
  maxReminders: number;
  /** Warn this long before the 24-hour window closes. */
  windowWarningMs: number;
}

/** Whether a reminder is due now (customer waiting too long, fewer than the maximum sent). */
export function reminderDue(t: ThreadTiming, p: SlaPolicy, now: number): boolean {
  if (t.customerWaitingSince === null || t.remindersSent >= p.maxReminders) return false;
  if (now - t.customerWaitingSince < p.firstReminderMs) return false;
  return t.lastReminderAt === null || now - t.lastReminderAt >= p.reminderEveryMs;
}

/** Whether to warn that the window closes soon: customer waiting, window closing within the warning time. */
export function windowWarningDue(t: ThreadTiming, p: SlaPolicy, now: number): boolean {
  if (t.customerWaitingSince === null || t.windowEndsAt === null) return false;
  if (t.windowWarnedFor === t.windowEndsAt) return false;
  return now < t.windowEndsAt && t.windowEndsAt - now <= p.windowWarningMs;
}
