import type { KnownBlock } from "@slack/types";
import type { ActionRequest } from "../../core/agent-config.ts";
import { LIMITS, mrkdwn, oneLine, truncateMrkdwn, userMrkdwn } from "./text.ts";

/** What an agent action notice says. */
export interface ActionNotice {
  request: ActionRequest;
  outcome: "applied" | "refused";
  /** Why it was refused, or what applying it did (e.g. "already Hot Lead"). */
  detail: string | null;
  source: "model" | "follow_up";
  /** The customer's words that caused it, quoted (model actions). */
  because: string | null;
  /** The team's channel and the person picked in it (assign_team). */
  team?: { channel: string; picked: string | null; userGroup: string | null };
}

/** At most this much of the customer's message is quoted in a notice. */
export const NOTICE_QUOTE_CHARS = 200;

function what(r: ActionRequest): string {
  switch (r.action) {
    case "assign_team":
      return `assigned to team *${userMrkdwn(r.team, 80)}*`;
    case "close_conversation":
      return "closed the conversation";
    case "update_contact_field":
      return `set ${userMrkdwn(r.field, 40)} → *${userMrkdwn(oneLine(r.value), 200)}*`;
    case "set_lifecycle_stage":
      return `set stage → *${userMrkdwn(r.stage, 80)}*`;
  }
}

/**
 * The line posted in a conversation's thread when the AI applied (or was refused) an action:
 * "🤖 AI set stage → *Hot Lead* (because: “…”)". An assignment mentions the person picked, or the
 * team's user group, so that Slack notifies them.
 */
export function actionNotice(n: ActionNotice): { text: string; blocks: KnownBlock[] } {
  const who = n.source === "follow_up" ? "🤖 Follow-up" : "🤖 AI";
  const because =
    n.because && n.source === "model"
      ? ` (because: “${userMrkdwn(oneLine(n.because), NOTICE_QUOTE_CHARS)}”)`
      : "";
  let line =
    n.outcome === "refused"
      ? `${who} tried: ${what(n.request)}, refused: ${userMrkdwn(n.detail ?? "not allowed", 300)}`
      : `${who} ${what(n.request)}${because}`;
  if (n.outcome === "applied" && n.team) {
    const mention = n.team.picked
      ? ` <@${n.team.picked}>`
      : n.team.userGroup
        ? ` <!subteam^${n.team.userGroup}>`
        : "";
    line += ` in <#${n.team.channel}>${mention ? ` →${mention}` : ""}`;
  }
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(truncateMrkdwn(line, LIMITS.sectionText)) },
  ];
  // A close's summary is not repeated here: the thread's "closed" notice (controls.ts) shows it.
  if (n.outcome === "applied" && n.detail) {
    blocks.push({
      type: "context",
      elements: [mrkdwn(userMrkdwn(n.detail, LIMITS.sectionText))],
    });
  }
  return { text: truncateMrkdwn(line, LIMITS.sectionText), blocks };
}
