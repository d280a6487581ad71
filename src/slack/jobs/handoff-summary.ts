import { eq } from "drizzle-orm";
import type { ModelPort } from "../../ai/anthropic-client.ts";
import { ModelUnavailableError } from "../../ai/anthropic-client.ts";
import { type CallRecord, failedCall, recordCall, textCall } from "../../ai/call-log.ts";
import type { CircuitBreaker } from "../../ai/circuit-breaker.ts";
import { tokensUsedToday } from "../../ai/guards.ts";
import { cleanHandoffSummary, handoffSummaryRequest } from "../../ai/handoff-summary.ts";
import { getAiSwitch } from "../../ai/kill-switch.ts";
import { modelSummaryAllowed } from "../../core/handoff-summary.ts";
import type { ConversationId } from "../../core/ids.ts";
import type { JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import type { Logger } from "../../logger.ts";
import type { Db } from "../../store/db.ts";
import { getConversation } from "../../store/repositories/conversations.ts";
import { slackThreads } from "../../store/schema.ts";
import { enqueueRootUpdate } from "../enqueue.ts";
import { summaryLines, threadForConversation } from "../store.ts";

/** The job kind that asks the fast tier for the agents' summary after a handoff. */
export const HANDOFF_SUMMARY_JOB = "slack.handoff_summary";

/** Payload of {@link HANDOFF_SUMMARY_JOB}. */
export interface HandoffSummaryPayload {
  conversationId: ConversationId;
  /** The handoff it summarises (conversations.handoff_at): a later handoff gets its own. */
  handoffAt: number | null;
}

/** What the job needs: the model (null offline), the fast tier's breaker, its model id. */
export interface HandoffSummaryDeps {
  db: Db;
  model: ModelPort | null;
  breaker: CircuitBreaker;
  /** AI_DAILY_TOKEN_BUDGET (0 = none) and the business day it counts in. */
  dailyTokenBudget: number;
  utcOffsetMinutes: number;
  /** The fast model in force now (a runtime setting). */
  fastModel: () => string;
  logger: Logger;
  now: () => number;
  wake: () => void;
}

/**
 * `slack.handoff_summary`: the fast tier writes the summary the root shows first. It is a nicety
 * on top of the deterministic summary the root already shows, so it is tried once: offline, with
 * the circuit open, or when the model fails, the job ends and the deterministic summary stays
 * (a handoff must not wait for, or retry against, the model that may be why it happened).
 * The summary, the call's record and the root's redraw commit with the job: once each.
 */
export function createHandoffSummaryJob(
  deps: HandoffSummaryDeps,
): JobHandler<HandoffSummaryPayload> {
  return async (job, ctx) => {
    const p = job.payload;
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    if (!deps.model) return;
    const thread = threadForConversation(deps.db, p.conversationId);
    if (!thread) return;
    const lines = summaryLines(deps.db, p.conversationId);
    if (!lines.some((l) => l.from === "customer")) return;
    const conversation = getConversation(deps.db, p.conversationId);
    const allowed = modelSummaryAllowed({
      handoffReason: conversation?.handoffReason ?? null,
      aiOn: getAiSwitch(deps.db) === "on",
      overBudget:
        deps.dailyTokenBudget > 0 &&
        tokensUsedToday(deps.db, deps.now(), deps.utcOffsetMinutes) >= deps.dailyTokenBudget,
    });
    if (!allowed) return;
    if (!deps.breaker.allow()) {
      log.info("model circuit open: keeping the automatic handoff summary");
      return;
    }
    const req = handoffSummaryRequest(deps.fastModel(), lines, thread.reason);
    let call: CallRecord;
    let summary: string | null = null;
    try {
      const r = await deps.model.text(req, ctx.signal);
      deps.breaker.success();
      summary = r.ok ? cleanHandoffSummary(r.text) : null;
      call = textCall("summary", "fast", req.model, r);
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) {
        deps.breaker.abandon();
        throw err;
      }
      deps.breaker.failure();
      log.warn({ err: err.message }, "handoff summary failed; keeping the automatic one");
      call = failedCall("summary", "fast", req.model, err);
    }
    const now = deps.now();
    ctx.commit(() => {
      recordCall(deps.db, p.conversationId, null, call, now);
      if (summary === null) return;
      deps.db
        .update(slackThreads)
        .set({ handoffSummary: summary, updatedAt: now })
        .where(eq(slackThreads.id, thread.id))
        .run();
      enqueueRootUpdate(deps.db, p.conversationId, now);
    });
    if (summary !== null) deps.wake();
  };
}
