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
