import { eq } from "drizzle-orm";
import { canned, type Lang } from "../ai/canned.ts";
import { analysisText } from "../core/analysis-text.ts";
import type { ContactId, ConversationId } from "../core/ids.ts";
import { detectLanguage } from "../core/language.ts";
import { decideOptOut, type OptOutChange } from "../core/opt-out.ts";
import { queueOutbound } from "../outbound/queue.ts";
import type { Db } from "../store/db.ts";
import { getContact } from "../store/repositories/contacts.ts";
import { contacts } from "../store/schema.ts";

export interface OptOutTurn {
  conversationId: ConversationId;
  contactId: number;
  /** The texts of the turn's customer messages. */
  texts: readonly string[];
  /** The language of the confirmation; detected from the texts when not given. */
  language?: Lang;
  now: number;
}

/**
 * Applies the opt-out rule (`decideOptOut`, src/core/opt-out.ts) to one turn, inside the turn's
 * commit, whoever owns the conversation: marks the contact opted out and queues the one
 * confirmation, or lifts the opt-out when the customer wrote again. Returns what changed, for the
 * caller's notice in the Slack thread.
 */
export function applyOptOutTurn(db: Db, turn: OptOutTurn): OptOutChange {
  const contact = getContact(db, turn.contactId as ContactId);
  if (!contact) return { kind: "none" };
  const change = decideOptOut({ optedOut: contact.optedOutAt !== null, texts: turn.texts });
  switch (change.kind) {
    case "none":
      return change;
    case "opt_in":
      db.update(contacts)
        .set({ optedOutAt: null, updatedAt: turn.now })
        .where(eq(contacts.id, contact.id))
        .run();
      return change;
    case "opt_out": {
      db.update(contacts)
        .set({ optedOutAt: turn.now, updatedAt: turn.now })
        .where(eq(contacts.id, contact.id))
        .run();
      const language =
        turn.language ??
        detectLanguage(
          analysisText(turn.texts.join("\n")),
          contact.language === "en" ? "en" : "id",
        );
      queueOutbound(
        db,
        {
          conversationId: turn.conversationId,
          author: "system",
          // The one message the opt-out lets through (see blockedByOptOut).
          content: {
            kind: "text",
            body: canned("optOut", language),
            purpose: "opt_out_confirmation",
          },
        },
        turn.now,
      );
      return change;
    }
  }
}
