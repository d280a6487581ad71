import type { KnownBlock } from "@slack/types";
import type { HandoffPayload, HandoffReason } from "../../ai/handoff.ts";
import { isOpen } from "../../core/business-hours.ts";
import { chooseChannel } from "../../core/channel-routing.ts";
import { isWindowOpen } from "../../core/window.ts";
import { enqueueJob } from "../../jobs/repository.ts";
import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import { queueOutbound } from "../../outbound/queue.ts";
import { getContact } from "../../store/repositories/contacts.ts";
import { getConversation } from "../../store/repositories/conversations.ts";
import { escapeMrkdwn } from "../blocks/index.ts";
import { slackCall } from "../call.ts";
import { liveSettings, type SlackDeps } from "../deps.ts";
import { enqueueRootUpdate, enqueueThreadPost } from "../enqueue.ts";
import { findJobPost, jobPostMetadata } from "../post-once.ts";
import { buildRoot } from "../root.ts";
import {
  createThread,
  type RootShown,
  recentTranscript,
  recordRootShown,
  threadForConversation,
  updateThread,
} from "../store.ts";
import { HANDOFF_SUMMARY_JOB, type HandoffSummaryPayload } from "./handoff-summary.ts";

/** The bridge message in the customer's language, with the expected wait or opening hours. */
export function bridgeText(
  settings: SlackDeps["settings"],
  language: "id" | "en",
  now: number,
): string {
  const closed = settings.businessHours !== null && !isOpen(settings.businessHours, now);
  const m = settings.bridgeMessage;
  const template = closed ? (language === "en" ? m.closedEn : m.closedId) : m[language];
  return template
    .replaceAll("{minutes}", String(Math.round(settings.sla.firstReminderMs / 60_000)))
    .replaceAll("{hours}", settings.businessHoursText ?? "");
}

const REASONS: Record<HandoffReason, string> = {
  customer_request: "Customer asked for a person",
  model_decision: "The AI decided a person should answer",
  low_confidence: "The AI was not confident enough",
  model_unavailable: "The AI model is unavailable",
  offline: "AI offline (no API key) and no knowledge-base match",
  ai_off: "AI switched off (kill switch)",
  rate_limited: "Customer over the message rate limit",
  token_budget: "Daily AI token budget used up",
};

/** The reason line shown in the thread: plain words plus the detail. */
export function reasonText(p: Pick<HandoffPayload, "reason" | "detail">): string {
  const base = REASONS[p.reason] ?? p.reason;
  return p.detail ? `${base}: ${p.detail}` : base;
}

/**
 * `handoff`: opens the conversation's thread (one root per conversation: jobs of a
 * conversation's thread run one at a time, so two quick handoffs cannot both post a root) or
 * reuses it after "Return to AI", then sends the customer the bridge message if the window is
 * open.
 */
export function createHandoffJob(deps: SlackDeps): JobHandler<HandoffPayload> {
  return async (job, ctx) => {
    const p = job.payload;
    const reason = reasonText(p);
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    const conversation = getConversation(deps.db, p.conversationId);
    // Closed or returned to the AI since the handoff was requested: nothing to open.
    if (!conversation || conversation.state === "bot" || conversation.state === "closed") {
      log.info({ state: conversation?.state }, "handoff no longer needed: conversation moved on");
      return;
    }
    // Already claimed (a stale button on an earlier root): keep the agent, only make sure the
    // thread exists.
    const waiting = conversation.state === "escalated";
    const contact = getContact(deps.db, conversation.contactId);
    const language = p.language ?? (contact?.language === "en" ? "en" : "id");
    let thread = threadForConversation(deps.db, p.conversationId);
    const reopened =
      waiting && thread !== undefined && thread.rootTs !== null && thread.status !== "waiting";
    if (!thread) {
      const customerText = recentTranscript(deps.db, p.conversationId, 5)
        .filter((m) => m.direction === "in")
        .map((m) => m.text)
        .join(" ");
      const channel = chooseChannel(
        deps.settings.routing,
        {
          language,
          text: `${customerText} ${p.lastCustomerText} ${reason}`,
          phone: contact?.waId ?? null,
        },
        deps.settings.escalationChannel,
      );
      thread = createThread(
        deps.db,
        { conversationId: p.conversationId, channel, reason, confidence: p.confidence, language },
        deps.now(),
      );
    } else if (waiting) {
      updateThread(
        deps.db,
        thread.id,
        {
          reason,
          confidence: p.confidence,
          status: "waiting",
          agentName: null,
          agentUserId: null,
          // A new handoff gets its own summary; until it is written, the automatic one.
          ...(reopened ? { handoffSummary: null } : {}),
        },
        deps.now(),
      );
    }

    let rootTs = thread.rootTs;
    // What a root posted now shows. A root found from an earlier attempt stays unrecorded (its
    // drawing is unknown), which makes the sweeper redraw it.
    let shown: RootShown | null = null;
    if (!rootTs && job.attempt > 1) {
      // A retry may follow a root whose answer was lost: a second root would split the thread.
      const found = await slackCall(
        deps,
        log,
        "conversations.history",
        () => findJobPost(deps.web, { channel: thread.channel }, job),
        thread.channel,
      );
      if (!found.ok) return found.outcome;
      rootTs = found.value ?? null;
      if (rootTs) log.info({ rootTs }, "found this job's earlier thread root; not posting again");
    }
    if (!rootTs) {
      const root = buildRoot(deps, p.conversationId, p.summary);
      if (!root) return;
      const res = await slackCall(
        deps,
        log,
        "chat.postMessage (handoff root)",
        () =>
          deps.web.chat.postMessage({
            channel: thread.channel,
            text: root.message.text,
            blocks: root.message.blocks as KnownBlock[],
            unfurl_links: false,
            metadata: jobPostMetadata(job.id),
          }),
        // Names the channel in a configuration alert (not_in_channel, ...).
        thread.channel,
      );
      if (!res.ok) return res.outcome;
      rootTs = res.value?.ts ?? null;
      if (!rootTs) throw new Error("chat.postMessage returned no ts");
      shown = root.shown;
    }

    const now = deps.now();
    ctx.commit(() => {
      const fresh = getConversation(deps.db, p.conversationId);
      // The root is recorded whatever happened meanwhile; the customer is only told while the
      // conversation still waits for a person.
      const stillWaiting = fresh?.state === "escalated";
      const sendBridge =
        stillWaiting &&
        !p.customerNotified &&
        fresh !== undefined &&
        isWindowOpen(fresh.windowEndsAt, now) &&
        (reopened || !thread.bridgeSentAt);
      if (sendBridge) {
        queueOutbound(
          deps.db,
          {
            conversationId: p.conversationId,
            author: "system",
            // The opening hours and SLA minutes in force now (a manager may have changed them).
            content: { kind: "text", body: bridgeText(liveSettings(deps), language, now) },
          },
          now,
        );
      }
      updateThread(
        deps.db,
        thread.id,
        {
          rootTs,
          ...(stillWaiting
            ? {
                customerWaitingSince: fresh?.lastCustomerMessageAt ?? now,
                remindersSent: 0,
                lastReminderAt: null,
              }
            : {}),
          ...(sendBridge ? { bridgeSentAt: now } : {}),
        },
        now,
      );
      if (shown) recordRootShown(deps.db, thread.id, shown, now);
      // The agents' summary of this handoff, by the fast tier; the root shows the deterministic
      // one until it is written. One per handoff, whatever the retries.
      enqueueJob(
        deps.db,
        {
          kind: HANDOFF_SUMMARY_JOB,
          payload: {
            conversationId: p.conversationId,
            handoffAt: fresh?.handoffAt ?? null,
          } satisfies HandoffSummaryPayload,
          dedupeKey: `handoff-summary:${p.conversationId}:${fresh?.handoffAt ?? job.id}`,
          maxAttempts: 3,
        },
        now,
      );
      if (reopened) {
        enqueueRootUpdate(deps.db, p.conversationId, now);
        recordRootShown(
          deps.db,
          thread.id,
          { windowEndsAt: fresh?.windowEndsAt ?? null, at: now },
          now,
        );
        enqueueThreadPost(
          deps.db,
          {
            conversationId: p.conversationId,
            text: `:arrows_counterclockwise: Handed off again: ${escapeMrkdwn(reason)}`,
          },
          undefined,
          now,
        );
      }
    });
    deps.wake();
  };
}
