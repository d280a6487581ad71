import type { ConversationId } from "../core/ids.ts";
import type { OptOutChange } from "../core/opt-out.ts";
import type { Db } from "../store/db.ts";
import { threadNotice } from "./blocks/index.ts";
import { enqueueThreadPost } from "./enqueue.ts";
import { threadForConversation } from "./store.ts";

/**
 * Tells the conversation's Slack thread, when it has one, that the customer opted out (replies
 * and templates are blocked) or wrote again and lifted it. Runs in the caller's transaction (the
 * turn's commit); the post queues behind the thread's earlier posts, so it follows the STOP.
 */
export function notifyOptOutChange(
  db: Db,
  conversationId: ConversationId,
  change: OptOutChange,
  now = Date.now(),
): void {
  if (change.kind === "none") return;
  if (!threadForConversation(db, conversationId)) return;
  enqueueThreadPost(
    db,
    {
      conversationId,
      ...threadNotice({ kind: change.kind === "opt_out" ? "opted_out" : "opt_out_lifted" }),
    },
    undefined,
    now,
  );
}
