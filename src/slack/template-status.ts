import { enqueueJob } from "../jobs/repository.ts";
import type { Db } from "../store/db.ts";
import type { TemplateStatusUpdate } from "../whatsapp/webhook/types.ts";
import { type AlertSettings, clearAlert, raiseAlert } from "./alerts.ts";
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

/** Review results that stop a template from being sent. */
const TEMPLATE_PROBLEMS = new Set(["REJECTED", "PAUSED", "DISABLED"]);

/**
 * A template Meta rejected, paused or disabled raises `template:<name>:<language>` (besides the
 * announcement in the escalation channel); its approval posts "recovered". Other events
 * (PENDING, FLAGGED, ...) change nothing. Called in the webhook's transaction.
 */
export function alertTemplateStatus(
  db: Db,
  settings: AlertSettings,
  t: TemplateStatusUpdate,
  now: number,
): void {
  // Bounded: the name comes from a webhook; Meta's own names are at most 512 characters.
  const key = `template:${t.name.slice(0, 512)}:${t.language.slice(0, 32)}`;
  const name = `\`${safe(t.name)}\` (${safe(t.language)})`;
  if (TEMPLATE_PROBLEMS.has(t.event)) {
    const reason = t.reason && t.reason !== "NONE" ? `: ${safe(t.reason)}` : "";
    raiseAlert(
      db,
      settings,
      key,
      `WhatsApp template ${name} is ${t.event}${reason}. Sends of it fail until it is approved again.`,
      now,
    );
  } else if (t.event === "APPROVED") {
    clearAlert(db, settings, key, `WhatsApp template ${name} is approved again.`, now);
  }
}

/**
 * The ingest hook for template status webhooks: the announcement for the team, and the operator
 * alert (`alertTemplateStatus`), in the webhook's transaction.
 */
export function templateStatusHandler(
  settings: AlertSettings,
): (db: Db, t: TemplateStatusUpdate, now: number) => void {
  return (db, t, now) => {
    announceTemplateStatus(db, t, now);
    alertTemplateStatus(db, settings, t, now);
  };
}
