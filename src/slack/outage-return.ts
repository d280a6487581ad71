import type { ConversationId } from "../core/ids.ts";
import { type OutageReturnPolicy, outageReturnDue } from "../core/outage-return.ts";
import { conversationKey } from "../jobs/keys.ts";
import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { getContact } from "../store/repositories/contacts.ts";
import { getConversation, transitionConversation } from "../store/repositories/conversations.ts";
import { inTransaction } from "../store/tx.ts";
import { threadNotice } from "./blocks/index.ts";
import { enqueueRootUpdate, enqueueThreadPost } from "./enqueue.ts";
import { threadForConversation, updateThread } from "./store.ts";

/**
 * Gives back to the AI the conversations handed off only because the model was unavailable
 * (`AI_RETURN_AFTER_OUTAGE_MINUTES`; rule in `src/core/outage-return.ts`). For each one, in one
 * transaction: `escalated → bot`, the customer's unanswered messages (those after the last reply
 * by the AI or an agent) become unhandled again and a turn is queued for them, so the AI answers
 * what the customer asked during the outage; the thread gets a notice and its root is redrawn.
 * Only threads whose root is posted are considered: before that the handoff job still runs.
 * Returns how many conversations went back.
 */
export function returnAfterOutage(db: Db, policy: OutageReturnPolicy, now: number): number {
  if (policy.withinMs <= 0) return 0;
  // The newest successful answer of the model, found walking the created_at index backwards.
  const answered = prepared(
    db,
    `SELECT created_at AS at FROM ai_calls WHERE outcome = 'ok' AND purpose = 'answer'
     ORDER BY created_at DESC LIMIT 1`,
  ).get() as { at: number } | undefined;
  if (!answered) return 0;
  const candidates = prepared(
    db,
    `SELECT id FROM conversations
     WHERE state = 'escalated' AND handoff_reason = 'model_unavailable'
       AND handoff_at >= ? AND handoff_at < ?`,
  ).all(now - policy.withinMs, answered.at) as { id: ConversationId }[];
  let returned = 0;
  for (const { id } of candidates) {
    if (returnOne(db, id, answered.at, policy, now)) returned++;
  }
  return returned;
}

function returnOne(
  db: Db,
  id: ConversationId,
  modelAnsweredAt: number,
  policy: OutageReturnPolicy,
  now: number,
): boolean {
  return inTransaction(db, () => {
    const conversation = getConversation(db, id);
    const thread = threadForConversation(db, id);
    if (!conversation || !thread || thread.rootTs === null) return false;
    const handoffAt = conversation.handoffAt ?? 0;
    const agentWrote = prepared(
      db,
      `SELECT 1 FROM messages WHERE conversation_id = ? AND direction = 'out'
         AND author = 'agent' AND created_at >= ? LIMIT 1`,
    ).get(id, handoffAt);
    const decision = outageReturnDue(
      {
        state: conversation.state,
        handoffReason: conversation.handoffReason,
        handoffAt: conversation.handoffAt,
        claimed: thread.agentUserId !== null,
        agentWroteSinceHandoff: agentWrote !== undefined,
        modelAnsweredAt,
        windowEndsAt: conversation.windowEndsAt,
        optedOut: (getContact(db, conversation.contactId)?.optedOutAt ?? null) !== null,
      },
      policy,
      now,
    );
    if (!decision.return) return false;
    if (!transitionConversation(db, id, "escalated", "bot", now)) return false;
    updateThread(db, thread.id, { status: "returned_to_ai", customerWaitingSince: null }, now);
    enqueueRootUpdate(db, id, now);
    enqueueThreadPost(
      db,
      { conversationId: id, ...threadNotice({ kind: "returned_after_outage" }) },
      `outage-return:${id}:${handoffAt}`,
      now,
    );
    // The customer's messages since the last real answer (the outage notice is a system message).
    prepared(
      db,
      `UPDATE messages SET status = 'received', updated_at = ?
       WHERE conversation_id = ? AND direction = 'in' AND status = 'handled'
         AND id > coalesce((SELECT max(id) FROM messages WHERE conversation_id = ?
                              AND direction = 'out' AND author IN ('bot', 'agent')), 0)`,
    ).run(now, id, id);
    enqueueJob(
      db,
      { kind: "turn", payload: { conversationId: id }, orderKey: conversationKey(id) },
      now,
    );
    return true;
  });
}
