import { Hono } from "hono";
import { startServer } from "./server.ts";
import { attachSocketMode, type SocketModeEmulator } from "./slack-socket.ts";

/** A workspace member known to the emulator (`users.info`). */
export interface SlackUserSpec {
  name: string;
  real_name?: string;
  display_name?: string;
}

/** Options for {@link startSlackEmulator}; every field has a test-friendly default. */
export interface SlackEmulatorOptions {
  /** Default `xoxb-emulator-token`. */
  botToken?: string;
  /** The app-level token for Socket Mode (`apps.connections.open`). Default `xapp-1-A0EMULATOR-1-secret`. */
  appToken?: string;
  /** Default `U0BOTUSER`. */
  botUserId?: string;
  /** Default `B0BOTID`. */
  botId?: string;
  /** Default `T0TEAM`. */
  teamId?: string;
  /** Channel ids the bot is a member of. Default `["C0ESCALATE"]`. */
  channels?: string[];
  /** Default one agent: `U0AGENT` (name `agent`, real name `Agent Smith`, display name `Smith`). */
  users?: Record<string, SlackUserSpec>;
}

/**
 * An injected failure: `{ status: 429, retryAfter }` answers HTTP 429 with `Retry-After`
 * (default 1 s) and `{ok:false,error:"ratelimited"}`; any other status answers that HTTP status;
 * `{ error }` answers HTTP 200 `{ok:false,error}`. With `afterEffect: true` a status failure
 * happens after the call took effect: the answer is lost on the way back (a post exists that
 * the client never heard of).
 */
export type SlackFailure =
  | { status: number; retryAfter?: number; afterEffect?: boolean }
  | { error: string };

/** One Web API request as the emulator received it. */
export interface SlackCall {
  method: string;
  /** Form fields or JSON body; JSON-valued fields such as `blocks` and `view` are parsed. */
  args: Record<string, unknown>;
  at: number;
  /** Filled in once answered: the HTTP status and, for JSON answers, `ok` / `error`. */
  response?: { status: number; ok?: boolean; error?: string };
}

/** A file stored by the emulator (uploaded with `files.uploadV2` or seeded with `addFile`). */
export interface SlackFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  user: string;
  created: number;
  /** Served by the emulator; fetching it needs `Authorization: Bearer <bot token>`. */
  url_private: string;
  url_private_download: string;
  permalink: string;
  alt_text?: string;
  channels: string[];
  data: Buffer;
}

/** A message in a channel: posted by the bot, or seeded with `addMessage`. */
export interface SlackMessage {
  type: "message";
  channel: string;
  ts: string;
  /** Parent ts for replies; the parent itself carries `reply_count` once it has replies. */
  thread_ts?: string;
  user: string;
  bot_id?: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  files?: SlackFile[];
  metadata?: unknown;
  reply_broadcast?: boolean;
  reply_count?: number;
  edited?: { user: string; ts: string };
}

/** A message sent with `chat.postEphemeral`. */
export interface SlackEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
}

/** A view as stored by `views.publish` / `views.open` / `views.update`. */
export interface SlackView {
  id: string;
  team_id: string;
  type: string;
  hash: string;
  /** The user a Home tab was published for. */
  user_id?: string;
  external_id?: string;
  callback_id?: string;
  private_metadata?: string;
  blocks: unknown[];
  /** Everything the app sent in `view`. */
  view: Record<string, unknown>;
}

/** A loopback Slack Web API. */
export interface SlackEmulator {
  /** `slackApiUrl` for `WebClient` (ends with `/api/`). */
  readonly url: string;
  /** Server root without trailing slash. */
  readonly baseUrl: string;
  readonly botToken: string;
  readonly appToken: string;
  /** Socket Mode: connections opened through `apps.connections.open`, envelopes and acks. */
  readonly socket: SocketModeEmulator;
  readonly botUserId: string;
  readonly botId: string;
  readonly teamId: string;
  /** Every request received, in order, including failed ones. */
  readonly calls: readonly SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Top-level messages and replies, in posting order. */
  messages(channel?: string): SlackMessage[];
  message(channel: string, ts: string): SlackMessage | undefined;
  /** Replies in a thread, without the parent. */
  threadReplies(channel: string, threadTs: string): SlackMessage[];
  ephemerals(channel?: string): SlackEphemeral[];
  /** Reaction names the bot has on a message. */
  reactions(channel: string, ts: string): string[];
  /** Home tab views, keyed by user id. */
  readonly views: ReadonlyMap<string, SlackView>;
  /** Modals opened with `views.open` (updated in place by `views.update`). */
  readonly modals: readonly SlackView[];
  readonly files: readonly SlackFile[];
  addChannel(id: string, opts?: { name?: string; isPrivate?: boolean; member?: boolean }): void;
  /** Makes `chat.postMessage` and friends answer `not_in_channel` for this channel (or stop doing so). */
  setNotInChannel(channel: string, notIn?: boolean): void;
  addUser(id: string, spec: SlackUserSpec): void;
  /** Sets a user group's members (`usergroups.users.list`). */
  setUserGroup(id: string, members: string[]): void;
  /** Seeds a message, e.g. a human's thread reply, so that the app can react to it or reply under it. */
  addMessage(
    channel: string,
    msg: { user: string; text?: string; ts?: string; thread_ts?: string; files?: SlackFile[] },
  ): SlackMessage;
  /** Seeds a file whose `url_private` the app can download with the bot token. */
  addFile(file: {
    name: string;
    content: Buffer | string;
    mimetype?: string;
    user?: string;
  }): SlackFile;
  /** The next `times` calls to `method` (`"*"` = any method) fail as specified. */
  failNext(method: string, spec: SlackFailure, times?: number): void;
  /** Delay before every answer. */
  setLatency(ms: number): void;
  /**
   * Called synchronously for every Web API request as soon as it is recorded (before any latency,
   * injected failure or answer; `response` is still unset); returns an unsubscribe function.
   */
  onCall(listener: (call: SlackCall) => void): () => void;
  /** Forgets calls, messages, reactions, views, files and pending failures; restores the configured channels and users; keeps `onCall` listeners. */
  reset(): void;
  /** Resolves once `predicate(emulator)` holds; rejects after `timeoutMs` listing the methods called. */
  waitFor(predicate: (emu: SlackEmulator) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type Args = Record<string, unknown>;
type Answer = { ok: true; [key: string]: unknown } | { ok: false; error: string };

interface ChannelState {
  id: string;
  name: string;
  isPrivate: boolean;
  member: boolean;
}

interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  alt_text?: string;
  data?: Buffer;
}

// Slack sends these as JSON strings inside form bodies.
const JSON_FIELDS = new Set(["blocks", "attachments", "view", "files", "metadata", "unfurls"]);
const MAX_MESSAGE_BLOCKS = 50;
const MAX_VIEW_BLOCKS = 100;
const MAX_TEXT = 40_000;

const DEFAULT_USERS: Record<string, SlackUserSpec> = {
  U0AGENT: { name: "agent", real_name: "Agent Smith", display_name: "Smith" },
};

const ok = (fields: Record<string, unknown> = {}): Answer => ({ ok: true, ...fields });
const fail = (error: string): Answer => ({ ok: false, error });
const str = (args: Args, key: string): string | undefined => {
  const v = args[key];
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number") return String(v);
  return undefined;
};
const bool = (args: Args, key: string): boolean => {
  const v = args[key];
  return v === true || v === "true" || v === "1" || v === 1;
};
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseFormFields(params: Iterable<[string, string]>): Args {
  const args: Args = {};
  for (const [key, value] of params) {
    if (JSON_FIELDS.has(key)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // Left as a string: the method answers with its own validation error.
      }
    }
    args[key] = value;
  }
  return args;
}

function validBlocks(blocks: unknown, max: number): blocks is unknown[] {
  return (
    Array.isArray(blocks) &&
    blocks.length <= max &&
    blocks.every((b) => isRecord(b) && typeof b.type === "string")
  );
}

const FILETYPES: Record<string, [string, string]> = {
  txt: ["text/plain", "text"],
  png: ["image/png", "png"],
  jpg: ["image/jpeg", "jpg"],
  jpeg: ["image/jpeg", "jpg"],
  pdf: ["application/pdf", "pdf"],
  ogg: ["audio/ogg", "ogg"],
  mp4: ["video/mp4", "mp4"],
};

/** Starts a loopback Slack Web API on 127.0.0.1 (see {@link SlackEmulator}). */
export async function startSlackEmulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const botToken = opts.botToken ?? "xoxb-emulator-token";
  const appToken = opts.appToken ?? "xapp-1-A0EMULATOR-1-secret";
  // Set once the server listens (apps.connections.open needs its port).
  let socket: SocketModeEmulator | null = null;
  const botUserId = opts.botUserId ?? "U0BOTUSER";
  const botId = opts.botId ?? "B0BOTID";
  const teamId = opts.teamId ?? "T0TEAM";
  const initialChannels = opts.channels ?? ["C0ESCALATE"];
  const initialUsers = opts.users ?? DEFAULT_USERS;

  let baseUrl = "";
  let latencyMs = 0;
  // Never reset, so that ts values stay unique and increasing for the emulator's lifetime.
  let tsCounter = 0;
  let idCounter = 0;
  const calls: SlackCall[] = [];
  const channels = new Map<string, ChannelState>();
  const users = new Map<string, SlackUserSpec>();
  const userGroups = new Map<string, string[]>();
  const messages: SlackMessage[] = [];
  const ephemerals: SlackEphemeral[] = [];
  const reactions = new Map<string, Set<string>>();
  const homeViews = new Map<string, SlackView>();
  const modals: SlackView[] = [];
  const files: SlackFile[] = [];
  const pendingUploads = new Map<string, PendingUpload>();
  const failures: Array<{ method: string; spec: SlackFailure }> = [];
  const callListeners = new Set<(call: SlackCall) => void>();

  // Slack's ts is the post's time on Slack's clock (Unix seconds, microseconds), unique per
  // channel: here the wall clock, kept strictly increasing, so that `oldest`/`latest` given as
  // times (a job's creation, say) mean what they mean on Slack.
  const nextTs = () => {
    tsCounter = Math.max(tsCounter + 100, Date.now() * 1000);
    return `${Math.floor(tsCounter / 1_000_000)}.${String(tsCounter % 1_000_000).padStart(6, "0")}`;
  };
  const nextId = (prefix: string) => {
    idCounter += 1;
    return `${prefix}${String(idCounter).padStart(9, "0")}`;
  };

  const addChannel: SlackEmulator["addChannel"] = (id, o = {}) => {
    channels.set(id, {
      id,
      name: o.name ?? id.toLowerCase(),
      isPrivate: o.isPrivate ?? false,
      member: o.member ?? true,
    });
  };

  const restoreDirectory = () => {
    channels.clear();
    for (const id of initialChannels) addChannel(id);
    users.clear();
    for (const [id, spec] of Object.entries(initialUsers)) users.set(id, spec);
  };
  restoreDirectory();

  const findMessage = (channel: string, ts: string) =>
    messages.find((m) => m.channel === channel && m.ts === ts);

  /** Resolves a channel argument or the error Slack would give for it. */
  const memberChannel = (args: Args, key = "channel"): ChannelState | Answer => {
    const id = str(args, key);
    const ch = id === undefined ? undefined : channels.get(id);
    if (!ch) return fail("channel_not_found");
    if (!ch.member) return fail("not_in_channel");
    return ch;
  };
  const isAnswer = (v: ChannelState | Answer): v is Answer => "ok" in v;

  const fileUrlBase = (id: string, name: string) =>
    `${baseUrl}/files-pri/${teamId}-${id}/${encodeURIComponent(name)}`;

  const storeFile = (f: {
    id: string;
    name: string;
    title?: string;
    data: Buffer;
    mimetype?: string;
    user?: string;
    alt_text?: string;
  }): SlackFile => {
    const ext = f.name.includes(".") ? (f.name.split(".").pop() ?? "").toLowerCase() : "";
    const [guessedMime, filetype] = FILETYPES[ext] ?? ["application/octet-stream", "binary"];
    const file: SlackFile = {
      id: f.id,
      name: f.name,
      title: f.title ?? f.name,
      mimetype: f.mimetype ?? guessedMime,
      filetype,
      size: f.data.length,
      user: f.user ?? botUserId,
      created: Math.floor(Date.now() / 1000),
      url_private: fileUrlBase(f.id, f.name),
      url_private_download: `${fileUrlBase(f.id, f.name)}?download=1`,
      permalink: `https://emulator.slack.com/files/${f.user ?? botUserId}/${f.id}/${f.name}`,
      ...(f.alt_text === undefined ? {} : { alt_text: f.alt_text }),
      channels: [],
      data: f.data,
    };
    files.push(file);
    return file;
  };
  // The wire form of a file: everything but the bytes.
  const fileJson = ({ data: _data, ...rest }: SlackFile) => rest;
  const messageJson = (m: SlackMessage) => ({
    ...m,
    team: teamId,
    ...(m.files ? { files: m.files.map(fileJson) } : {}),
  });
  // `oldest` and `latest` (exclusive unless `inclusive`), as conversations.history and
  // conversations.replies take them; ts strings of equal shape compare as their numbers.
  const inRange = (list: SlackMessage[], args: Args): SlackMessage[] => {
    const oldest = str(args, "oldest");
    const latest = str(args, "latest");
    if (oldest === undefined && latest === undefined) return list;
    const inclusive = bool(args, "inclusive");
    return list.filter((m) => {
      const t = Number(m.ts);
      if (oldest !== undefined && (inclusive ? t < Number(oldest) : t <= Number(oldest)))
        return false;
      if (latest !== undefined && (inclusive ? t > Number(latest) : t >= Number(latest)))
        return false;
      return true;
    });
  };
  // One page of messages: `limit` (at most 1000) and an opaque `cursor`, as Slack pages them.
  const page = (list: SlackMessage[], args: Args, defaultLimit: number): Answer => {
    const limit = Math.min(1000, Math.max(1, Number(str(args, "limit") ?? defaultLimit) || 1));
    const cursor = str(args, "cursor");
    const start = cursor === undefined ? 0 : Number(Buffer.from(cursor, "base64").toString());
    if (!Number.isInteger(start) || start < 0) return fail("invalid_cursor");
    const withMetadata = bool(args, "include_all_metadata");
    const slice = list.slice(start, start + limit).map((m) => {
      const { metadata, ...rest } = messageJson(m);
      return withMetadata && metadata !== undefined ? { ...rest, metadata } : rest;
    });
    const more = start + limit < list.length;
    return ok({
      messages: slice,
      has_more: more,
      response_metadata: {
        next_cursor: more ? Buffer.from(String(start + limit)).toString("base64") : "",
      },
    });
  };
  const viewJson = (v: SlackView) => ({
    ...v.view,
    id: v.id,
    team_id: v.team_id,
    type: v.type,
    hash: v.hash,
    blocks: v.blocks,
    private_metadata: v.private_metadata ?? "",
    callback_id: v.callback_id ?? "",
    external_id: v.external_id ?? "",
    app_id: "A0EMULATOR",
    bot_id: botId,
  });

  const insertMessage = (
    channel: string,
    fields: Omit<SlackMessage, "type" | "channel" | "ts">,
  ): SlackMessage | Answer => {
    let threadTs = fields.thread_ts;
    if (threadTs !== undefined) {
      const parent = findMessage(channel, threadTs);
      // Stricter than Slack, which may post such a message at top level: a reply to a
      // thread that does not exist is a bug worth failing on in tests.
      if (!parent) return fail("thread_not_found");
      threadTs = parent.thread_ts ?? parent.ts;
      const root = findMessage(channel, threadTs);
      if (root) root.reply_count = (root.reply_count ?? 0) + 1;
    }
    const msg: SlackMessage = {
      type: "message",
      channel,
      ts: nextTs(),
      ...fields,
      ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    };
    if (msg.thread_ts === undefined) delete msg.thread_ts;
    messages.push(msg);
    return msg;
  };

  const makeView = (args: Args, existing?: SlackView): SlackView | Answer => {
    const view = args.view;
    if (!isRecord(view) || typeof view.type !== "string") return fail("invalid_arguments");
    const blocks = view.blocks ?? [];
    if (!validBlocks(blocks, MAX_VIEW_BLOCKS)) return fail("invalid_blocks");
    if (typeof view.private_metadata === "string" && view.private_metadata.length > 3000) {
      return fail("invalid_arguments");
    }
    return {
      id: existing?.id ?? nextId("V"),
      team_id: teamId,
      type: view.type,
      hash: `${Date.now()}.${nextId("h")}`,
      blocks,
      view,
      ...(existing?.user_id ? { user_id: existing.user_id } : {}),
      ...(typeof view.external_id === "string" ? { external_id: view.external_id } : {}),
      ...(typeof view.callback_id === "string" ? { callback_id: view.callback_id } : {}),
      ...(typeof view.private_metadata === "string"
        ? { private_metadata: view.private_metadata }
        : {}),
    };
  };

  const userJson = (id: string, u: SlackUserSpec, isBot: boolean) => ({
    id,
    team_id: teamId,
    name: u.name,
    deleted: false,
    real_name: u.real_name ?? u.name,
    tz: "Asia/Jakarta",
    tz_offset: 25200,
    is_bot: isBot,
    is_app_user: false,
    profile: {
      real_name: u.real_name ?? u.name,
      display_name: u.display_name ?? "",
      real_name_normalized: u.real_name ?? u.name,
      display_name_normalized: u.display_name ?? "",
      team: teamId,
      ...(isBot ? { bot_id: botId } : {}),
    },
  });

  const methods: Record<string, (args: Args) => Answer> = {
    "auth.test": () =>
      ok({
        url: "https://emulator.slack.com/",
        team: "Emulator Workspace",
        user: "jembatan",
        team_id: teamId,
        user_id: botUserId,
        bot_id: botId,
        is_enterprise_install: false,
      }),

    "chat.postMessage": (args) => {
      const ch = memberChannel(args);
      if (isAnswer(ch)) return ch;
      const text = str(args, "text");
      if (text !== undefined && text.length > MAX_TEXT) return fail("msg_too_long");
      if (args.blocks !== undefined && !validBlocks(args.blocks, MAX_MESSAGE_BLOCKS)) {
        return fail("invalid_blocks");
      }
      const attachments = Array.isArray(args.attachments) ? args.attachments : undefined;
      if (text === undefined && args.blocks === undefined && !attachments) return fail("no_text");
      const threadTs = str(args, "thread_ts");
      const msg = insertMessage(ch.id, {
        user: botUserId,
        bot_id: botId,
        ...(text === undefined ? {} : { text }),
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        ...(attachments ? { attachments } : {}),
        ...(args.metadata === undefined ? {} : { metadata: args.metadata }),
        ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
        ...(bool(args, "reply_broadcast") ? { reply_broadcast: true } : {}),
      });
      if ("ok" in msg) return msg;
      return ok({ channel: ch.id, ts: msg.ts, message: messageJson(msg) });
    },

    "chat.update": (args) => {
      const ch = memberChannel(args);
      if (isAnswer(ch)) return ch;
      const msg = findMessage(ch.id, str(args, "ts") ?? "");
      if (!msg) return fail("message_not_found");
      if (msg.user !== botUserId) return fail("cant_update_message");
      if (args.blocks !== undefined && !validBlocks(args.blocks, MAX_MESSAGE_BLOCKS)) {
        return fail("invalid_blocks");
      }
      const text = str(args, "text");
      if (text !== undefined && text.length > MAX_TEXT) return fail("msg_too_long");
      if (text !== undefined) msg.text = text;
      if (Array.isArray(args.blocks)) msg.blocks = args.blocks;
      if (Array.isArray(args.attachments)) msg.attachments = args.attachments;
      msg.edited = { user: botUserId, ts: nextTs() };
      return ok({ channel: ch.id, ts: msg.ts, text: msg.text ?? "", message: messageJson(msg) });
    },

    "chat.postEphemeral": (args) => {
      const ch = memberChannel(args);
      if (isAnswer(ch)) return ch;
      const user = str(args, "user");
      if (user === undefined || !users.has(user)) return fail("user_not_in_channel");
      const text = str(args, "text");
      if (text === undefined && args.blocks === undefined) return fail("no_text");
      if (args.blocks !== undefined && !validBlocks(args.blocks, MAX_MESSAGE_BLOCKS)) {
        return fail("invalid_blocks");
      }
      const threadTs = str(args, "thread_ts");
      const eph: SlackEphemeral = {
        channel: ch.id,
        user,
        message_ts: nextTs(),
        ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
        ...(text === undefined ? {} : { text }),
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
      };
      ephemerals.push(eph);
      return ok({ message_ts: eph.message_ts });
    },

    "chat.getPermalink": (args) => {
      const channel = str(args, "channel") ?? "";
      if (!channels.has(channel)) return fail("channel_not_found");
      const msg = findMessage(channel, str(args, "message_ts") ?? "");
      if (!msg) return fail("message_not_found");
      const p = `p${msg.ts.replace(".", "")}`;
      const thread = msg.thread_ts ? `?thread_ts=${msg.thread_ts}&cid=${channel}` : "";
      return ok({
        channel,
        permalink: `https://emulator.slack.com/archives/${channel}/${p}${thread}`,
      });
    },

    "reactions.add": (args) => {
      const ch = memberChannel(args);
      if (isAnswer(ch)) return ch;
      const name = (str(args, "name") ?? "").replace(/^:|:$/g, "");
      if (name === "" || /\s/.test(name)) return fail("invalid_name");
      const msg = findMessage(ch.id, str(args, "timestamp") ?? "");
      if (!msg) return fail("message_not_found");
      const key = `${ch.id}/${msg.ts}`;
      const set = reactions.get(key) ?? new Set<string>();
      if (set.has(name)) return fail("already_reacted");
      set.add(name);
      reactions.set(key, set);
      return ok();
    },

    "reactions.remove": (args) => {
      const ch = memberChannel(args);
      if (isAnswer(ch)) return ch;
      const name = (str(args, "name") ?? "").replace(/^:|:$/g, "");
      const msg = findMessage(ch.id, str(args, "timestamp") ?? "");
      if (!msg) return fail("message_not_found");
      const set = reactions.get(`${ch.id}/${msg.ts}`);
      if (!set?.delete(name)) return fail("no_reaction");
      return ok();
    },

    // Slack answers no_such_subteam for an unknown group id.
    "usergroups.users.list": (args) => {
      const members = userGroups.get(str(args, "usergroup") ?? "");
      return members ? ok({ users: [...members] }) : fail("no_such_subteam");
    },

    "users.info": (args) => {
      const id = str(args, "user") ?? "";
      if (id === botUserId) return ok({ user: userJson(id, { name: "jembatan" }, true) });
      const u = users.get(id);
      if (!u) return fail("user_not_found");
      return ok({ user: userJson(id, u, false) });
    },

    // Newest first, as Slack pages them. Metadata only with include_all_metadata.
    "conversations.history": (args) => {
      const ch = memberChannel(args);
      if (isAnswer(ch)) return ch;
      const top = messages.filter((m) => m.channel === ch.id && m.thread_ts === undefined);
      return page(inRange(top, args).reverse(), args, 100);
    },

    // The parent first, then its replies oldest first, as Slack pages them.
    "conversations.replies": (args) => {
      const ch = memberChannel(args);
      if (isAnswer(ch)) return ch;
      const parent = findMessage(ch.id, str(args, "ts") ?? "");
      if (!parent) return fail("thread_not_found");
      const rootTs = parent.thread_ts ?? parent.ts;
      const thread = messages.filter(
        (m) => m.channel === ch.id && (m.ts === rootTs || m.thread_ts === rootTs),
      );
      // With `oldest`/`latest` the parent is filtered like the replies; nothing here relies on
      // Slack returning it anyway.
      return page(inRange(thread, args), args, 1000);
    },

    "conversations.info": (args) => {
      const ch = channels.get(str(args, "channel") ?? "");
      if (!ch) return fail("channel_not_found");
      return ok({
        channel: {
          id: ch.id,
          name: ch.name,
          is_channel: !ch.isPrivate,
          is_group: ch.isPrivate,
          is_im: false,
          is_private: ch.isPrivate,
          is_archived: false,
          is_member: ch.member,
          context_team_id: teamId,
          created: 1_690_000_000,
        },
      });
    },

    "views.publish": (args) => {
      const userId = str(args, "user_id");
      if (userId === undefined || !users.has(userId)) return fail("user_not_found");
      const existing = homeViews.get(userId);
      const hash = str(args, "hash");
      if (hash !== undefined && existing && existing.hash !== hash) return fail("hash_conflict");
      const view = makeView(args, existing);
      if ("ok" in view) return view;
      if (view.type !== "home") return fail("invalid_arguments");
      view.user_id = userId;
      homeViews.set(userId, view);
      return ok({ view: viewJson(view) });
    },

    "views.open": (args) => {
      if (str(args, "trigger_id") === undefined) return fail("invalid_trigger_id");
      const view = makeView(args);
      if ("ok" in view) return view;
      if (view.type !== "modal") return fail("invalid_arguments");
      modals.push(view);
      return ok({ view: viewJson(view) });
    },

    "views.update": (args) => {
      const viewId = str(args, "view_id");
      const externalId = str(args, "external_id");
      const existing =
        modals.find((v) => v.id === viewId || (externalId && v.external_id === externalId)) ??
        [...homeViews.values()].find((v) => v.id === viewId);
      if (!existing) return fail("not_found");
      const hash = str(args, "hash");
      if (hash !== undefined && existing.hash !== hash) return fail("hash_conflict");
      const next = makeView(args, existing);
      if ("ok" in next) return next;
      Object.assign(existing, next);
      return ok({ view: viewJson(existing) });
    },

    "files.getUploadURLExternal": (args) => {
      const filename = str(args, "filename");
      const length = Number(str(args, "length"));
      if (filename === undefined) return fail("invalid_arguments");
      if (!Number.isInteger(length) || length <= 0) return fail("invalid_arguments");
      const id = nextId("F");
      const altText = str(args, "alt_text");
      pendingUploads.set(id, {
        id,
        filename,
        length,
        ...(altText === undefined ? {} : { alt_text: altText }),
      });
      return ok({ upload_url: `${baseUrl}/upload/v1/${id}`, file_id: id });
    },

    "files.completeUploadExternal": (args) => {
      const list = args.files;
      if (!Array.isArray(list) || list.length === 0) return fail("invalid_arguments");
      const channelId = str(args, "channel_id");
      const ch = channelId === undefined ? undefined : memberChannel(args, "channel_id");
      if (ch && isAnswer(ch)) return ch;
      const threadTs = str(args, "thread_ts");
      if (ch && threadTs !== undefined && !findMessage(ch.id, threadTs)) {
        return fail("thread_not_found");
      }
      const pending: PendingUpload[] = [];
      for (const entry of list) {
        const p = isRecord(entry) && typeof entry.id === "string" && pendingUploads.get(entry.id);
        if (!p) return fail("file_not_found");
        // Slack refuses to complete an upload whose bytes never arrived.
        if (!p.data) return fail("file_upload_not_found");
        pendingUploads.delete(p.id);
        pending.push(p);
      }
      const stored = pending.map((p, i) => {
        const entry = list[i] as Record<string, unknown>;
        return storeFile({
          id: p.id,
          name: p.filename,
          title: typeof entry.title === "string" ? entry.title : p.filename,
          data: p.data as Buffer,
          ...(p.alt_text === undefined ? {} : { alt_text: p.alt_text }),
        });
      });
      if (ch) {
        const comment = str(args, "initial_comment");
        const msg = insertMessage(ch.id, {
          user: botUserId,
          bot_id: botId,
          text: comment ?? "",
          files: stored,
          ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
        });
        if ("ok" in msg) return msg;
        for (const f of stored) f.channels.push(ch.id);
      }
      return ok({ files: stored.map(fileJson) });
    },

    "files.info": (args) => {
      const f = files.find((x) => x.id === str(args, "file"));
      if (!f) return fail("file_not_found");
      return ok({ file: fileJson(f) });
    },
  };

  const takeFailure = (method: string): SlackFailure | undefined => {
    const i = failures.findIndex((f) => f.method === method || f.method === "*");
    if (i < 0) return undefined;
    return failures.splice(i, 1)[0]?.spec;
  };

  const app = new Hono();

  app.on(["GET", "POST"], "/api/:method", async (c) => {
    const method = c.req.param("method");
    const type = c.req.header("content-type") ?? "";
    let args: Args = parseFormFields(new URL(c.req.url).searchParams);
    if (c.req.method === "POST") {
      const raw = await c.req.text();
      if (type.includes("application/json")) {
        try {
          const parsed: unknown = raw === "" ? {} : JSON.parse(raw);
          if (isRecord(parsed)) args = { ...args, ...parsed };
        } catch {
          return c.json({ ok: false, error: "invalid_json" });
        }
      } else {
        args = { ...args, ...parseFormFields(new URLSearchParams(raw)) };
      }
    }
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    const token = bearer ?? str(args, "token");
    delete args.token;
    const call: SlackCall = { method, args, at: Date.now() };
    calls.push(call);
    for (const listener of callListeners) {
      // A listener's failure must not change the answer; make it visible.
      try {
        listener(call);
      } catch (err) {
        console.error("slack emulator: onCall listener failed", err);
      }
    }

    if (latencyMs > 0) await sleep(latencyMs);

    const failure = takeFailure(method);
    if (failure && "status" in failure && failure.afterEffect && token === botToken) {
      methods[method]?.(args);
    }
    if (failure && "status" in failure) {
      call.response = { status: failure.status };
      if (failure.status === 429) {
        const retryAfter = failure.retryAfter ?? 1;
        call.response = { status: 429, ok: false, error: "ratelimited" };
        return c.json({ ok: false, error: "ratelimited" }, 429, {
          "Retry-After": String(retryAfter),
        });
      }
      return c.text("emulated server error", failure.status as 500);
    }

    let answer: Answer;
    // Socket Mode's method takes the app-level token and only that; the others the bot token.
    const wanted = method === "apps.connections.open" ? appToken : botToken;
    const other = method === "apps.connections.open" ? botToken : appToken;
    if (failure) answer = fail(failure.error);
    else if (token === undefined) answer = fail("not_authed");
    else if (token === other) answer = fail("not_allowed_token_type");
    else if (token !== wanted) answer = fail("invalid_auth");
    else if (method === "apps.connections.open") answer = ok({ url: socket!.openUrl() });
    else answer = methods[method]?.(args) ?? fail("unknown_method");

    call.response = { status: 200, ok: answer.ok, ...(answer.ok ? {} : { error: answer.error }) };
    return c.json(answer);
  });

  // files.uploadV2 step 2: WebClient posts the bytes as multipart (field "body"); raw bodies work too.
  app.post("/upload/v1/:id", async (c) => {
    const pending = pendingUploads.get(c.req.param("id"));
    if (!pending) return c.text("upload url not found", 404);
    const type = c.req.header("content-type") ?? "";
    let data: Buffer;
    if (type.includes("multipart/form-data")) {
      const form = await c.req.formData();
      const part = [...form.values()].find((v) => typeof v !== "string");
      if (part === undefined || typeof part === "string") return c.text("no file part", 400);
      data = Buffer.from(await part.arrayBuffer());
    } else {
      data = Buffer.from(await c.req.arrayBuffer());
    }
    pending.data = data;
    return c.text(`OK - ${data.length}`);
  });

  app.get("/files-pri/:teamFile/:name", (c) => {
    const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
    // Slack answers an HTML login page (200) to unauthenticated downloads; a 403 is clearer in tests.
    if (bearer !== botToken) return c.text("not authorized", 403);
    const id = c.req.param("teamFile").split("-").pop();
    const f = files.find((x) => x.id === id);
    if (!f) return c.text("file not found", 404);
    return c.body(new Uint8Array(f.data), 200, {
      "content-type": f.mimetype,
      "content-length": String(f.data.length),
    });
  });

  const server = await startServer(app);
  socket = attachSocketMode(server.server, "A0EMULATOR");
  const socketMode = socket;
  baseUrl = server.url;

  const emu: SlackEmulator = {
    url: `${server.url}/api/`,
    baseUrl: server.url,
    botToken,
    appToken,
    socket: socketMode,
    botUserId,
    botId,
    teamId,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: (channel) => messages.filter((m) => channel === undefined || m.channel === channel),
    message: findMessage,
    threadReplies: (channel, threadTs) =>
      messages.filter(
        (m) => m.channel === channel && m.thread_ts === threadTs && m.ts !== threadTs,
      ),
    ephemerals: (channel) =>
      ephemerals.filter((e) => channel === undefined || e.channel === channel),
    reactions: (channel, ts) => [...(reactions.get(`${channel}/${ts}`) ?? [])],
    views: homeViews,
    modals,
    files,
    addChannel,
    setNotInChannel(channel, notIn = true) {
      const ch = channels.get(channel);
      if (!ch) throw new Error(`unknown channel ${channel}`);
      ch.member = !notIn;
    },
    setUserGroup: (id, members) => {
      userGroups.set(id, [...members]);
    },
    addUser: (id, spec) => {
      users.set(id, spec);
    },
    addMessage(channel, m) {
      if (!channels.has(channel)) addChannel(channel);
      const ts = m.ts ?? nextTs();
      if (m.thread_ts !== undefined) {
        const root = findMessage(channel, m.thread_ts);
        if (root) root.reply_count = (root.reply_count ?? 0) + 1;
      }
      const msg: SlackMessage = {
        type: "message",
        channel,
        ts,
        user: m.user,
        ...(m.text === undefined ? {} : { text: m.text }),
        ...(m.thread_ts === undefined ? {} : { thread_ts: m.thread_ts }),
        ...(m.files === undefined ? {} : { files: m.files }),
      };
      messages.push(msg);
      return msg;
    },
    addFile: (f) =>
      storeFile({
        id: nextId("F"),
        name: f.name,
        data: typeof f.content === "string" ? Buffer.from(f.content) : f.content,
        ...(f.mimetype === undefined ? {} : { mimetype: f.mimetype }),
        ...(f.user === undefined ? {} : { user: f.user }),
      }),
    failNext(method, spec, times = 1) {
      for (let i = 0; i < times; i++) failures.push({ method, spec });
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    onCall(listener) {
      callListeners.add(listener);
      return () => callListeners.delete(listener);
    },
    reset() {
      calls.length = 0;
      messages.length = 0;
      ephemerals.length = 0;
      reactions.clear();
      homeViews.clear();
      modals.length = 0;
      files.length = 0;
      pendingUploads.clear();
      failures.length = 0;
      latencyMs = 0;
      restoreDirectory();
    },
    async waitFor(predicate, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(emu)) {
        if (Date.now() > deadline) {
          const seen = calls.map((c) => `${c.method}${c.response?.ok === false ? "!" : ""}`);
          throw new Error(
            `slack emulator: waitFor timed out after ${timeoutMs} ms; calls: ${seen.join(", ") || "none"}`,
          );
        }
        await sleep(10);
      }
    },
    async close() {
      await socketMode.close();
      await server.close();
    },
  };
  return emu;
}
