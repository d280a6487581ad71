import type { ActionsBlock, Button, KnownBlock, SectionBlock } from "@slack/types";
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
  | { kind: "in_progress"; agentName: string }
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
  /** The AI's summary of the conversation so far. */
  summary: string | null;
  /** Recent messages, oldest first; the last {@link TRANSCRIPT_LINES} are shown. */
  transcript: TranscriptLine[];
  /** When the 24-hour customer-service window closes. */
  windowEndsAt: number | null;
  language: "id" | "en" | null;
  status: ThreadStatus;
  /** The root message of an older thread of the same customer. */
  previousThread: { channel: string; ts: string } | null;
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

/** The status line in mrkdwn, e.g. "🧑‍💻 *In progress* with Sari". */
export function statusLine(status: ThreadStatus): string {
  switch (status.kind) {
    case "waiting":
      return "⏳ *Waiting for an agent*: reply in this thread to answer on WhatsApp.";
    case "in_progress":
      return `🧑‍💻 *In progress* with ${userMrkdwn(status.agentName, 200)}`;
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
 * `text` (used by notifications) names the customer and the reason.
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

  if (input.summary !== null && input.summary.trim().length > 0) {
    blocks.push({
      type: "section",
      block_id: "summary",
      text: mrkdwn(`*AI summary*\n${userMrkdwn(input.summary.trim(), 2900)}`),
    });
  }

  const transcript = transcriptText(input.transcript);
  if (transcript !== null) {
    blocks.push({ type: "section", block_id: "transcript", text: mrkdwn(transcript) });
  }

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

  const status =
    input.status.kind === "closed"
      ? "[Closed] "
      : input.status.kind === "returned_to_ai"
        ? "[Back with the AI] "
        : "";
  const text = escapeMrkdwn(
    truncatePlain(`${status}🆘 ${who} needs a human: ${reason || "no reason given"}`, 300),
  );
  return { text, blocks: capBlocks(blocks, LIMITS.messageBlocks) };
}
