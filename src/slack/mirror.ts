import { mainQuestion } from "../core/handoff-summary.ts";
import type { ConversationId, MessageId } from "../core/ids.ts";
import { applyOptOutTurn } from "../turns/opt-out.ts";
import type { TurnProcessor } from "../turns/types.ts";
import { customerMessageInThread } from "./blocks/index.ts";
import type { SlackDeps } from "./deps.ts";
import { enqueueMediaMirror, enqueueRootUpdate, enqueueThreadPost } from "./enqueue.ts";
import { notifyOptOutChange } from "./opt-out.ts";
import { summaryLines, threadForConversation, updateThread } from "./store.ts";

const MEDIA_KINDS = new Set(["image", "audio", "video", "document", "sticker"]);

/**
 * The turn processor while a human owns the conversation: each customer message is queued for
 * the thread in order (media as a file upload) and the AI stays silent. The posts queue behind
 * the handoff job on the conversation's Slack-side key, so they land after the root even when
 * the root is not posted yet (the root's transcript stops at the handoff). The last of them
 * carries the read receipt: the customer sees blue ticks once a person can see the message,
 * and the receipt's Graph call is not on the way to Slack. The opt-out rule holds here too
 * (src/core/opt-out.ts): a STOP marks the contact, is confirmed to the customer once and is
 * announced in the thread; a later message lifts it, also announced.
 */
export function createMirrorProcessor(deps: Pick<SlackDeps, "db" | "now" | "wake">): TurnProcessor {
  return {
    async process(turn) {
      return () => {
        const conversationId = turn.conversation.id as ConversationId;
        const newest = turn.messages.at(-1);
        for (const m of turn.messages) {
          // Reading the newest marks those before it read too.
          const markRead = m === newest && m.waMessageId ? { markRead: m.waMessageId } : {};
          if (MEDIA_KINDS.has(m.kind)) {
            enqueueMediaMirror(deps.db, {
              conversationId,
              messageId: m.id as MessageId,
              ...markRead,
            });
            continue;
          }
          enqueueThreadPost(
            deps.db,
            {
              conversationId,
              ...customerMessageInThread({
                text: m.text,
                kind: m.kind,
                at: m.waTimestamp ?? m.createdAt,
              }),
              linkMessageId: m.id as MessageId,
              ...markRead,
            },
            `mirror:${m.id}`,
          );
        }
        const thread = threadForConversation(deps.db, conversationId);
        const first = turn.messages[0];
        if (thread && thread.customerWaitingSince === null && first) {
          updateThread(
            deps.db,
            thread.id,
            { customerWaitingSince: first.waTimestamp ?? first.createdAt },
            deps.now(),
          );
        }
        // A handoff on a greeting ("halo") shows an automatic summary without a question: the
        // first message that says what the customer wants redraws the root once, before anyone
        // answered. Other redraws keep the sweeper's throttle (src/core/root-refresh.ts).
        if (
          thread?.rootTs &&
          thread.handoffSummary === null &&
          thread.firstHumanReplyAt === null &&
          newest !== undefined
        ) {
          const lines = summaryLines(deps.db, conversationId);
          let earlier = lines.length;
          for (let n = turn.messages.length; n > 0 && earlier > 0; earlier--)
            if (lines[earlier - 1]!.from === "customer") n--;
          if (mainQuestion(lines.slice(0, earlier)) === null && mainQuestion(lines) !== null)
            enqueueRootUpdate(deps.db, conversationId, deps.now(), `summary-refresh:${newest.id}`);
        }
        // After the mirrored messages, so the notice follows the STOP in the thread.
        const optOut = applyOptOutTurn(deps.db, {
          conversationId,
          contactId: turn.conversation.contactId,
          texts: turn.messages.map((m) => m.text),
          now: deps.now(),
        });
        notifyOptOutChange(deps.db, conversationId, optOut, deps.now());
        queueMicrotask(deps.wake);
      };
    },
  };
}
