import { asc, eq, sql } from "drizzle-orm";
import type { MessageId } from "../core/ids.ts";
import { blockedByOptOut, OPTED_OUT_REASON } from "../core/opt-out.ts";
import { isWindowOpen } from "../core/window.ts";
import type { ClaimedJob, JobHandler } from "../jobs/types.ts";
import { lazyChild } from "../lazy-logger.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { prepared, preparedQuery, updateRow } from "../store/prepared.ts";
import { getContact } from "../store/repositories/contacts.ts";
import { getConversation } from "../store/repositories/conversations.ts";
import { applyStatus, getMessage } from "../store/repositories/messages.ts";
import { messages, statusEvents } from "../store/schema.ts";
import type { GraphClient, SendResult } from "../whatsapp/graph/client.ts";
import { GraphApiError } from "../whatsapp/graph/errors.ts";
import type { StatusUpdate } from "../whatsapp/webhook/types.ts";
import { callbackDataFor } from "./queue.ts";
import { needsOpenWindow, type OutboundContent, outboundPurpose } from "./types.ts";

export interface SendJobPayload {
  messageId: MessageId;
}

export interface SendJobDeps {
  db: Db;
  graph: Pick<GraphClient, "sendText" | "sendTemplate" | "sendMedia" | "sendButtons">;
  logger: Logger;
  /**
   * After a send whose outcome is unknown (the process died or the call timed out mid-request),
   * how long to wait for a status webhook proving it was accepted before sending again
   * (`WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS`). With no status webhook by then the message is sent
   * again, and the customer may see it twice: the Cloud API has no idempotency key.
   */
  unknownOutcomeWaitMs?: number;
  /**
   * Since when the service has been taking webhooks without a break (read when needed). The
   * unknown-outcome wait is counted from the later of the first attempt and this: a status
   * webhook can only arrive while we are up, and after a long outage or a crash loop Meta's
   * redelivery of it may still be on its way.
   *
   * With several instances it is the service's, not this instance's, start (`serviceUpSince` in
   * src/core/uptime.ts over the runners' recorded lives): the status webhook may have reached any
   * of them, and counting from this instance's own start would let instances that keep being
   * replaced hold a conversation's later messages back far longer than the wait.
   */
  upSince?: () => number;
  /** How often to retry while the access token or the account needs an operator. */
  operatorRetryMs?: number;
  /**
   * The operators' alert (`whatsapp.account`): raised when Meta refuses sends for a reason only
   * an operator can fix (token 190, a locked account), cleared by the next accepted send.
   */
  alerts?: {
    raise(key: string, text: string): void;
    clear(key: string, text: string): void;
  };
  /** Called for each early status re-applied once the wamid is known (inside the commit). */
  onStatusApplied?: (db: Db, update: StatusUpdate) => void;
  /** Called when a message ends failed (window closed, undeliverable, ...), inside the commit. */
  onFailed?: (messageId: MessageId, code: number | null, reason: string) => void;
  now?: () => number;
}

/** Records an outbound message as failed, keeping the code and the reason. */
export function failOutbound(
  db: Db,
  id: MessageId,
  code: number | null,
  reason: string,
  at: number,
): void {
  updateRow(db, messages, id, {
    status: "failed",
    errorCode: code,
    errorDetail: reason,
    statusAt: at,
    updatedAt: at,
  });
}

/**
 * What a dead `send` job leaves behind: the message is marked failed (it stayed `queued` or
 * `sending`) and `onFailed` tells the agent, instead of the message silently never going out.
 */
export function sendJobDeadHandler(
  deps: Pick<SendJobDeps, "db" | "onFailed">,
): (job: ClaimedJob<SendJobPayload>, error: string) => void {
  return (job, error) => {
    const msg = getMessage(deps.db, job.payload.messageId);
    if (!msg || (msg.status !== "queued" && msg.status !== "sending")) return;
    const reason = `not sent: gave up after ${job.attempt} attempt(s) (${error})`;
    failOutbound(deps.db, msg.id as MessageId, null, reason, Date.now());
    deps.onFailed?.(msg.id as MessageId, null, reason);
  };
}

/** A code we record ourselves when the window check stops a send before the Graph API sees it. */
export const WINDOW_CLOSED_CODE = 131047;

/**
 * The `send` job: delivers one outbound message through the Graph API, at most once.
 *
 * Before calling the API the message is committed as `sending`. If the process dies or the call
 * fails in a way that may have reached Meta (a timeout or reset after the request was written, a
 * gateway's 5xx), the outcome is unknown: Meta may have accepted it. The retry then first looks
 * for a status webhook carrying our id (`biz_opaque_callback_data`), and waits
 * `unknownOutcomeWaitMs` for one before sending again, so a crash does not make the customer see
 * the message twice as long as Meta's status webhook comes within the wait. A failure that
 * provably never reached Meta (`GraphApiError.fate === "not_sent"`) or Meta's own error answer is
 * not an unknown outcome: it is retried without the wait.
 */
export function createSendJob(deps: SendJobDeps): JobHandler<SendJobPayload> {
  const { db, logger } = deps;
  const now = deps.now ?? Date.now;
  const unknownWait = deps.unknownOutcomeWaitMs ?? 45_000;
  const operatorRetry = deps.operatorRetryMs ?? 5 * 60_000;

  return async (job, ctx) => {
    const id = job.payload.messageId;
    const log = lazyChild(logger, { messageId: id, jobId: job.id });
    const msg = getMessage(db, id);
    if (msg?.direction !== "out") {
      log.warn("send job for a missing or inbound message: nothing to do");
      return;
    }
    if (msg.status !== "queued" && msg.status !== "sending") return; // already decided

    // An earlier attempt may have reached Meta: `sending` (unknown outcome), or back in `queued`
    // after a later attempt failed without reaching Meta. A status webhook proves it went out.
    if (msg.status === "sending" || msg.sendStartedAt !== null) {
      const proof = db
        .select()
        .from(statusEvents)
        .where(eq(statusEvents.callbackData, callbackDataFor(id)))
        .get();
      if (proof) {
        ctx.commit(() => recordAccepted(id, proof.waMessageId));
        log.info(
          { waMessageId: proof.waMessageId },
          "earlier send attempt was accepted; not sending again",
        );
        return;
      }
    }
    if (msg.status === "sending") {
      const waitFrom = Math.max(msg.sendStartedAt ?? 0, deps.upSince?.() ?? 0);
      if (now() - waitFrom < unknownWait) {
        return {
          type: "reschedule",
          delayMs: waitFrom + unknownWait - now(),
          reason: "earlier send attempt has an unknown outcome; waiting for a status webhook",
        };
      }
      log.warn("earlier send attempt left no trace; sending again");
    }

    const conversation = getConversation(db, msg.conversationId);
    const contact = conversation ? getContact(db, conversation.contactId) : undefined;
    // A username user may have no number: their business-scoped user id reaches them too.
    const to = contact?.waId ?? contact?.userId ?? null;
    const content = msg.payload as OutboundContent;
    if (!conversation || !to) {
      ctx.commit(() => markFailed(id, null, "no WhatsApp number for this contact"));
      return;
    }
    // The final guard of the opt-out (src/core/opt-out.ts): every send comes through here, so
    // nothing but the opt-out's own confirmation reaches a customer who said STOP, whichever
    // path queued it (AI, agent reply, template, bridge message) and even if it was queued
    // before the STOP. The agent is told through onFailed, like any failure.
    if (blockedByOptOut(contact?.optedOutAt ?? null, outboundPurpose(content))) {
      ctx.commit(() => markFailed(id, null, OPTED_OUT_REASON));
      log.info("not sent: the customer opted out");
      return;
    }
    if (needsOpenWindow(content) && !isWindowOpen(conversation.windowEndsAt, now())) {
      ctx.commit(() =>
        markFailed(id, WINDOW_CLOSED_CODE, "24-hour window closed: only templates can be sent"),
      );
      log.info("not sent: the 24-hour window is closed");
      return;
    }

    // Fenced: a run that lost its lease while stalled (another worker has the job and may be
    // sending) stops here instead of overwriting that run's mark and sending a second time.
    ctx.fenced(() =>
      updateRow(db, messages, id, { status: "sending", sendStartedAt: now(), updatedAt: now() }),
    );
    let result: SendResult;
    try {
      result = await send(to, content, {
        callbackData: callbackDataFor(id),
        ...(msg.quotedWaMessageId ? { replyTo: msg.quotedWaMessageId } : {}),
      });
    } catch (err) {
      if (!(err instanceof GraphApiError)) throw err;
      // Only a request that may have reached Meta keeps the `sending` mark (and so the wait for
      // a status webhook before sending again). Meta's own error answer (`rejected`) and a
      // request that provably never left (`not_sent`: refused connection, DNS failure, connect
      // timeout, TLS handshake failure; see `requestNeverSent`) cannot have sent anything: the
      // message goes back to `queued` and the retry sends at once, after the runner's backoff.
      if (err.fate !== "unknown") {
        ctx.fenced(() => updateRow(db, messages, id, { status: "queued", updatedAt: now() }));
        if (err.fate === "not_sent") log.info({ err: err.message }, "send never reached Meta");
      }
      switch (err.kind) {
        case "retryable":
        case "rate_limited":
          throw err;
        case "auth":
        case "operator":
          deps.alerts?.raise(
            "whatsapp.account",
            `WhatsApp refuses sends (code ${err.code ?? "?"}: ${err.message.slice(0, 300)}). Messages are kept and retried every ${Math.round(operatorRetry / 60_000)} minutes until an operator fixes it (token, account).`,
          );
          log.error(
            { code: err.code, kind: err.kind },
            `WhatsApp send blocked until an operator acts (${err.message}); keeping the message`,
          );
          return { type: "reschedule", delayMs: operatorRetry, reason: err.message };
        case "window_closed":
        case "permanent":
          ctx.commit(() => markFailed(id, err.code, err.details ?? err.message));
          log.warn({ code: err.code }, `send failed permanently: ${err.message}`);
          return;
      }
    }
    ctx.commit(() => recordAccepted(id, result.waMessageId));
    deps.alerts?.clear("whatsapp.account", "WhatsApp accepts sends again.");
  };

  function send(
    to: string,
    content: OutboundContent,
    opts: { callbackData: string; replyTo?: string },
  ) {
    switch (content.kind) {
      case "text":
        return deps.graph.sendText(to, content.body, opts);
      case "template":
        return deps.graph.sendTemplate(to, content.template, opts);
      case "media":
        return deps.graph.sendMedia(to, content.media, opts);
      case "buttons":
        return deps.graph.sendButtons(to, content.body, content.buttons, opts);
    }
  }

  function recordAccepted(id: MessageId, waMessageId: string) {
    updateRow(db, messages, id, {
      waMessageId,
      status: "accepted",
      statusAt: now(),
      updatedAt: now(),
    });
    // Statuses that arrived before we knew the wamid were kept; apply them now, in order.
    const early = preparedQuery(db, "earlyStatuses", () =>
      db
        .select()
        .from(statusEvents)
        .where(eq(statusEvents.waMessageId, sql.placeholder("waMessageId")))
        .orderBy(asc(statusEvents.id))
        .prepare(),
    ).all({ waMessageId });
    for (const ev of early) {
      prepared(db, "DELETE FROM status_events WHERE id = ?").run(ev.id);
      const update: StatusUpdate = {
        waMessageId: ev.waMessageId as StatusUpdate["waMessageId"],
        status: ev.status as StatusUpdate["status"],
        at: ev.at,
        recipientId: null,
        callbackData: ev.callbackData,
        errors:
          ev.errorCode === null
            ? []
            : [
                {
                  code: ev.errorCode,
                  title: ev.errorTitle,
                  message: null,
                  details: ev.errorDetail,
                },
              ],
        pricingCategory: null,
        raw: ev.payload,
      };
      if (applyStatus(db, update, now()) === "applied") deps.onStatusApplied?.(db, update);
    }
  }

  function markFailed(id: MessageId, code: number | null, reason: string) {
    failOutbound(db, id, code, reason, now());
    deps.onFailed?.(id, code, reason);
  }
}
