import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import type { TemplateStatusUpdate } from "../whatsapp/webhook/types.ts";
import { escapeMrkdwn, oneLine } from "./blocks/index.ts";

// Bounded: the values come from a webhook, and an announcement must fit in one Slack message.
const safe = (s: string) => escapeMrkdwn(oneLine(s).slice(0, 120));

import type { SlackAnnouncePayload } from "./jobs/announce.ts";

/** The team-facing line for a template's review result. */
export function templateStatusText(t: TemplateStatusUpdate): string {
  const icon: Record<string, string> = {
    APPROVED: "✅",
    REJECTED: "❌",
    PAUSED: "⏸️",
    DISABLED: "⛔",
    PENDING: "⏳",
  };
  const what = `${icon[t.event] ?? "📋"} WhatsApp template \`${safe(t.name)}\` (${safe(t.language)}) is now *${safe(t.event)}*`;
  const reason = t.reason && t.reason !== "NONE" ? `: ${safe(t.reason).slice(0, 300)}` : "";
  const next =
    t.event === "APPROVED"
      ? " It can be sent from *Send template*."
      : t.event === "REJECTED"
        ? " Fix it and submit a new one with `/jembatan template new`."
        : t.event === "PAUSED" || t.event === "DISABLED"
          ? " Sends of it fail until Meta lifts this."
          : "";
  return `${what}${reason}.${next}`;
}

/**
 * Queues the announcement of a template status change in the escalation channel, in the
 * webhook's transaction; deduplicated on the template, the status and the time Meta gives, so a
 * redelivered webhook announces nothing twice.
 */
export function announceTemplateStatus(db: Db, t: TemplateStatusUpdate, now: number): void {
  const payload: SlackAnnouncePayload = { text: templateStatusText(t) };
  enqueueJob(
    db,
    {
      kind: "slack.announce",
      payload,
      dedupeKey: `template-status:${t.templateId}:${t.language}:${t.event}:${t.at ?? "?"}`,
    },
    now,
  );
}
