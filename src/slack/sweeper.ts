import type { ConversationId } from "../core/ids.ts";
import {
  ROOT_REFRESH_MIN_INTERVAL_MS,
  rootRefreshDue,
  rootWindowPhase,
} from "../core/root-refresh.ts";
import { reminderDue, windowWarningDue } from "../core/sla.ts";
import type { Db } from "../store/db.ts";
import { getConversation } from "../store/repositories/conversations.ts";
import { inTransaction } from "../store/tx.ts";
import { threadNotice } from "./blocks/index.ts";
import type { SlackSettings } from "./deps.ts";
import { enqueueRootUpdate, enqueueThreadPost } from "./enqueue.ts";
import { openThreads, recordRootShown, updateThread } from "./store.ts";

/**
 * One pass over open threads: an SLA reminder where the customer has waited too long for a human
 * (at most `maxReminders`), a warning an hour before the 24-hour window closes while the
 * customer waits, and a redraw of the root when its window field went stale (the customer wrote
 * again, the window entered its warning time or closed; at most one per `rootRefreshMs` per
 * thread, pure rule in `src/core/root-refresh.ts`). Counters and what the root will show are
 * recorded in the same transaction as the queued jobs, so a crash cannot queue one twice.
 * Returns how many jobs were queued.
 */
export function sweepThreads(db: Db, settings: SlackSettings, now: number): number {
  const rootPolicy = {
    minIntervalMs: settings.rootRefreshMs ?? ROOT_REFRESH_MIN_INTERVAL_MS,
    closingSoonMs: settings.sla.windowWarningMs,
  };
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
      const refresh = rootRefreshDue(
        {
          shownWindowEndsAt: thread.rootWindowEndsAt,
          windowEndsAt: conversation.windowEndsAt,
          lastRootUpdateAt: thread.rootUpdatedAt,
          now,
        },
        rootPolicy,
      );
      if (refresh !== null) {
        // One key per (window end, phase): a second process or a regressed record cannot queue
        // the same redraw twice.
        const phase = rootWindowPhase(conversation.windowEndsAt, now, rootPolicy.closingSoonMs);
        const job = enqueueRootUpdate(
          db,
          conversationId,
          now,
          `root:${thread.id}:${conversation.windowEndsAt}:${phase}`,
        );
        recordRootShown(db, thread.id, { windowEndsAt: conversation.windowEndsAt, at: now }, now);
        if (job !== null) queued++;
      }
    }
    return queued;
  });
}
