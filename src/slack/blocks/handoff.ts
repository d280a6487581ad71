import type { ActionsBlock, Button, KnownBlock, SectionBlock } from "@slack/types";
import type { Referral } from "../../core/inbound.ts";
import {
  capBlocks,
  contextLine,
  escapeMrkdwn,
  formatDuration,
  LIMITS,
  maskPhone,
  mrkdwn,
  mrkdwnLink,
  oneLine,
  percent,
  plain,
  slackDate,
  threadUrl,
  truncateMrkdwn,
  truncatePlain,
  tsToMs,
  userMrkdwn,
} from "./text.ts";

/** Action ids of the root message's buttons; each button's `value` is the conversation id. */
export const CONVERSATION_ACTIONS = {
  claim: "conversation_claim",
  returnToAi: "conversation_return_to_ai",
  close: "conversation_close",
  sendTemplate: "conversation_send_template",
} as const;

/** The status line of a handoff thread, updated in place with `chat.update`. */
export type ThreadStatus =
  | { kind: "waiting" }
  /** `agentUserId` shows as a Slack mention when the name was never looked up. */
  | { kind: "in_progress"; agentName: string; agentUserId?: string | null }
  | { kind: "closed"; by: string | null }
  | { kind: "returned_to_ai"; by: string };

/** A line of the recent transcript shown in the root message (`at` in Unix ms). */
export interface TranscriptLine {
  from: "customer" | "bot" | "agent";
  text: string;
  at: number;
}

/** Everything the root message of a handoff thread shows. Times are Unix ms. */
export interface HandoffRootInput {
  conversationId: number;
  /** The WhatsApp profile name. */
  customerName: string | null;
  /** wa_id digits; shown masked. */
  phone: string | null;
  /** Why the conversation was handed off. */
  reason: string;
  /** 0..1, shown as a percentage. */
  confidence: number | null;
  /** The AI's rolling summary of the conversation so far (its memory). */
  summary: string | null;
  /**
   * What the agent reads first: the fast tier's handoff summary (`ai`) or, until it is written or
   * when the model is unavailable, the deterministic one (`automatic`).
   */
  handoffSummary?: { text: string; source: "ai" | "automatic" } | null;
  /** Recent messages, oldest first; the last {@link TRANSCRIPT_LINES} are shown. */
  transcript: TranscriptLine[];
  /** When the 24-hour customer-service window closes. */
  windowEndsAt: number | null;
  language: "id" | "en" | null;
  status: ThreadStatus;
  /** The root message of an older thread of the same customer. */
  previousThread: { channel: string; ts: string } | null;
  /** The click-to-WhatsApp ad the customer came from, if any. */
  referral?: Referral | null;
  now: number;
}

/** How many transcript lines the root message shows. */
export const TRANSCRIPT_LINES = 10;
const TRANSCRIPT_LINE_MAX = 300;

const SPEAKERS: Record<TranscriptLine["from"], string> = {
  customer: "💬 *Customer*",
  bot: "🤖 *AI*",
  agent: "🧑‍💼 *Agent*",
};

const LANGUAGES: Record<"id" | "en", string> = { id: "Indonesian", en: "English" };

/**
 * The agent as shown in the status line: their name, or a `<@U…>` mention (Slack shows the name
 * itself, so no `users.info` call is needed) when the reply did not need the name.
 */
function agentRef(status: { agentName: string; agentUserId?: string | null }): string {
  if (
    status.agentUserId &&
    /^[UW][A-Z0-9]{1,20}$/.test(status.agentUserId) &&
    status.agentName === ""
  )
    return `<@${status.agentUserId}>`;
  return userMrkdwn(status.agentName || "an agent", 200);
}

/**
 * "📣 Came from an ad: *headline*: body (link)", so the agent knows what the customer saw before
 * writing. Every part is the advertiser's text, escaped; the link is shown only when http(s).
 */
export function referralLine(r: Referral): string {
  const kind = r.sourceType === "post" ? "a post" : "an ad";
  const headline = r.headline?.trim() ? ` *${userMrkdwn(oneLine(r.headline), 200)}*` : "";
  const body = r.body?.trim() ? `${headline ? ":" : ""} ${userMrkdwn(oneLine(r.body), 600)}` : "";
  const link =
    r.sourceUrl && /^https?:\/\//i.test(r.sourceUrl) ? ` (${mrkdwnLink(r.sourceUrl, "open")})` : "";
  return `📣 Came from ${kind}:${headline}${body}${link}`;
}

/** The status line in mrkdwn, e.g. "🧑‍💻 *In progress* with Sari". */
export function statusLine(status: ThreadStatus): string {
  switch (status.kind) {
    case "waiting":
      return "⏳ *Waiting for an agent*: reply in this thread to answer on WhatsApp.";
    case "in_progress":
      return `🧑‍💻 *In progress* with ${agentRef(status)}`;
    case "closed":
      return status.by === null ? "✅ *Closed*" : `✅ *Closed* by ${userMrkdwn(status.by, 200)}`;
    case "returned_to_ai":
      return `🤖 *Returned to the AI* by ${userMrkdwn(status.by, 200)}`;
  }
}

function windowText(windowEndsAt: number | null, now: number): string {
  if (windowEndsAt === null) return "unknown";
  if (windowEndsAt <= now) return `closed ${slackDate(windowEndsAt)}: templates only`;
  return `closes ${slackDate(windowEndsAt)} (in ${formatDuration(windowEndsAt - now)})`;
}

function transcriptText(lines: TranscriptLine[]): string | null {
  if (lines.length === 0) return null;
  const shown = lines.slice(-TRANSCRIPT_LINES);
  const heading =
    lines.length > shown.length
      ? `*Recent messages* _(last ${shown.length} of ${lines.length})_`
      : "*Recent messages*";
  const perLine = Math.min(
    TRANSCRIPT_LINE_MAX,
    Math.floor((LIMITS.sectionText - heading.length) / shown.length) - 1,
  );
  const body = shown.map((line) => {
    const prefix = `${SPEAKERS[line.from]} ${slackDate(line.at, "{time}")}: `;
    const text = oneLine(line.text);
    return (
      prefix +
      userMrkdwn(text.length > 0 ? text : "(no text)", Math.max(20, perLine - prefix.length))
    );
  });
  return truncateMrkdwn([heading, ...body].join("\n"), LIMITS.sectionText);
}

function button(
  text: string,
  actionId: string,
  conversationId: number,
  extra: Partial<Button> = {},
): Button {
  return {
    type: "button",
    text: plain(text, LIMITS.buttonText),
    action_id: actionId,
    value: String(conversationId),
    ...extra,
  };
}

/**
 * The buttons for a status: all four while waiting; no Claim once in progress; no Return to AI
 * once returned; none when closed.
 */
export function conversationButtons(conversationId: number, status: ThreadStatus): Button[] {
  if (status.kind === "closed") return [];
  const buttons: Button[] = [];
  if (status.kind !== "in_progress") {
    buttons.push(
      button("✋ Claim", CONVERSATION_ACTIONS.claim, conversationId, { style: "primary" }),
    );
  }
  if (status.kind !== "returned_to_ai") {
    buttons.push(button("🤖 Return to AI", CONVERSATION_ACTIONS.returnToAi, conversationId));
  }
  buttons.push(
    button("✅ Close", CONVERSATION_ACTIONS.close, conversationId, {
      style: "danger",
      confirm: {
        title: plain("Close this conversation?", LIMITS.confirmTitle),
        text: plain(
          "The customer's next message starts a new conversation with the AI.",
          LIMITS.confirmText,
        ),
        confirm: plain("Close", LIMITS.confirmButton),
        deny: plain("Cancel", LIMITS.confirmButton),
      },
    }),
    button("📨 Send template", CONVERSATION_ACTIONS.sendTemplate, conversationId),
  );
  return buttons;
}

/** The customer's display name: profile name, else the masked number. */
export function customerLabel(customerName: string | null, phone: string | null): string {
  const name = customerName === null ? "" : oneLine(customerName);
  return name.length > 0 ? name : maskPhone(phone);
}

/**
 * The root message of a handoff thread: header, status line, customer facts, reason, the AI's
 * summary, the recent transcript, a link to an earlier thread and the buttons. The fallback
 * `text` (used by notifications) follows the state and names the customer and the reason
 * ({@link notificationText}).
 */
export function handoffRootMessage(input: HandoffRootInput): {
  text: string;
  blocks: KnownBlock[];
} {
  const who = customerLabel(input.customerName, input.phone);
  const blocks: KnownBlock[] = [
    { type: "header", text: plain(`🆘 ${who}`, LIMITS.headerText) },
    { type: "section", block_id: "status", text: mrkdwn(statusLine(input.status)) },
  ];

  // The summary comes first: an agent should not have to read the transcript to start.
  const handoff = input.handoffSummary;
  if (handoff && handoff.text.trim().length > 0) {
    blocks.push({
      type: "section",
      block_id: "handoff_summary",
      text: mrkdwn(
        `*Summary* ${handoff.source === "ai" ? "(AI)" : "(automatic)"}\n${userMrkdwn(handoff.text.trim(), 2900)}`,
      ),
    });
  }

  const fields = [
    `*Customer*\n${userMrkdwn(who, 500)}`,
    `*WhatsApp*\n${maskPhone(input.phone)}`,
    `*Confidence*\n${percent(input.confidence)}`,
    `*Language*\n${input.language === null ? "unknown" : LANGUAGES[input.language]}`,
    `*24-hour window*\n${windowText(input.windowEndsAt, input.now)}`,
    `*Conversation*\n#${input.conversationId}`,
  ].map((f) => mrkdwn(truncateMrkdwn(f, LIMITS.fieldText)));
  const factsBlock: SectionBlock = {
    type: "section",
    block_id: "facts",
    fields: fields.slice(0, LIMITS.sectionFields),
  };
  blocks.push(factsBlock);

  const reason = oneLine(input.reason);
  blocks.push({
    type: "section",
    block_id: "reason",
    text: mrkdwn(`*Reason*\n${userMrkdwn(reason.length > 0 ? reason : "not given", 2900)}`),
  });

  // The rolling memory adds what came before the last messages; the AI's handoff summary
  // already covers it.
  if (input.summary !== null && input.summary.trim().length > 0 && handoff?.source !== "ai") {
    blocks.push({
      type: "section",
      block_id: "summary",
      text: mrkdwn(`*Earlier in the conversation (AI)*\n${userMrkdwn(input.summary.trim(), 2900)}`),
    });
  }

  const transcript = transcriptText(input.transcript);
  if (transcript !== null) {
    blocks.push({ type: "section", block_id: "transcript", text: mrkdwn(transcript) });
  }

  if (input.referral) blocks.push(contextLine(referralLine(input.referral)));

  if (input.previousThread !== null) {
    const { channel, ts } = input.previousThread;
    const startedAt = tsToMs(ts);
    const when = startedAt === null ? "" : ` from ${slackDate(startedAt)}`;
    blocks.push(
      contextLine(
        `↩️ This customer has an earlier thread${when}: ${mrkdwnLink(threadUrl(channel, ts), "open it")}`,
      ),
    );
  }

  const buttons = conversationButtons(input.conversationId, input.status);
  if (buttons.length > 0) {
    const actions: ActionsBlock = {
      type: "actions",
      block_id: "conversation_actions",
      elements: buttons,
    };
    blocks.push(actions);
  } else {
    blocks.push(
      contextLine(
        "🔒 *Closed*: no further actions. A new message from the customer starts a new conversation.",
      ),
    );
  }

  return {
    text: notificationText(input.status, who, reason),
    blocks: capBlocks(blocks, LIMITS.messageBlocks),
  };
}

/**
 * The root's top-level `text`, which Slack shows in notifications and channel previews: it
 * follows the state (waiting for a human, in progress with whom, closed, back with the AI) and
 * names the customer and the reason. Plain text, escaped, at most 300 characters.
 */
export function notificationText(status: ThreadStatus, who: string, reason: string): string {
  const why = reason.length > 0 ? reason : "no reason given";
  const name = (n: string | null) => {
    const line = n === null ? "" : oneLine(n);
    return line.length > 0 ? line : null;
  };
  let text: string;
  switch (status.kind) {
    case "waiting":
      text = `🆘 ${who} needs a human: ${why}`;
      break;
    case "in_progress":
      text = `[In progress] 🧑‍💻 ${name(status.agentName) ?? "An agent"} is helping ${who}: ${why}`;
      break;
    case "closed": {
      const by = name(status.by);
      text = `[Closed] ✅ ${who}${by === null ? "" : `, closed by ${by}`}: ${why}`;
      break;
    }
    case "returned_to_ai": {
      const by = name(status.by);
      text = `[Back with the AI] 🤖 ${who}${by === null ? "" : `, returned by ${by}`}: ${why}`;
      break;
    }
  }
  return escapeMrkdwn(truncatePlain(text, 300));
}
