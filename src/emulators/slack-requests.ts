import { createHmac } from "node:crypto";

/** A request body as Slack sends it: a JSON document (Events API) or form fields (interactivity, commands). */
export type SlackRequestBody = { json: unknown } | { form: Record<string, string> };

/** Defaults shared by the builders, matching the Slack emulator's defaults. */
export const SLACK_DEFAULTS = {
  teamId: "T0TEAM",
  apiAppId: "A0EMULATOR",
  botUserId: "U0BOTUSER",
  teamDomain: "emulator",
} as const;

let counter = 0;
const unique = () => {
  counter += 1;
  return `${Date.now().toString(36)}${counter.toString(36)}`.toUpperCase();
};
const nowSeconds = () => Math.floor(Date.now() / 1000);
// Slack ts: seconds with six decimals, unique per call.
const freshTs = () => {
  counter += 1;
  return `${nowSeconds()}.${String(counter % 1_000_000).padStart(6, "0")}`;
};

/** Signature headers for a raw body: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number = nowSeconds(),
): { "x-slack-signature": string; "x-slack-request-timestamp": string } {
  const hmac = createHmac("sha256", signingSecret)
    .update(`v0:${timestampSeconds}:${rawBody}`)
    .digest("hex");
  return {
    "x-slack-signature": `v0=${hmac}`,
    "x-slack-request-timestamp": String(timestampSeconds),
  };
}

/** The exact bytes Slack would send for a body (forms use `application/x-www-form-urlencoded`). */
export function encodeSlackBody(body: SlackRequestBody): { raw: string; contentType: string } {
  if ("json" in body) return { raw: JSON.stringify(body.json), contentType: "application/json" };
  return {
    raw: new URLSearchParams(body.form).toString(),
    contentType: "application/x-www-form-urlencoded",
  };
}

/** Options for {@link eventCallback}. */
export interface EventCallbackOptions {
  eventId?: string;
  teamId?: string;
  apiAppId?: string;
  eventTime?: number;
  /** The installing bot user, reported in `authorizations`. */
  botUserId?: string;
}

/** An Events API envelope around `event`, with a fresh `event_id` unless one is given. */
export function eventCallback(
  event: Record<string, unknown>,
  opts: EventCallbackOptions = {},
): { json: Record<string, unknown> & { event_id: string; event: Record<string, unknown> } } {
  const teamId = opts.teamId ?? SLACK_DEFAULTS.teamId;
  return {
    json: {
      token: "legacy-verification-token",
      team_id: teamId,
      context_team_id: teamId,
      context_enterprise_id: null,
      api_app_id: opts.apiAppId ?? SLACK_DEFAULTS.apiAppId,
      event: { event_ts: event.ts ?? `${nowSeconds()}.000000`, ...event },
      type: "event_callback",
      event_id: opts.eventId ?? `Ev${unique()}`,
      event_time: opts.eventTime ?? nowSeconds(),
      authorizations: [
        {
          enterprise_id: null,
          team_id: teamId,
          user_id: opts.botUserId ?? SLACK_DEFAULTS.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${unique()}`,
    },
  };
}

/** Fields for {@link messageEvent}. */
export interface MessageEventSpec {
  channel: string;
  user: string;
  text: string;
  ts?: string;
  threadTs?: string;
  subtype?: string;
  botId?: string;
  files?: unknown[];
  channelType?: "channel" | "group" | "im";
  /** Author of the thread's parent, sent by Slack on replies. */
  parentUserId?: string;
}

/** A `message` event (a thread reply when `threadTs` is given). */
export function messageEvent(spec: MessageEventSpec): Record<string, unknown> {
  const ts = spec.ts ?? freshTs();
  return {
    type: "message",
    channel: spec.channel,
    channel_type: spec.channelType ?? "channel",
    user: spec.user,
    text: spec.text,
    ts,
    event_ts: ts,
    team: SLACK_DEFAULTS.teamId,
    ...(spec.subtype === undefined ? {} : { subtype: spec.subtype }),
    ...(spec.threadTs === undefined ? {} : { thread_ts: spec.threadTs }),
    ...(spec.parentUserId === undefined ? {} : { parent_user_id: spec.parentUserId }),
    ...(spec.botId === undefined ? {} : { bot_id: spec.botId }),
    ...(spec.files === undefined ? {} : { files: spec.files, upload: false }),
  };
}

/** An `app_home_opened` event for the Home tab. */
export function appHomeOpened(user: string): Record<string, unknown> {
  const ts = freshTs();
  return { type: "app_home_opened", user, channel: `D${user.slice(1)}`, tab: "home", event_ts: ts };
}

/** Fields for {@link blockActionsPayload}. */
export interface BlockActionSpec {
  actionId: string;
  value?: string;
  user: string;
  /** For message buttons. */
  channel?: string;
  messageTs?: string;
  /** Thread parent of the message carrying the button, if it sits in a thread. */
  threadTs?: string;
  triggerId?: string;
  /** For Home tab / modal buttons: the view the button sits in. */
  view?: Record<string, unknown>;
  blockId?: string;
  /** For select menus: the picked option. */
  selectedOption?: { value: string; text?: string };
}

const userObject = (id: string) => ({
  id,
  username: id.toLowerCase(),
  name: id.toLowerCase(),
  team_id: SLACK_DEFAULTS.teamId,
});
const teamObject = () => ({ id: SLACK_DEFAULTS.teamId, domain: SLACK_DEFAULTS.teamDomain });

/** A `block_actions` interaction, form-encoded as `payload=<JSON>`. */
export function blockActionsPayload(spec: BlockActionSpec): { form: { payload: string } } {
  const actionTs = freshTs();
  const action = {
    action_id: spec.actionId,
    block_id: spec.blockId ?? `b_${spec.actionId}`,
    action_ts: actionTs,
    ...(spec.selectedOption
      ? {
          type: "static_select",
          selected_option: {
            value: spec.selectedOption.value,
            text: {
              type: "plain_text",
              text: spec.selectedOption.text ?? spec.selectedOption.value,
            },
          },
        }
      : { type: "button", value: spec.value ?? "", text: { type: "plain_text", text: "Button" } }),
  };
  const inMessage = spec.channel !== undefined && spec.messageTs !== undefined;
  const payload: Record<string, unknown> = {
    type: "block_actions",
    user: userObject(spec.user),
    api_app_id: SLACK_DEFAULTS.apiAppId,
    token: "legacy-verification-token",
    trigger_id: spec.triggerId ?? `${unique()}.${unique()}`,
    team: teamObject(),
    enterprise: null,
    is_enterprise_install: false,
    actions: [action],
    state: { values: {} },
  };
  if (inMessage) {
    payload.container = {
      type: "message",
      message_ts: spec.messageTs,
      channel_id: spec.channel,
      is_ephemeral: false,
      ...(spec.threadTs === undefined ? {} : { thread_ts: spec.threadTs }),
    };
    payload.channel = { id: spec.channel, name: spec.channel?.toLowerCase() };
    payload.message = {
      type: "message",
      ts: spec.messageTs,
      user: SLACK_DEFAULTS.botUserId,
      ...(spec.threadTs === undefined ? {} : { thread_ts: spec.threadTs }),
    };
    payload.response_url = `https://hooks.slack.com/actions/${SLACK_DEFAULTS.teamId}/1/${unique()}`;
  }
  if (spec.view) {
    payload.container = { type: "view", view_id: spec.view.id ?? "V0VIEW" };
    payload.view = { id: "V0VIEW", team_id: SLACK_DEFAULTS.teamId, type: "home", ...spec.view };
  }
  return { form: { payload: JSON.stringify(payload) } };
}

/** Fields for {@link viewSubmissionPayload}. */
export interface ViewSubmissionSpec {
  callbackId: string;
  user: string;
  /** `state.values`: block id → action id → value object (e.g. `{ type: "plain_text_input", value: "hi" }`). */
  values?: Record<string, Record<string, unknown>>;
  privateMetadata?: string;
  viewId?: string;
  triggerId?: string;
}

/** A `view_submission` interaction (modal submitted), form-encoded as `payload=<JSON>`. */
export function viewSubmissionPayload(spec: ViewSubmissionSpec): { form: { payload: string } } {
  const payload = {
    type: "view_submission",
    team: teamObject(),
    user: userObject(spec.user),
    api_app_id: SLACK_DEFAULTS.apiAppId,
    token: "legacy-verification-token",
    trigger_id: spec.triggerId ?? `${unique()}.${unique()}`,
    view: {
      id: spec.viewId ?? "V0MODAL",
      team_id: SLACK_DEFAULTS.teamId,
      type: "modal",
      callback_id: spec.callbackId,
      private_metadata: spec.privateMetadata ?? "",
      state: { values: spec.values ?? {} },
      hash: `${nowSeconds()}.${unique()}`,
      blocks: [],
      app_id: SLACK_DEFAULTS.apiAppId,
      bot_id: "B0BOTID",
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return { form: { payload: JSON.stringify(payload) } };
}

/** Fields for {@link slashCommand}. */
export interface SlashCommandSpec {
  command: string;
  text?: string;
  userId: string;
  channelId: string;
  triggerId?: string;
}

/** A slash command, sent as plain form fields. */
export function slashCommand(spec: SlashCommandSpec): { form: Record<string, string> } {
  return {
    form: {
      token: "legacy-verification-token",
      team_id: SLACK_DEFAULTS.teamId,
      team_domain: SLACK_DEFAULTS.teamDomain,
      channel_id: spec.channelId,
      channel_name: spec.channelId.toLowerCase(),
      user_id: spec.userId,
      user_name: spec.userId.toLowerCase(),
      command: spec.command,
      text: spec.text ?? "",
      api_app_id: SLACK_DEFAULTS.apiAppId,
      is_enterprise_install: "false",
      response_url: `https://hooks.slack.com/commands/${SLACK_DEFAULTS.teamId}/1/${unique()}`,
      trigger_id: spec.triggerId ?? `${unique()}.${unique()}`,
    },
  };
}

/** The handshake Slack sends when the request URL is configured. */
export function urlVerification(challenge: string): {
  json: { token: string; challenge: string; type: "url_verification" };
} {
  return { json: { token: "legacy-verification-token", challenge, type: "url_verification" } };
}

/** Options for {@link sendSlackRequest}. */
export interface SendSlackRequestOptions {
  /** Signing timestamp in seconds (default now): set it in the past to test staleness. */
  timestamp?: number;
  retryNum?: number;
  retryReason?: string;
  /** Overrides the computed signature, to test rejection. */
  signature?: string;
  /** Aborts the request after this many ms (default 10 000). */
  timeoutMs?: number;
}

/** What the app answered. `body` is parsed JSON when the answer is JSON, else the text. */
export interface SlackRequestResult {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

/** POSTs a signed request to our app the way Slack does (headers, encoding, retry markers). */
export async function sendSlackRequest(
  url: string,
  signingSecret: string,
  body: SlackRequestBody,
  opts: SendSlackRequestOptions = {},
): Promise<SlackRequestResult> {
  const { raw, contentType } = encodeSlackBody(body);
  const signed = signSlackRequest(signingSecret, raw, opts.timestamp ?? nowSeconds());
  const headers: Record<string, string> = {
    "content-type": contentType,
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    ...signed,
  };
  if (opts.signature !== undefined) headers["x-slack-signature"] = opts.signature;
  if (opts.retryNum !== undefined) headers["x-slack-retry-num"] = String(opts.retryNum);
  if (opts.retryReason !== undefined) headers["x-slack-retry-reason"] = opts.retryReason;

  const res = await fetch(url, {
    method: "POST",
    headers,
    body: raw,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get("content-type") ?? "").includes("json")) {
    try {
      parsed = JSON.parse(text);
    } catch {
      // Keep the text: a malformed JSON answer is itself worth asserting on.
    }
  }
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body: parsed,
    text,
  };
}
