/** What a person's reply in a handoff thread means. */
export type ThreadReply = { kind: "note"; text: string } | { kind: "relay"; text: string };

/**
 * Replies starting with the note prefix (case-insensitive, e.g. `note:`) stay inside Slack:
 * agents need to talk among themselves without the customer reading along.
 */
export function classifyThreadReply(text: string, notePrefix: string): ThreadReply {
  const trimmed = text.trimStart();
  if (notePrefix && trimmed.toLowerCase().startsWith(notePrefix.toLowerCase())) {
    return { kind: "note", text: trimmed.slice(notePrefix.length).trim() };
  }
  return { kind: "relay", text: text.trim() };
}

/** The fields of a Slack message event that decide whether it may be relayed. */
export interface SlackMessageFacts {
  subtype?: string | undefined;
  user?: string | undefined;
  botId?: string | undefined;
  threadTs?: string | undefined;
  ts: string;
}

/** Subtypes that carry a person's new message; every other subtype is ignored. */
const HUMAN_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast"]);

/** Why a Slack message is not relayed, or null when it is a person's reply inside a thread. */
export function ignoreReason(
  m: SlackMessageFacts,
  self: { botUserId: string | null; botId: string | null },
): string | null {
  if (m.subtype === "message_changed") return "edit";
  if (m.subtype === "message_deleted") return "delete";
  if (!HUMAN_SUBTYPES.has(m.subtype)) return `subtype ${m.subtype}`;
  if (m.botId) return "bot message";
  if (!m.user) return "no user";
  if (self.botUserId && m.user === self.botUserId) return "own message";
  if (!m.threadTs || m.threadTs === m.ts) return "not a thread reply";
  return null;
}

/** Adds the optional signature (e.g. `*{name}*: `) in front of an agent's reply. */
export function signReply(text: string, agentName: string, template: string): string {
  if (!template) return text;
  return `${template.replaceAll("{name}", agentName)}${text}`;
}

/** What the relay job knows when an agent's thread reply comes in. */
export interface RelayFacts {
  reply: ThreadReply;
  state: "bot" | "escalated" | "agent" | "closed";
  windowOpen: boolean;
  /** The customer opted out (STOP, src/core/opt-out.ts): nothing may be sent to them. */
  optedOut: boolean;
  /** The reply carries files to forward. */
  hasFiles: boolean;
  /** The configured signature template (empty: none). */
  signature: string;
}

/** What to do with an agent's thread reply. */
export type RelayPlan =
  | { type: "note" }
  | { type: "not_sent"; why: "closed" | "bot" | "opted_out" }
  | { type: "window_closed" }
  | {
      type: "send";
      /**
       * Slack user ids whose display names the WhatsApp text needs: the agent when the signature
       * names them, and each person mentioned. A name that cannot be had falls back; it never
       * holds the reply back.
       */
      names: string[];
      needsAgentName: boolean;
    }
  | { type: "nothing" };

const MAX_MENTION_LOOKUPS = 5;

/** The user ids mentioned as `<@U…>` in Slack text, in order, without duplicates. */
export function mentionedUsers(text: string): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(/<@([UW][A-Z0-9]{1,20})(?:\|[^>]{0,100})?>/g)) ids.add(m[1]!);
  return [...ids];
}

/**
 * Decides what an agent's thread reply becomes: an internal note, a notice that it was not sent
 * (conversation closed or back with the AI, the customer opted out, window closed), or WhatsApp
 * messages, with the names the text needs looked up first.
 */
export function planRelay(f: RelayFacts, agentUserId: string): RelayPlan {
  if (f.reply.kind === "note") return { type: "note" };
  if (f.state === "closed" || f.state === "bot") return { type: "not_sent", why: f.state };
  if (f.optedOut) return { type: "not_sent", why: "opted_out" };
  if (!f.windowOpen) return { type: "window_closed" };
  if (f.reply.text.length === 0 && !f.hasFiles) return { type: "nothing" };
  const needsAgentName = f.signature.includes("{name}");
  const mentions = mentionedUsers(f.reply.text).slice(0, MAX_MENTION_LOOKUPS);
  const names = [...new Set([...(needsAgentName ? [agentUserId] : []), ...mentions])];
  return { type: "send", names, needsAgentName };
}

/** The name used for an agent whose display name could not be looked up. */
export const NEUTRAL_AGENT_NAME = "Support";
