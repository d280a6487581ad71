import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import { auditLog } from "../store/schema.ts";
import { inTransaction } from "../store/tx.ts";
import { escapeMrkdwn, oneLine } from "./blocks/index.ts";
import type { SlackAnnouncePayload } from "./jobs/announce.ts";

/** One control change: who, what, old → new. */
export interface ControlChange {
  /** Slack user id, or `cli` for an operator command. */
  actor: string;
  action: string;
  from: string | null;
  to: string | null;
  at: number;
}

/** The alert channel's line for a change. */
export function controlChangeText(c: ControlChange): string {
  const who = /^[UW][A-Z0-9]+$/.test(c.actor) ? `<@${c.actor}>` : escapeMrkdwn(oneLine(c.actor));
  const v = (s: string | null) =>
    s === null ? "none" : `\`${escapeMrkdwn(oneLine(s)).slice(0, 200)}\``;
  return `🛠️ ${who} changed *${escapeMrkdwn(oneLine(c.action))}*: ${v(c.from)} → ${v(c.to)}`;
}

/**
 * Writes the audit row and queues its line in the alert channel in one transaction, with the
 * change itself when `apply` is given: a change is never made without its record, or recorded
 * without being made.
 */
export function recordControlChange(
  db: Db,
  change: ControlChange,
  alertChannel: string,
  apply?: () => void,
): void {
  inTransaction(db, () => {
    apply?.();
    const row = db
      .insert(auditLog)
      .values({
        actor: change.actor,
        action: change.action,
        oldValue: change.from,
        newValue: change.to,
        at: change.at,
      })
      .returning({ id: auditLog.id })
      .get();
    const payload: SlackAnnouncePayload = {
      channel: alertChannel,
      text: controlChangeText(change),
    };
    enqueueJob(db, { kind: "slack.announce", payload, dedupeKey: `audit:${row.id}` }, change.at);
  });
}
