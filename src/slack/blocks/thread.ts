import type { ActionsBlock, KnownBlock } from "@slack/types";
import { type CsatScore, csatLabel } from "../../core/csat.ts";
import { whatsappToSlack } from "../../core/format/index.ts";
import { CONVERSATION_ACTIONS } from "./handoff.ts";
import {
  chunkMrkdwn,
  contextLine,
  escapeMrkdwn,
  formatDuration,
  LIMITS,
  mrkdwn,
  oneLine,
  plain,
  slackDate,
  truncateMrkdwn,
  truncatePlain,
  userMrkdwn,
} from "./text.ts";

const KIND_LABELS: Record<string, string> = {
  image: "an image",
  video: "a video",
  audio: "an audio message",
  voice: "a voice message",
  document: "a document",
  sticker: "a sticker",
  location: "a location",
  contacts: "a contact card",
  reaction: "a reaction",
  button_reply: "a button reply",
  list_reply: "a list reply",
  template_button: "a template button reply",
  order: "an order",
  flow_reply: "a form reply",
  interactive: "a reply",
  unsupported: "a message WhatsApp cannot show",
};

function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? `a ${kind.replace(/[^a-z_]/gi, "")} message`;
}

/** How the customer changed a mirrored message after sending it. */
export type CustomerMark = { deleted: true } | { editedTo: string | null };

/**
 * A customer message mirrored into the handoff thread ("💬 *Customer:* …"). The customer's own
 * WhatsApp formatting (bold, italic, strike, monospace) is kept and nothing in it can ping or
 * link. Long texts are spread over several sections rather than cut; a context line shows the
 * kind and when it was written. A `mark` redraws it after the customer deleted or edited it:
 * the original stays readable, with the new text beside it.
 */
export function customerMessageInThread(input: {
  text: string;
  kind: string;
  at: number;
  mark?: CustomerMark;
}): {
  text: string;
  blocks: KnownBlock[];
} {
  const isText = input.kind === "text";
  const deleted = input.mark !== undefined && "deleted" in input.mark;
  const edited = input.mark !== undefined && "editedTo" in input.mark ? input.mark : null;
  const head = isText
    ? `💬 *Customer${deleted ? " (deleted)" : ""}:* `
    : `💬 *Customer*${deleted ? " (deleted)" : ""} sent ${kindLabel(input.kind)}: `;
  const trimmed = input.text.trim();
  const body =
    trimmed.length === 0
      ? "_(no text)_"
      : isText
        ? whatsappToSlack(trimmed)
        : escapeMrkdwn(trimmed);
  const editText =
    edited === null
      ? null
      : edited.editedTo === null
        ? "✏️ *Edited on WhatsApp* (WhatsApp did not send the new text)"
        : `✏️ *Edited to:* ${whatsappToSlack(edited.editedTo.trim())}`;
  const maxSections = LIMITS.messageBlocks - (editText ? 2 : 1);
  const chunks = chunkMrkdwn(head + body, LIMITS.sectionText);
  const sections = chunks.slice(0, maxSections).map(
    (chunk, i): KnownBlock => ({
      type: "section",
      text: mrkdwn(
        i === maxSections - 1 && chunks.length > maxSections
          ? truncateMrkdwn(`${chunk}…`, LIMITS.sectionText)
          : chunk,
      ),
    }),
  );
  const marks = [deleted ? " · 🗑️ deleted by the customer" : "", edited ? " · ✏️ edited" : ""].join(
    "",
  );
  const blocks: KnownBlock[] = [
    ...sections,
    ...(editText
      ? [
          {
            type: "section",
            text: mrkdwn(truncateMrkdwn(editText, LIMITS.sectionText)),
          } as KnownBlock,
        ]
      : []),
    contextLine(
      `📱 WhatsApp${isText ? "" : ` · ${kindWord(input.kind)}`} · ${slackDate(input.at)}${marks}`,
    ),
  ];
  const preview = oneLine(input.text);
  const text = escapeMrkdwn(
    truncatePlain(
      isText
        ? `💬 Customer${deleted ? " (deleted)" : ""}: ${preview}`
        : `💬 Customer sent ${kindLabel(input.kind)}: ${preview}`,
      300,
    ),
  );
  return { text, blocks };
}

function kindWord(k: string): string {
  return k.replace(/[^a-z_]/gi, "").replace(/_/g, " ");
}

/** A small notice posted in a handoff thread. Times are Unix ms. */
export type ThreadNotice =
  | { kind: "note_kept_internal" }
  | { kind: "edit_not_resent" }
  | { kind: "delete_not_resent" }
  | {
      kind: "delivery_failed";
      code: number | null;
      reason: string;
      /** When given and the failure is a closed window (131047), a Send template button is shown. */
      conversationId?: number;
    }
  | { kind: "window_closing"; windowEndsAt: number; now: number }
  | { kind: "window_closed"; windowEndsAt: number; conversationId: number }
  | { kind: "sla_reminder"; waitingMinutes: number; mention: string }
  | { kind: "claimed"; agentName: string }
  | { kind: "returned_to_ai"; by: string }
  /** The model is back and nobody had taken up a conversation handed off only for its outage. */
  | { kind: "returned_after_outage" }
  | { kind: "closed"; by: string; summary: string | null }
  | { kind: "template_sent"; templateName: string; by: string }
  | { kind: "slack_error"; error: string }
  /** The customer opted out (STOP): nothing but its confirmation is sent until they write again. */
  | { kind: "opted_out" }
  /** The customer wrote again after opting out. */
  | { kind: "opt_out_lifted" }
  /** An agent's reply or template was not sent because the customer opted out. */
  | { kind: "not_sent_opted_out"; what: "reply" | "template" | "message"; templateName?: string }
  /** The customer answered the satisfaction survey sent when the conversation was closed. */
  | { kind: "csat_rated"; score: CsatScore };

/** What the thread says while the customer is opted out. */
export const OPTED_OUT_NOTICE =
  "🚫 The customer asked not to be messaged any more (STOP). Replies and templates are blocked until they write again asking for help.";

const FAILURE_REASONS: Record<number, string> = {
  131026: "not a WhatsApp number or the customer's app is too old",
  131047: "the 24-hour window has closed: only a template can be sent now",
  131048: "WhatsApp's spam rate limit was hit",
  131049: "Meta held this marketing message back (per-customer marketing limit)",
  131050: "the customer has stopped marketing messages from this business",
  131051: "WhatsApp does not support this message type",
  131052: "the customer's media could not be downloaded",
  131053: "the media could not be uploaded to WhatsApp",
  130429: "rate limit hit: too many messages per second from this number",
  131056: "rate limit hit: too many messages to this customer in a short time",
  131000: "WhatsApp had an internal error",
  131016: "WhatsApp is temporarily unavailable",
  131008: "a required parameter is missing",
  131009: "a parameter value is invalid",
  131031: "the WhatsApp business account is locked",
  130497: "the business may not message customers in this country",
  132000: "the template's parameter count does not match",
  132001: "the template does not exist in this language",
  132005: "the template's text is too long once filled in",
  132007: "the template breaks WhatsApp's content policy",
  132012: "a template parameter has the wrong format",
  132015: "the template is paused for low quality",
  132016: "the template is disabled",
  368: "the business account is temporarily blocked for policy violations",
  190: "the WhatsApp access token expired: an operator must renew it",
  100: "the request had an invalid parameter",
};

/** Plain words for a WhatsApp error code (falls back to WhatsApp's own reason). */
export function deliveryFailureReason(code: number | null, reason: string): string {
  if (code !== null) {
    const known = FAILURE_REASONS[code];
    if (known !== undefined) return known;
    if (code >= 132000 && code < 133000) return "there is a problem with the template";
  }
  const r = oneLine(reason);
  return r.length > 0 ? r : "WhatsApp gave no reason";
}

/** Validates a configured mention; anything else is escaped so it cannot ping. */
function safeMention(mention: string): string {
  return /^<(!here|!channel|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)>$/.test(mention)
    ? mention
    : escapeMrkdwn(mention);
}

function sendTemplateActions(conversationId: number): ActionsBlock {
  return {
    type: "actions",
    block_id: "window_actions",
    elements: [
      {
        type: "button",
        text: plain("📨 Send template", LIMITS.buttonText),
        action_id: CONVERSATION_ACTIONS.sendTemplate,
        value: String(conversationId),
        style: "primary",
      },
    ],
  };
}

function small(text: string): { text: string; blocks: KnownBlock[] } {
  return { text, blocks: [contextLine(text)] };
}

function section(text: string, extra: KnownBlock[] = []): { text: string; blocks: KnownBlock[] } {
  const t = truncateMrkdwn(text, LIMITS.sectionText);
  return { text: t, blocks: [{ type: "section", text: mrkdwn(t) }, ...extra] };
}

/**
 * A notice in a handoff thread: small context lines for acknowledgements (note kept internal,
 * edits not resent, claimed...), sections for what needs attention (failed delivery, window,
 * SLA reminder), and a Send template button when the window has closed.
 */
export function threadNotice(notice: ThreadNotice): { text: string; blocks?: KnownBlock[] } {
  switch (notice.kind) {
    case "note_kept_internal":
      return small("🔒 Internal note: not sent to the customer.");
    case "edit_not_resent":
      return small(
        "✏️ Edits are not sent to WhatsApp: the customer still sees the original. Send a new reply to correct it.",
      );
    case "delete_not_resent":
      return small(
        "🗑️ Deleting here does not unsend on WhatsApp: the customer may already have read it.",
      );
    case "delivery_failed": {
      const code = notice.code === null ? "no code" : `code ${notice.code}`;
      const words = escapeMrkdwn(
        truncatePlain(deliveryFailureReason(notice.code, notice.reason), 1000),
      );
      const extra =
        notice.code === 131047 && notice.conversationId !== undefined
          ? [sendTemplateActions(notice.conversationId)]
          : [];
      return section(`❌ *Not delivered to the customer*: ${words} (${code}).`, extra);
    }
    case "window_closing":
      return section(
        `⏰ *The 24-hour window closes in ${formatDuration(notice.windowEndsAt - notice.now)}* (${slackDate(notice.windowEndsAt)}) and the customer is waiting. After that only a template can reach them.`,
      );
    case "window_closed":
      return section(
        `🚫 *Not sent*: the 24-hour window closed ${slackDate(notice.windowEndsAt)}. WhatsApp only accepts an approved template until the customer writes again.`,
        [sendTemplateActions(notice.conversationId)],
      );
    case "sla_reminder":
      return section(
        `${safeMention(notice.mention)} ⏳ The customer has been waiting *${formatDuration(notice.waitingMinutes * 60_000)}* without a reply from a human.`,
      );
    case "claimed":
      return small(`✋ ${userMrkdwn(notice.agentName, 200)} claimed this conversation.`);
    case "returned_after_outage":
      return small(
        "🤖 The AI is answering again and nobody had taken this conversation up, so it went back to the AI, which now answers the customer's waiting messages. Claim it to keep it with a person.",
      );
    case "returned_to_ai":
      return small(
        `🤖 ${userMrkdwn(notice.by, 200)} returned this conversation to the AI. It answers the customer's next message.`,
      );
    case "closed": {
      const head = `✅ ${userMrkdwn(notice.by, 200)} closed this conversation.`;
      const summary = notice.summary?.trim() ?? "";
      if (summary.length === 0) return small(head);
      const text = `${head}\n*Summary*\n${userMrkdwn(summary, LIMITS.sectionText - head.length - 20)}`;
      return section(text);
    }
    case "template_sent":
      return small(
        `📨 ${userMrkdwn(notice.by, 200)} sent the template *${userMrkdwn(notice.templateName, 600)}*. The window reopens only when the customer answers.`,
      );
    case "slack_error":
      return section(
        `⚠️ *Slack error*: \`${userMrkdwn(oneLine(notice.error).replace(/`/g, "'"), 2000)}\``,
      );
    case "opted_out":
      return section(OPTED_OUT_NOTICE);
    case "opt_out_lifted":
      return section(
        "✅ The customer wrote again after opting out: replies and templates can be sent again.",
      );
    case "not_sent_opted_out": {
      const what =
        notice.what === "reply"
          ? "this reply"
          : notice.what === "message"
            ? "a message"
            : notice.templateName
              ? `the template *${userMrkdwn(notice.templateName, 600)}*`
              : "the template";
      return section(
        `🚫 *Not sent*: ${what} did not go to the customer, who asked not to be messaged any more (STOP). Replies and templates are blocked until they write again asking for help.`,
      );
    }
    case "csat_rated":
      return small(`⭐ Customer rated this conversation: ${csatLabel(notice.score)}`);
  }
}

/** Reaction names (for `reactions.add`) per WhatsApp delivery status. */
export const DELIVERY_REACTIONS = {
  sent: "outbox_tray",
  delivered: "white_check_mark",
  read: "eyes",
  failed: "x",
} as const;

/**
 * The emoji added to an agent's message as WhatsApp reports it: 📤 `outbox_tray` sent (left our
 * side), ✅ `white_check_mark` delivered (on the customer's phone), 👀 `eyes` read, ❌ `x` failed.
 */
export function deliveryReaction(status: "sent" | "delivered" | "read" | "failed"): string {
  return DELIVERY_REACTIONS[status];
}
