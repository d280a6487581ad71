import type { ConversationState } from "./conversation.ts";
import type { WaId } from "./ids.ts";
import type { InboundEventContent } from "./inbound.ts";

/** The message an event refers to (reaction, edit, deletion), as stored. */
export interface EventTarget {
  direction: "in" | "out";
  author: "bot" | "agent" | "system" | null;
  kind: string;
  text: string;
  /** The Slack message showing it (a mirrored customer message, or the agent's own reply). */
  slack: { channel: string; ts: string } | null;
}

/** What the decision needs to know about the conversation an event belongs to. */
export interface EventFacts {
  state: ConversationState;
  /** A handoff thread exists for the conversation (its root may still be on its way). */
  hasThread: boolean;
  target: EventTarget | null;
  /** For a removed reaction: the emoji the customer had put on the same message, if known. */
  previousEmoji: string | null;
  /** For a number change: another contact already holds the new number. */
  newNumberTaken: boolean;
}

/** How an event is shown in the conversation's Slack thread. */
export type ThreadEventView =
  /** An emoji reaction on the Slack message showing the target; `fallback` if Slack refuses it. */
  | { type: "react"; channel: string; ts: string; emoji: string; fallback: string }
  | { type: "unreact"; channel: string; ts: string; emoji: string }
  /** Redraw the mirrored customer message, marked deleted or with its new text beside the old. */
  | {
      type: "mark";
      channel: string;
      ts: string;
      mark: { deleted: true } | { editedTo: string | null };
    }
  /** A one-line context note in the thread. */
  | { type: "note"; text: string };

/**
 * What to do with one event. An event never starts a turn, never refreshes the 24-hour window,
 * never answers the customer and never makes them "waiting": the plan has no field for any of
 * that on purpose.
 */
export interface EventPlan {
  /** Shown in the thread, or null (no thread, or nothing worth a person's attention). */
  show: ThreadEventView | null;
  /** A number change to follow: the contact's number becomes this one. */
  moveContactTo: WaId | null;
}

const QUOTE_MAX = 120;

/** `“text”` shortened to one line for a context note. */
export function quote(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  const cut = line.length > QUOTE_MAX ? `${line.slice(0, QUOTE_MAX - 1).trimEnd()}…` : line;
  return `“${cut}”`;
}

function whose(target: EventTarget): string {
  if (target.direction === "in") return "their message";
  return target.author === "agent" ? "the agent's message" : "the AI's message";
}

/** Decides how an event is recorded and shown. Pure: the caller reads the facts and applies it. */
export function planEvent(event: InboundEventContent, facts: EventFacts): EventPlan {
  const moveContactTo =
    event.kind === "number_change" && event.newWaId !== null && !facts.newNumberTaken
      ? event.newWaId
      : null;
  // Only a conversation a person is looking at gets notes; the AI needs none of this.
  const showable = facts.hasThread && (facts.state === "escalated" || facts.state === "agent");
  if (!showable) return { show: null, moveContactTo };
  return { show: view(event, facts, moveContactTo), moveContactTo };
}

function view(
  event: InboundEventContent,
  facts: EventFacts,
  moveContactTo: WaId | null,
): ThreadEventView | null {
  const target = facts.target;
  switch (event.kind) {
    case "reaction": {
      if (event.emoji === null) {
        if (target?.slack && facts.previousEmoji)
          return { type: "unreact", ...target.slack, emoji: facts.previousEmoji };
        return target
          ? { type: "note", text: `↩️ The customer removed their reaction to ${quote(target.text)}` }
          : null;
      }
      const note = target
        ? `${event.emoji} The customer reacted to ${whose(target)} ${quote(target.text)}`
        : `${event.emoji} The customer reacted to a message`;
      if (target?.slack)
        return { type: "react", ...target.slack, emoji: event.emoji, fallback: note };
      return { type: "note", text: note };
    }
    case "edit":
      if (target?.direction === "in" && target.slack)
        return { type: "mark", ...target.slack, mark: { editedTo: event.newText } };
      return {
        type: "note",
        text:
          `✏️ The customer edited ${target ? quote(target.text) : "a message"}` +
          (event.newText === null ? "" : `; it now reads ${quote(event.newText)}`),
      };
    case "revoke":
      if (target?.direction === "in" && target.slack)
        return { type: "mark", ...target.slack, mark: { deleted: true } };
      return {
        type: "note",
        text: `🗑️ The customer deleted ${target ? quote(target.text) : "a message"} on WhatsApp.`,
      };
    case "number_change":
      return {
        type: "note",
        text: moveContactTo
          ? "📱 The customer changed their WhatsApp number; this conversation continues on the new number."
          : "📱 The customer says they changed their WhatsApp number; the new number could not be linked to this conversation.",
      };
    case "identity_change":
      return {
        type: "note",
        text: "🔐 The customer's WhatsApp security code changed (new phone or reinstall). Check who you are talking to before sharing personal details.",
      };
    case "call_permission_reply":
      if (event.accepted === null) return null;
      return {
        type: "note",
        text: event.accepted
          ? `📞 The customer allowed calls from the business${event.permanent ? " (permanently)" : ""}.`
          : "📞 The customer declined calls from the business.",
      };
    case "request_welcome":
      return null;
    case "unsupported":
      return {
        type: "note",
        text: `❔ The customer sent something WhatsApp cannot show here (${event.originalType.replace(/[^\w.]/g, "")}). Ask them to send it another way if it matters.`,
      };
  }
}
