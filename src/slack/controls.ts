import type { ConversationState } from "../core/conversation.ts";
import type { ConversationId } from "../core/ids.ts";
import { queueOutbound } from "../outbound/queue.ts";
import type { Db } from "../store/db.ts";
import { getContact } from "../store/repositories/contacts.ts";
import {
  type ConversationRow,
  getConversation,
  transitionConversation,
} from "../store/repositories/conversations.ts";
import { inTransaction } from "../store/tx.ts";
import { type ThreadNotice, threadNotice } from "./blocks/index.ts";
import { askCsatOnClose } from "./csat.ts";
import { enqueueRootUpdate, enqueueThreadPost } from "./enqueue.ts";
import { recordRootShown, type ThreadRow, threadForConversation, updateThread } from "./store.ts";
import { approvedTemplates } from "./templates.ts";

/** Who pressed a button: the Slack user and their display name. */
export interface Actor {
  userId: string;
  name: string;
}

/** The outcome of a control, for an ephemeral answer when it did nothing. */
export type ControlResult = { ok: true } | { ok: false; message: string };

const notFound: ControlResult = {
  ok: false,
  message: "This conversation is not known to jembatan.",
};

type Change = {
  to: ConversationState;
  thread: Partial<ThreadRow>;
  notice: ThreadNotice;
  /** Further writes of the change, in its transaction once the state has moved. */
  alsoDo?: () => void;
};

/**
 * One control in one transaction: reads the conversation and its thread, lets `decide` refuse
 * or describe the change, then applies it with a compare-and-set on the state (a concurrent
 * click or job wins cleanly), refreshes the root's status line (recording the window it will
 * show, for the sweeper's refresh rule) and posts the notice.
 */
function control(
  db: Db,
  id: ConversationId,
  now: number,
  decide: (conversation: ConversationRow, thread: ThreadRow) => Change | ControlResult,
): ControlResult {
  return inTransaction(db, () => {
    const conversation = getConversation(db, id);
    const thread = threadForConversation(db, id);
    if (!conversation || !thread) return notFound;
    const change = decide(conversation, thread);
    if ("ok" in change) return change;
    if (
      change.to !== conversation.state &&
      !transitionConversation(db, id, conversation.state, change.to, now)
    ) {
      return { ok: false, message: "The conversation changed meanwhile; please try again." };
    }
    updateThread(db, thread.id, change.thread, now);
    enqueueRootUpdate(db, id, now);
    // The redraw shows the window as it is now: the sweeper need not queue another for it.
    if (thread.rootTs !== null) {
      recordRootShown(db, thread.id, { windowEndsAt: conversation.windowEndsAt, at: now }, now);
    }
    enqueueThreadPost(db, { conversationId: id, ...threadNotice(change.notice) }, undefined, now);
    change.alsoDo?.();
    return { ok: true };
  });
}

/** Claim: the agent takes the conversation (→ agent), shown in the status line. */
export function claimConversation(
  db: Db,
  id: ConversationId,
  actor: Actor,
  now = Date.now(),
): ControlResult {
  return control(db, id, now, (c, t) =>
    c.state === "closed"
      ? { ok: false, message: "This conversation is closed." }
      : c.state === "agent" && t.agentUserId !== null && t.agentUserId !== actor.userId
        ? // Two agents clicking at once: the first claim stands.
          { ok: false, message: `${t.agentName ?? "Another agent"} already has this conversation.` }
        : {
            to: "agent",
            thread: { status: "in_progress", agentUserId: actor.userId, agentName: actor.name },
            notice: { kind: "claimed", agentName: actor.name },
          },
  );
}

/** Return to AI: the bot answers the next customer message, with the human turns in its context. */
export function returnToAi(
  db: Db,
  id: ConversationId,
  actor: Actor,
  now = Date.now(),
): ControlResult {
  return control(db, id, now, (c) =>
    c.state !== "escalated" && c.state !== "agent"
      ? { ok: false, message: `The conversation is ${c.state}; nothing to return.` }
      : {
          to: "bot",
          thread: { status: "returned_to_ai", agentName: actor.name, customerWaitingSince: null },
          notice: { kind: "returned_to_ai", by: actor.name },
        },
  );
}

/**
 * Close: the conversation ends; the customer's next message starts a fresh one. With
 * `csatSurvey` (CSAT_SURVEY), a conversation a person handled also asks the customer for a
 * one-tap rating, in the same transaction (src/slack/csat.ts).
 */
export function closeConversation(
  db: Db,
  id: ConversationId,
  actor: Actor,
  now = Date.now(),
  opts: { csatSurvey?: boolean | undefined } = {},
): ControlResult {
  return control(db, id, now, (c, t) =>
    c.state === "closed"
      ? { ok: false, message: "Already closed." }
      : {
          to: "closed",
          thread: { status: "closed", agentName: actor.name, customerWaitingSince: null },
          notice: { kind: "closed", by: actor.name, summary: closingSummary(db, id) },
          // `t` is the thread before the close: its agent handled the conversation.
          alsoDo: () => askCsatOnClose(db, c, t, opts.csatSurvey === true, now),
        },
  );
}

/** What the agent is told when a template is refused because the customer opted out. */
export const TEMPLATE_OPTED_OUT_MESSAGE =
  "Not sent: the customer asked not to be messaged any more (STOP). Templates and replies are blocked until they write again asking for help.";

/** Whether the conversation's customer is opted out (STOP, src/core/opt-out.ts). */
export function customerOptedOut(db: Db, id: ConversationId): boolean {
  const conversation = getConversation(db, id);
  if (!conversation) return false;
  return (getContact(db, conversation.contactId)?.optedOutAt ?? null) !== null;
}

/**
 * Send template: queued like any send; templates are allowed outside the window, but not to a
 * customer who opted out (the send job would hold it back too; refusing here says so at once).
 */
export function sendTemplate(
  db: Db,
  id: ConversationId,
  template: { name: string; language: string; parameters: string[] },
  actor: Actor,
  now = Date.now(),
): ControlResult {
  return inTransaction(db, () => {
    const conversation = getConversation(db, id);
    if (!conversation || conversation.state === "closed")
      return { ok: false, message: "This conversation is closed." };
    if (customerOptedOut(db, id)) return { ok: false, message: TEMPLATE_OPTED_OUT_MESSAGE };
    queueOutbound(
      db,
      {
        conversationId: id,
        author: "agent",
        content: {
          kind: "template",
          ...templatePreview(db, template),
          template: {
            name: template.name,
            language: template.language,
            ...(template.parameters.length
              ? {
                  components: [
                    {
                      type: "body",
                      parameters: template.parameters.map((text) => ({
                        type: "text" as const,
                        text,
                      })),
                    },
                  ],
                }
              : {}),
          },
        },
      },
      now,
    );
    enqueueThreadPost(
      db,
      {
        conversationId: id,
        ...threadNotice({ kind: "template_sent", templateName: template.name, by: actor.name }),
      },
      undefined,
      now,
    );
    return { ok: true };
  });
}

/**
 * The template's body with its parameters filled in, as the customer will read it (for the
 * thread's transcript, the model's memory and the sandbox's phone); nothing when the stored
 * template has no body text.
 */
export function templatePreview(
  db: Db,
  t: { name: string; language: string; parameters: string[] },
): { preview?: string } {
  const stored = approvedTemplates(db).find((x) => x.name === t.name && x.language === t.language);
  if (!stored?.bodyText) return {};
  const preview = stored.bodyText.replace(
    /\{\{\s*(\d+)\s*\}\}/g,
    (whole, n: string) => t.parameters[Number(n) - 1] ?? whole,
  );
  return { preview };
}

/** A short closing summary: the AI's rolling summary when there is one, else message counts. */
function closingSummary(db: Db, id: ConversationId): string {
  const conversation = getConversation(db, id);
  const counts = db.$client
    .prepare(
      `SELECT sum(direction = 'in') AS customer, sum(author = 'agent') AS agent, sum(author = 'bot') AS bot
       FROM messages WHERE conversation_id = ?`,
    )
    .get(id) as { customer: number | null; agent: number | null; bot: number | null };
  const figures = `${counts.customer ?? 0} customer message(s), ${counts.agent ?? 0} agent reply(ies), ${counts.bot ?? 0} AI reply(ies)`;
  return conversation?.summary ? `${conversation.summary}\n${figures}` : figures;
}
