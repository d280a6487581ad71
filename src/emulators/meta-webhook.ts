import { createHmac, randomBytes, randomInt } from "node:crypto";

/** One `entry[].changes[]` item of a Meta webhook delivery. */
export interface MetaChange {
  field: string;
  value: Record<string, unknown>;
}

/** One `entry[]` item: a WhatsApp Business Account and what changed for it. */
export interface MetaEntry {
  id: string;
  /** Unix seconds; Meta sets it on template updates. */
  time?: number;
  changes: MetaChange[];
}

/** A whole webhook delivery body, as Meta POSTs it. */
export interface MetaWebhookPayload {
  object: "whatsapp_business_account";
  entry: MetaEntry[];
}

/** Identifiers the emulated deliveries use unless told otherwise (those of Meta's examples). */
export const META_DEFAULTS = {
  wabaId: "102290129340398",
  phoneNumberId: "106540352242922",
  displayPhoneNumber: "15550783881",
  customerWaId: "16505551234",
  customerName: "Sheena Nelson",
} as const;

/**
 * JSON the way Meta's sender writes it: every non-ASCII character as a lowercase `\uXXXX` escape
 * (emoji as a surrogate pair of escapes) and `/` as `\/`. Receivers that hash re-serialised JSON
 * instead of the raw bytes get a different signature, which is what this is meant to catch.
 */
export function serializeLikeMeta(payload: unknown): string {
  const json = JSON.stringify(payload);
  if (json === undefined) throw new TypeError("payload is not serialisable to JSON");
  // Outside strings JSON has neither `/` nor non-ASCII, so replacing everywhere is safe. Lone
  // surrogates were already escaped by JSON.stringify.
  return json.replace(/[/\u0080-\uffff]/g, (ch) =>
    ch === "/" ? "\\/" : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The `X-Hub-Signature-256` value Meta sends for `body`: `sha256=<lowercase hex>`. */
export function signLikeMeta(appSecret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", appSecret).update(body).digest("hex")}`;
}

/** A fresh, unique WhatsApp message id. */
export function newWamid(): string {
  return `wamid.${randomBytes(24).toString("base64url")}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Where a payload is addressed: which WABA and business number. */
export interface MetaTarget {
  wabaId?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
}

/** Options shared by every inbound message builder. */
export interface MessageOptions extends MetaTarget {
  /** The customer's phone number (`from`, `contacts[].wa_id`); `null` leaves both out. */
  from?: string | null;
  /** Business-scoped user id (`from_user_id`, `contacts[].user_id`). */
  userId?: string;
  /** Profile name; `null` leaves the profile name out. */
  name?: string | null;
  username?: string;
  /** Message id; a fresh `wamid.…` by default. */
  id?: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  context?: {
    quotedId?: string;
    /** The business number the quoted message came from; the display number by default. */
    from?: string;
    forwarded?: boolean;
    frequentlyForwarded?: boolean;
  };
  referral?: Record<string, unknown>;
}

/** A WhatsApp error as the builders take it; written out in Meta's shape. */
export interface MetaErrorInput {
  code: number;
  title?: string;
  message?: string;
  details?: string;
}

/** The error of a free-form send outside the 24-hour window. */
export const REENGAGEMENT_ERROR: MetaErrorInput = {
  code: 131047,
  title: "Re-engagement message",
  message: "Re-engagement message",
  details: "More than 24 hours have passed since the recipient last replied to the sender number.",
};

function metaError(error: MetaErrorInput): Record<string, unknown> {
  const title = error.title ?? `Error ${error.code}`;
  return {
    code: error.code,
    title,
    message: error.message ?? title,
    error_data: { details: error.details ?? title },
    href: "/docs/whatsapp/cloud-api/support/error-codes/",
  };
}

function metadata(target: MetaTarget): Record<string, unknown> {
  return {
    display_phone_number: target.displayPhoneNumber ?? META_DEFAULTS.displayPhoneNumber,
    phone_number_id: target.phoneNumberId ?? META_DEFAULTS.phoneNumberId,
  };
}

function single(target: MetaTarget, change: MetaChange, time?: number): MetaWebhookPayload {
  const entry: MetaEntry = { id: target.wabaId ?? META_DEFAULTS.wabaId, changes: [change] };
  if (time !== undefined) entry.time = time;
  return { object: "whatsapp_business_account", entry: [entry] };
}

/**
 * One inbound message in Meta's envelope. `content` goes under the key named by `type`, as
 * Meta does (`{"type":"image","image":{...}}`); leave it out for types without a content key.
 */
export function inboundMessage(
  opts: MessageOptions & {
    type: string;
    content?: unknown;
    errors?: MetaErrorInput[];
    /** Further fields of the message object, e.g. `unsupported`. */
    extra?: Record<string, unknown>;
  },
): MetaWebhookPayload {
  const from = opts.from === undefined ? META_DEFAULTS.customerWaId : opts.from;
  const name = opts.name === undefined ? META_DEFAULTS.customerName : opts.name;

  const profile: Record<string, unknown> = {};
  if (name !== null) profile.name = name;
  if (opts.username !== undefined) profile.username = opts.username;
  const contact: Record<string, unknown> = { profile };
  if (from !== null) contact.wa_id = from;
  if (opts.userId !== undefined) contact.user_id = opts.userId;

  const message: Record<string, unknown> = {};
  if (from !== null) message.from = from;
  if (opts.userId !== undefined) message.from_user_id = opts.userId;
  message.id = opts.id ?? newWamid();
  message.timestamp = String(opts.timestamp ?? nowSeconds());
  if (opts.context) {
    const context: Record<string, unknown> = {};
    if (opts.context.quotedId !== undefined) {
      context.from =
        opts.context.from ?? opts.displayPhoneNumber ?? META_DEFAULTS.displayPhoneNumber;
      context.id = opts.context.quotedId;
    }
    if (opts.context.forwarded) context.forwarded = true;
    if (opts.context.frequentlyForwarded) context.frequently_forwarded = true;
    message.context = context;
  }
  if (opts.referral) message.referral = opts.referral;
  message.type = opts.type;
  if (opts.content !== undefined) message[opts.type] = opts.content;
  if (opts.errors) message.errors = opts.errors.map(metaError);
  Object.assign(message, opts.extra);

  return single(opts, {
    field: "messages",
    value: {
      messaging_product: "whatsapp",
      metadata: metadata(opts),
      contacts: [contact],
      messages: [message],
    },
  });
}

/** A text message. */
export function textMessage(body: string, opts: MessageOptions = {}): MetaWebhookPayload {
  return inboundMessage({ ...opts, type: "text", content: { body } });
}

/** Media fields of the media builders. */
export interface MediaOptions extends MessageOptions {
  mediaId?: string;
  mimeType?: string;
  sha256?: string;
  caption?: string;
}

function media(
  type: string,
  defaultMime: string,
  opts: MediaOptions,
  more: Record<string, unknown> = {},
): MetaWebhookPayload {
  const content: Record<string, unknown> = {};
  if (opts.caption !== undefined) content.caption = opts.caption;
  content.mime_type = opts.mimeType ?? defaultMime;
  content.sha256 = opts.sha256 ?? randomBytes(32).toString("base64");
  // Media ids are 15-16 digit numbers in strings.
  content.id = opts.mediaId ?? String(1_000_000_000_000_000 + randomInt(2 ** 47));
  Object.assign(content, more);
  return inboundMessage({ ...opts, type, content });
}

/** A photo, with an optional caption. */
export function imageMessage(opts: MediaOptions = {}): MetaWebhookPayload {
  return media("image", "image/jpeg", opts);
}

/** A voice note by default; `voice: false` for an audio file. */
export function audioMessage(opts: MediaOptions & { voice?: boolean } = {}): MetaWebhookPayload {
  return media("audio", "audio/ogg; codecs=opus", opts, { voice: opts.voice ?? true });
}

/** A video, with an optional caption. */
export function videoMessage(opts: MediaOptions = {}): MetaWebhookPayload {
  return media("video", "video/mp4", opts);
}

/** A document; `invoice.pdf` unless told otherwise. */
export function documentMessage(
  opts: MediaOptions & { filename?: string } = {},
): MetaWebhookPayload {
  return media("document", "application/pdf", opts, { filename: opts.filename ?? "invoice.pdf" });
}

/** A sticker (static unless `animated`). */
export function stickerMessage(
  opts: MediaOptions & { animated?: boolean } = {},
): MetaWebhookPayload {
  return media("sticker", "image/webp", opts, { animated: opts.animated ?? false });
}

/** A shared location. */
export function locationMessage(
  location: { latitude: number; longitude: number; name?: string; address?: string; url?: string },
  opts: MessageOptions = {},
): MetaWebhookPayload {
  return inboundMessage({ ...opts, type: "location", content: { ...location } });
}

/** A contact card as the builder takes it. */
export interface ContactCardInput {
  name: string;
  phones?: { phone: string; waId?: string; type?: string }[];
  emails?: string[];
}

/** One or more shared contact cards. */
export function contactsMessage(
  cards: ContactCardInput[],
  opts: MessageOptions = {},
): MetaWebhookPayload {
  const content = cards.map((card) => {
    const [first, ...rest] = card.name.split(" ");
    const out: Record<string, unknown> = {
      name: {
        formatted_name: card.name,
        first_name: first,
        last_name: rest.join(" ") || undefined,
      },
    };
    if (card.phones) {
      out.phones = card.phones.map((p) => ({
        phone: p.phone,
        wa_id: p.waId,
        type: p.type ?? "CELL",
      }));
    }
    if (card.emails) out.emails = card.emails.map((email) => ({ email, type: "WORK" }));
    return out;
  });
  return inboundMessage({ ...opts, type: "contacts", content });
}

/** A reaction to `targetId`; `emoji: null` is a removed reaction (Meta omits the emoji). */
export function reactionMessage(
  targetId: string,
  emoji: string | null,
  opts: MessageOptions = {},
): MetaWebhookPayload {
  const content: Record<string, unknown> = { message_id: targetId };
  if (emoji !== null) content.emoji = emoji;
  return inboundMessage({ ...opts, type: "reaction", content });
}

/** A tap on an interactive reply button. */
export function buttonReplyMessage(
  id: string,
  title: string,
  opts: MessageOptions = {},
): MetaWebhookPayload {
  return inboundMessage({
    ...opts,
    type: "interactive",
    content: { type: "button_reply", button_reply: { id, title } },
  });
}

/** A choice from an interactive list. */
export function listReplyMessage(
  id: string,
  title: string,
  description?: string,
  opts: MessageOptions = {},
): MetaWebhookPayload {
  const listReply: Record<string, unknown> = { id, title };
  if (description !== undefined) listReply.description = description;
  return inboundMessage({
    ...opts,
    type: "interactive",
    content: { type: "list_reply", list_reply: listReply },
  });
}

/** A tap on a template's quick-reply button; `payload` defaults to the button text. */
export function templateButtonMessage(
  text: string,
  payload: string = text,
  opts: MessageOptions = {},
): MetaWebhookPayload {
  return inboundMessage({ ...opts, type: "button", content: { payload, text } });
}

/** A message Cloud API cannot deliver (`unsupported`, error 131051), e.g. a poll or an edit. */
export function unsupportedMessage(
  opts: MessageOptions & { unsupportedType?: string } = {},
): MetaWebhookPayload {
  return inboundMessage({
    ...opts,
    type: "unsupported",
    errors: [
      {
        code: 131051,
        title: "Message type unknown",
        message: "Message type unknown",
        details: "Message type is currently not supported.",
      },
    ],
    extra: opts.unsupportedType ? { unsupported: { type: opts.unsupportedType } } : {},
  });
}

/** Options of a status update for a message the business sent. */
export interface StatusOptions extends MetaTarget {
  id: string;
  status: string;
  /** The customer's phone number; the default customer unless `null`. */
  recipientId?: string | null;
  recipientUserId?: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  errors?: MetaErrorInput[];
  callbackData?: string;
  /** Pricing category; `service` (free, in the window) by default, `null` to leave pricing out. */
  pricingCategory?: string | null;
}

/** A delivery report (`sent`, `delivered`, `read`, `played`, `failed`, ...). */
export function statusUpdate(opts: StatusOptions): MetaWebhookPayload {
  const recipient = opts.recipientId === undefined ? META_DEFAULTS.customerWaId : opts.recipientId;
  const status: Record<string, unknown> = {
    id: opts.id,
    status: opts.status,
    timestamp: String(opts.timestamp ?? nowSeconds()),
  };
  if (recipient !== null) status.recipient_id = recipient;
  if (opts.recipientUserId !== undefined) status.recipient_user_id = opts.recipientUserId;
  if (opts.callbackData !== undefined) status.biz_opaque_callback_data = opts.callbackData;
  // Meta attaches pricing to successful statuses only; a failure carries errors instead.
  const category = opts.pricingCategory === undefined ? "service" : opts.pricingCategory;
  if (opts.status !== "failed" && category !== null) {
    status.pricing = {
      billable: category !== "service",
      pricing_model: "PMP",
      type: category === "service" ? "free_customer_service" : "regular",
      category,
    };
  }
  if (opts.errors) status.errors = opts.errors.map(metaError);
  return single(opts, {
    field: "messages",
    value: { messaging_product: "whatsapp", metadata: metadata(opts), statuses: [status] },
  });
}

/** System errors not tied to a message (`value.errors`). */
export function systemErrors(errors: MetaErrorInput[], opts: MetaTarget = {}): MetaWebhookPayload {
  return single(opts, {
    field: "messages",
    value: {
      messaging_product: "whatsapp",
      metadata: metadata(opts),
      errors: errors.map(metaError),
    },
  });
}

/** A `message_template_status_update` change. */
export function templateStatusUpdate(opts: {
  name: string;
  event: string;
  templateId?: number;
  language?: string;
  reason?: string;
  category?: string;
  /** Unix seconds of the entry; now by default. */
  time?: number;
  wabaId?: string;
}): MetaWebhookPayload {
  return single(
    opts,
    {
      field: "message_template_status_update",
      value: {
        event: opts.event,
        message_template_id: opts.templateId ?? 806_312_974_732_579,
        message_template_name: opts.name,
        message_template_language: opts.language ?? "en_US",
        reason: opts.reason ?? "NONE",
        message_template_category: opts.category ?? "UTILITY",
      },
    },
    opts.time ?? nowSeconds(),
  );
}

const BATCHED_KEYS = ["contacts", "messages", "statuses", "errors"] as const;

/**
 * Several payloads as one `messages` change, the way Meta batches messages and statuses of one
 * business number: their arrays are concatenated under the first payload's entry and metadata.
 * Only `messages` changes can be merged.
 */
export function envelope(...payloads: MetaWebhookPayload[]): MetaWebhookPayload {
  const changes = payloads.flatMap((p) => p.entry.flatMap((e) => e.changes));
  const first = payloads[0]?.entry[0];
  if (!first || changes.some((c) => c.field !== "messages")) {
    throw new Error("envelope() needs at least one payload and merges only `messages` changes");
  }
  const value: Record<string, unknown> = { ...changes[0]!.value };
  for (const key of BATCHED_KEYS) {
    const merged = changes.flatMap((c) => (Array.isArray(c.value[key]) ? c.value[key] : []));
    if (merged.length > 0) value[key] = merged;
    else delete value[key];
  }
  return {
    object: "whatsapp_business_account",
    entry: [{ id: first.id, changes: [{ field: "messages", value }] }],
  };
}

/** Several payloads as one delivery: every entry of every payload, in order. */
export function delivery(...payloads: MetaWebhookPayload[]): MetaWebhookPayload {
  return { object: "whatsapp_business_account", entry: payloads.flatMap((p) => p.entry) };
}

/** The answer of the webhook receiver. */
export interface WebhookResponse {
  status: number;
  body: string;
}

export interface SendOptions {
  /** Overrides the signature header; `null` sends no header at all. */
  signature?: string | null;
  /** Sends these exact bytes instead of the serialised payload (signed unless overridden). */
  rawBody?: string;
}

/** POSTs deliveries to a webhook receiver the way Meta does. */
export interface MetaWebhookSender {
  send(payload: unknown, opts?: SendOptions): Promise<WebhookResponse>;
}

/** A webhook sender for one callback URL, signing with the app secret. */
export function createMetaWebhookSender(config: {
  targetUrl: string;
  appSecret: string;
}): MetaWebhookSender {
  return {
    async send(payload, opts = {}) {
      const body = opts.rawBody ?? serializeLikeMeta(payload);
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "facebookexternalua",
      };
      const signature =
        opts.signature === undefined ? signLikeMeta(config.appSecret, body) : opts.signature;
      if (signature !== null) headers["x-hub-signature-256"] = signature;
      const response = await fetch(config.targetUrl, { method: "POST", headers, body });
      return { status: response.status, body: await response.text() };
    },
  };
}

/** Meta's GET verification handshake against `callbackUrl`. */
export async function verifyHandshake(
  callbackUrl: string,
  verifyToken: string,
  challenge: string,
  mode = "subscribe",
): Promise<WebhookResponse> {
  const url = new URL(callbackUrl);
  url.searchParams.set("hub.mode", mode);
  url.searchParams.set("hub.challenge", challenge);
  url.searchParams.set("hub.verify_token", verifyToken);
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}
