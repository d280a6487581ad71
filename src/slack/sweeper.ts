import type { ConversationId } from "../core/ids.ts";
import { reminderDue, windowWarningDue } from "../core/sla.ts";
import type { Db } from "../store/db.ts";
import { getConversation } from "../store/repositories/conversations.ts";
import { inTransaction } from "../store/tx.ts";
import { threadNotice } from "./blocks/index.ts";
import type { SlackSettings } from "./deps.ts";
import { enqueueThreadPost } from "./enqueue.ts";
import { openThreads, updateThread } from "./store.ts";

/**
 * One pass over open threads: an SLA reminder where the customer has waited too long for a human
 * (at most `maxReminders`), and a warning an hour before the 24-hour window closes while the
 * customer waits. Counters are updated in the same transaction as the queued notices, so a
 * crash cannot post a reminder twice. Returns how many notices were queued.
 */
export function sweepThreads(db: Db, settings: SlackSettings, now: number): number {
  return inTransaction(db, () => {
    let queued = 0;
    for (const thread of openThreads(db)) {
      const conversation = getConversation(db, thread.conversationId as ConversationId);
      if (!conversation || conversation.state === "closed" || conversation.state === "bot")
        continue;
      const timing = {
        customerWaitingSince: thread.customerWaitingSince,
        remindersSent: thread.remindersSent,
        lastReminderAt: thread.lastReminderAt,
        windowEndsAt: conversation.windowEndsAt,
        windowWarnedFor: thread.windowWarnedFor,
      };
      const conversationId = thread.conversationId as ConversationId;
      if (reminderDue(timing, settings.sla, now)) {
        const waitingMinutes = Math.floor((now - (thread.customerWaitingSince ?? now)) / 60_000);
        enqueueThreadPost(
          db,
          {
            conversationId,
            ...threadNotice({ kind: "sla_reminder", waitingMinutes, mention: settings.slaMention }),
          },
          `sla:${thread.id}:${thread.customerWaitingSince}:${thread.remindersSent + 1}`,
          now,
        );
        updateThread(
          db,
          thread.id,
          { remindersSent: thread.remindersSent + 1, lastReminderAt: now },
          now,
        );
        queued++;
      }
      if (windowWarningDue(timing, settings.sla, now) && conversation.windowEndsAt !== null) {
        enqueueThreadPost(
          db,
          {
            conversationId,
            ...threadNotice({
              kind: "window_closing",
              windowEndsAt: conversation.windowEndsAt,
              now,
            }),
          },
          `window:${thread.id}:${conversation.windowEndsAt}`,
          now,
        );
        updateThread(db, thread.id, { windowWarnedFor: conversation.windowEndsAt }, now);
        queued++;
      }
    }
    return queued;
  });
}
