import type { SlackEmulator, SlackMessage, SlackView } from "../../emulators/slack.ts";
import { renderBlocks, renderMessageHtml } from "./blockkit.ts";
import { escapeHtml } from "./html.ts";
import { replaceShortcodes } from "./mrkdwn.ts";
import { whatsappToHtml } from "./whatsapp.ts";

/** A row of the `messages` table as the phone needs it. */
export interface PhoneRow {
  id: number;
  direction: "in" | "out";
  author: string | null;
  kind: string;
  text: string;
  /** The stored JSON (inbound content or outbound request), parsed. */
  payload: unknown;
  status: string;
  errorCode: number | null;
  errorTitle: string | null;
  createdAt: number;
}

/** Delivery ticks of an outbound message, from its status. */
export type Ticks = "pending" | "sent" | "delivered" | "read" | "failed";

/** One bubble of the phone. */
export interface PhoneMessage {
  id: number;
  direction: "in" | "out";
  /** Outbound: `bot`, `agent` or `system`. */
  author: string | null;
  kind: string;
  /** The text as WhatsApp shows it (formatting rendered), HTML. */
  html: string;
  /** Unix ms (sandbox time). */
  at: number;
  /** Outbound only. */
  ticks: Ticks | null;
  error: string | null;
  /** Reply buttons of an outbound interactive message, for the customer to tap. */
  buttons: { id: string; title: string }[];
}

/** One message of the Slack channel, as the emulated Slack holds it. */
export interface SlackMessageView {
  ts: string;
  author: string;
  bot: boolean;
  html: string;
  /** Reactions the bot put on it (delivery marks, 🔒 for notes). */
  reactions: { name: string; emoji: string }[];
  /** Shown only to the agent (`chat.postEphemeral`). */
  ephemeral: boolean;
  edited: boolean;
}

/** A handoff thread: its root and its replies. */
export interface SlackThreadView {
  ts: string;
  root: SlackMessageView;
  replies: SlackMessageView[];
}

/** The open Send template modal (or any modal the service opened). */
export interface ModalView {
  id: string;
  title: string;
  submit: string | null;
  close: string;
  html: string;
}

/** Everything the console page shows, rebuilt on every change. */
export interface ConsoleState {
  /** How far the sandbox clock runs ahead of the real time; the page adds it to its own clock. */
  clockOffsetMs: number;
  model: { label: string; canFail: boolean; why: string };
  /** Whether the emulated phone reports sent / delivered / read. */
  statusReports: boolean;
  notePrefix: string;
  customer: { name: string; waId: string };
  phone: PhoneMessage[];
  channel: string;
  threads: SlackThreadView[];
  /** Messages outside any thread shown to the agent only (a button's refusal, for example). */
  channelNotices: SlackMessageView[];
  /** The agent's Home tab as last published. */
  home: { id: string; html: string } | null;
  modal: ModalView | null;
}

/** Console-side memory the world does not keep: dismissed modals and their errors. */
export interface ConsoleMemory {
  /** Modals submitted successfully or cancelled in the console. */
  closedModals: ReadonlySet<string>;
  /** Validation errors by view id, from a `response_action: "errors"` answer. */
  modalErrors: ReadonlyMap<string, Record<string, string>>;
}

/** What {@link buildConsoleState} reads: plain data and the emulated Slack's read side. */
export interface StateInput {
  phoneRows: PhoneRow[];
  slack: Pick<
    SlackEmulator,
    "messages" | "threadReplies" | "reactions" | "ephemerals" | "views" | "modals" | "botUserId"
  >;
  channel: string;
  agentUserId: string;
  customer: { name: string; waId: string };
  clockOffsetMs: number;
  model: { label: string; canFail: boolean; why: string };
  statusReports: boolean;
  notePrefix: string;
  memory: ConsoleMemory;
}

const TICKS: Readonly<Record<string, Ticks>> = {
  queued: "pending",
  sending: "pending",
  accepted: "sent",
  sent: "sent",
  delivered: "delivered",
  read: "read",
  played: "read",
  failed: "failed",
};

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, key) => (isObj(v) ? v[key] : undefined), value);

/** Reply buttons of an outbound interactive request. */
function replyButtons(payload: unknown): { id: string; title: string }[] {
  // What the service queued (src/outbound/types.ts `buttons`, e.g. the CSAT survey) keeps them
  // flat; a Graph interactive payload nests them.
  if (at(payload, "kind") === "buttons") {
    const flat = at(payload, "buttons");
    if (!Array.isArray(flat)) return [];
    return flat.flatMap((b) => {
      const id = at(b, "id");
      const title = at(b, "title");
      return typeof id === "string" && typeof title === "string" ? [{ id, title }] : [];
    });
  }
  const buttons = at(payload, "interactive", "action", "buttons");
  if (!Array.isArray(buttons)) return [];
  return buttons.flatMap((b) => {
    const id = at(b, "reply", "id");
    const title = at(b, "reply", "title");
    return typeof id === "string" && typeof title === "string" ? [{ id, title }] : [];
  });
}

/** A short label for what has no text of its own (a photo, a location, a template). */
function kindLabel(row: PhoneRow): string {
  const p = row.payload;
  switch (row.kind) {
    case "image":
      return "📷 Photo";
    case "location": {
      const name = at(p, "name") ?? at(p, "location", "name");
      return `📍 Location${typeof name === "string" ? `: ${name}` : ""}`;
    }
    case "template": {
      const name = at(p, "template", "name");
      return `📨 Template${typeof name === "string" ? ` ${name}` : ""}`;
    }
    default:
      return `[${row.kind}]`;
  }
}

function phoneMessage(row: PhoneRow): PhoneMessage {
  const text = row.text.trim() === "" ? kindLabel(row) : row.text;
  // Marks what the text alone would not show: a photo's caption, a tapped button.
  const hasText = row.text.trim() !== "";
  const prefix =
    row.kind === "image" && hasText ? "📷 " : row.kind === "button_reply" && hasText ? "↩ " : "";
  const failed = row.status === "failed";
  return {
    id: row.id,
    direction: row.direction,
    author: row.author,
    kind: row.kind,
    html: `${prefix}${whatsappToHtml(text)}`,
    at: row.createdAt,
    ticks: row.direction === "out" ? (TICKS[row.status] ?? "pending") : null,
    error:
      failed && (row.errorCode !== null || row.errorTitle !== null)
        ? `${row.errorCode ?? ""} ${row.errorTitle ?? ""}`.trim()
        : null,
    buttons: row.direction === "out" ? replyButtons(row.payload) : [],
  };
}

/**
 * Builds the console's view model from what the world holds: the phone from the `messages`
 * table (the customer's messages and what the service sent, with delivery ticks), the Slack
 * channel exactly as the emulated Slack received it (roots, replies, reactions, ephemerals),
 * the agent's Home tab and the open modal, each rendered to HTML here so the page only places
 * it. Pure: reads its input, changes nothing; the same input gives the same JSON, which lets
 * the event stream push only real changes.
 */
export function buildConsoleState(input: StateInput): ConsoleState {
  const { slack, channel } = input;
  const names = (id: string) => {
    if (id === slack.botUserId) return "jembatan";
    if (id === input.agentUserId) return "agent (you)";
    return undefined;
  };
  const ephemerals = slack.ephemerals(channel);
  const view = (m: SlackMessage): SlackMessageView => ({
    ts: m.ts,
    author: m.bot_id !== undefined || m.user === slack.botUserId ? "jembatan" : authorName(m.user),
    bot: m.bot_id !== undefined || m.user === slack.botUserId,
    html: renderMessageHtml(m, { names }) + filesHtml(m),
    reactions: slack.reactions(channel, m.ts).map((name) => ({
      name,
      emoji: replaceShortcodes(`:${name}:`),
    })),
    ephemeral: false,
    edited: m.edited !== undefined,
  });
  const authorName = (user: string) =>
    user === input.agentUserId ? "You (agent)" : (names(user) ?? user);
  const ephemeralView = (e: (typeof ephemerals)[number]): SlackMessageView => ({
    ts: e.message_ts,
    author: "jembatan",
    bot: true,
    html: renderMessageHtml(e, { names }),
    reactions: [],
    ephemeral: true,
    edited: false,
  });

  const roots = slack.messages(channel).filter((m) => m.thread_ts === undefined);
  const rootTs = new Set(roots.map((r) => r.ts));
  const threads = roots.map((root) => {
    const replies = slack.threadReplies(channel, root.ts).map(view);
    const notes = ephemerals.filter((e) => e.thread_ts === root.ts).map(ephemeralView);
    return {
      ts: root.ts,
      root: view(root),
      replies: [...replies, ...notes].sort((a, b) => compareTs(a.ts, b.ts)),
    };
  });
  const channelNotices = ephemerals
    .filter((e) => e.thread_ts === undefined || !rootTs.has(e.thread_ts))
    .map(ephemeralView);

  const homeView = slack.views.get(input.agentUserId);
  const open = [...slack.modals].reverse().find((m) => !input.memory.closedModals.has(m.id));
  const modal: ModalView | null =
    open === undefined
      ? null
      : {
          id: open.id,
          title: plainText(open.view.title) || "Modal",
          submit: plainText(open.view.submit) || null,
          close: plainText(open.view.close) || "Cancel",
          html: modalHtml(open, input.memory.modalErrors.get(open.id) ?? {}, names),
        };

  return {
    clockOffsetMs: input.clockOffsetMs,
    model: input.model,
    statusReports: input.statusReports,
    notePrefix: input.notePrefix,
    customer: input.customer,
    phone: input.phoneRows.map(phoneMessage),
    channel,
    threads,
    channelNotices,
    home:
      homeView === undefined
        ? null
        : { id: homeView.id, html: renderBlocks(homeView.blocks, { names }) },
    modal,
  };
}

/** A modal's blocks with the errors under their inputs; errors for no shown block on top. */
function modalHtml(
  modal: SlackView,
  errors: Record<string, string>,
  names: (id: string) => string | undefined,
): string {
  const shown = new Set(
    modal.blocks.map((b) => (isObj(b) && typeof b.block_id === "string" ? b.block_id : null)),
  );
  const loose = Object.entries(errors)
    .filter(([blockId]) => !shown.has(blockId))
    .map(([, message]) => `<div class="bk-error" role="alert">${escapeHtml(message)}</div>`);
  return loose.join("") + renderBlocks(modal.blocks, { names, errors });
}

function plainText(text: unknown): string {
  const value = at(text, "text");
  return typeof value === "string" ? value : "";
}

function filesHtml(m: SlackMessage): string {
  if (!m.files || m.files.length === 0) return "";
  const items = m.files.map(
    (f) =>
      `<div class="bk-file">📎 ${escapeHtml(f.title || f.name)} (${escapeHtml(f.mimetype)})</div>`,
  );
  return items.join("");
}

/** Slack timestamps compare as numbers (seconds.micro), not as strings of varying length. */
function compareTs(a: string, b: string): number {
  return Number(a) - Number(b);
}
