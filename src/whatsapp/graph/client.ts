import { FormData, request } from "undici";
import { z } from "zod";
import type { WaId, WaMessageId } from "../../core/ids.ts";
import type { TemplateCreateRequest } from "../../core/template-draft.ts";
import { GraphApiError, GraphValidationError } from "./errors.ts";

/** How to reach the Graph API and as whom. */
export interface GraphClientOptions {
  /** e.g. `https://graph.facebook.com` (a trailing slash is fine). */
  baseUrl: string;
  /** e.g. `v25.0`. */
  version: string;
  accessToken: string;
  phoneNumberId: string;
  /** WABA id; needed only for template calls. */
  businessAccountId?: string | null;
  /** Per HTTP request, including reading the answer's body. */
  timeoutMs: number;
}

/** Options common to every send. */
export interface SendOptions {
  /** Quote this message (`context.message_id`). */
  replyTo?: string;
  /** Echoed back in status webhooks (`biz_opaque_callback_data`); at most 512 characters. */
  callbackData?: string;
  /** Text sends only: render a preview of the first URL. Defaults to false. */
  previewUrl?: boolean;
}

/** What Meta says when it accepts a send (accepted, not yet delivered). */
export interface SendResult {
  waMessageId: WaMessageId;
  /** The recipient's WhatsApp id as Meta resolved it; null when Meta did not say. */
  waId: WaId | null;
}

/** A media object reference inside a template parameter. */
export type TemplateMediaRef = { id: string } | { link: string };

/** One parameter of a template component, in Meta's wire shape. */
export type TemplateParameter =
  | { type: "text"; text: string; parameter_name?: string }
  | {
      type: "currency";
      currency: { fallback_value: string; code: string; amount_1000: number };
      parameter_name?: string;
    }
  | { type: "date_time"; date_time: { fallback_value: string }; parameter_name?: string }
  | { type: "image"; image: TemplateMediaRef }
  | { type: "video"; video: TemplateMediaRef }
  | { type: "document"; document: TemplateMediaRef & { filename?: string } }
  | { type: "payload"; payload: string }
  | { type: "coupon_code"; coupon_code: string };

/** A template component with the values to fill in, in Meta's wire shape. */
export type TemplateComponent =
  | { type: "header"; parameters: TemplateParameter[] }
  | { type: "body"; parameters: TemplateParameter[] }
  | {
      type: "button";
      sub_type: "quick_reply" | "url" | "copy_code" | "flow";
      index: number | string;
      parameters: TemplateParameter[];
    };

/** An approved template to send. */
export interface TemplateMessage {
  name: string;
  /** Language code as registered, e.g. `en_US`. */
  language: string;
  components?: TemplateComponent[];
}

/** The kinds of media a message can carry. */
export type MediaKind = "image" | "audio" | "video" | "document" | "sticker";

/** A media message: exactly one of `id` (uploaded media) or `link` (public https URL). */
export interface MediaMessage {
  kind: MediaKind;
  id?: string;
  link?: string;
  /** Not allowed on audio and stickers. */
  caption?: string;
  /** Documents only. */
  filename?: string;
}

/** A quick-reply button; the `id` comes back in the customer's `button_reply`. */
export interface ReplyButton {
  id: string;
  /** At most 20 characters. */
  title: string;
}

/** Metadata of a stored media object. */
export interface MediaInfo {
  /** Short-lived (5 minutes) download URL; needs the bearer token. */
  url: string;
  mimeType: string;
  sha256: string;
  fileSize: number | null;
}

/** The bytes of a media object. */
export interface DownloadedMedia {
  bytes: Uint8Array;
  mimeType: string;
}

/** A message template of the business account, as Meta lists it. */
export interface TemplateInfo {
  id: string;
  name: string;
  language: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, ... kept as WhatsApp spells it. */
  status: string;
  /** MARKETING, UTILITY or AUTHENTICATION, kept as WhatsApp spells it. */
  category: string;
  components: unknown[];
}

/** The calls jembatan makes to the WhatsApp Business Cloud API. */
export interface GraphClient {
  sendText(to: string, body: string, opts?: SendOptions): Promise<SendResult>;
  sendTemplate(to: string, template: TemplateMessage, opts?: SendOptions): Promise<SendResult>;
  sendMedia(to: string, media: MediaMessage, opts?: SendOptions): Promise<SendResult>;
  sendButtons(
    to: string,
    body: string,
    buttons: ReplyButton[],
    opts?: SendOptions,
  ): Promise<SendResult>;
  /** Marks a customer's message (and those before it) as read; optionally shows "typing…". */
  markRead(waMessageId: string, opts?: { typing?: boolean }): Promise<void>;
  getMediaInfo(mediaId: string): Promise<MediaInfo>;
  /** Looks the media up, then downloads it (two requests, both with the bearer token). */
  downloadMedia(mediaId: string): Promise<DownloadedMedia>;
  /** Uploads media for sending; resolves to the new media id. */
  uploadMedia(bytes: Uint8Array, mimeType: string, filename: string): Promise<string>;
  /** Every template of the business account, following paging cursors. */
  listTemplates(): Promise<TemplateInfo[]>;
  /**
   * Submits a new template for Meta's review (`POST /{waba-id}/message_templates`); resolves to
   * its id and first status (usually `PENDING`). Meta's refusal is a GraphApiError whose
   * `userMessage` says what to change.
   */
  createTemplate(
    request: TemplateCreateRequest,
  ): Promise<{ id: string; status: string; category: string }>;
}

const TEXT_MAX = 4096;
const CAPTION_MAX = 1024;
const INTERACTIVE_BODY_MAX = 1024;
const BUTTON_TITLE_MAX = 20;
const BUTTON_ID_MAX = 256;
const CALLBACK_DATA_MAX = 512;
// Guards against a paging loop from a misbehaving server.
const TEMPLATE_PAGES_MAX = 100;
const ERROR_SNIPPET_MAX = 200;

const intLike = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number),
]);

const errorBodySchema = z.object({
  error: z.object({
    message: z.string().optional().catch(undefined),
    code: intLike.optional().catch(undefined),
    error_subcode: intLike.optional().catch(undefined),
    error_data: z
      .object({ details: z.string().optional().catch(undefined) })
      .optional()
      .catch(undefined),
    fbtrace_id: z.string().optional().catch(undefined),
    error_user_title: z.string().optional().catch(undefined),
    error_user_msg: z.string().optional().catch(undefined),
  }),
});

const sendResponseSchema = z.object({
  messages: z.array(z.object({ id: z.string().min(1) })).min(1),
  contacts: z.array(z.object({ wa_id: z.string().min(1).optional() })).optional(),
});

const successResponseSchema = z.object({ success: z.literal(true) });

const templateCreatedSchema = z.object({
  id: z.union([z.string().min(1), z.number().transform(String)]),
  status: z.string().default("PENDING"),
  category: z.string().default(""),
});

const mediaInfoSchema = z.object({
  url: z.url(),
  mime_type: z.string().min(1),
  sha256: z.string(),
  file_size: intLike.optional().catch(undefined),
});

const uploadResponseSchema = z.object({
  id: z.union([z.string().min(1), z.number().int().transform(String)]),
});

const templatesPageSchema = z.object({
  data: z.array(
    z.object({
      id: z.union([z.string().min(1), z.number().int().transform(String)]),
      name: z.string(),
      language: z.string(),
      status: z.string(),
      category: z.string(),
      components: z.array(z.unknown()).default([]),
    }),
  ),
  paging: z.object({ next: z.string().optional() }).optional(),
});

type Method = "GET" | "POST";
type RequestBody = { json: unknown } | { form: FormData } | null;

/** The parts of an HTTP answer the client looks at. */
interface Answer {
  status: number;
  header(name: string): string | null;
}

/** Creates a Graph API client; no request is made until a method is called. */
export function createGraphClient(opts: GraphClientOptions): GraphClient {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const version = opts.version.replace(/^\/+|\/+$/g, "");
  const token = opts.accessToken;
  const phonePath = `${base}/${version}/${encodeURIComponent(opts.phoneNumberId)}`;

  /** Removes the token from any text that ends up in an error message. */
  function redact(text: string): string {
    return token.length > 0 ? text.replaceAll(token, "[redacted]") : text;
  }

  /** `POST /v25.0/123/messages`: the query is left out, it may carry signatures or cursors. */
  function describe(method: Method, url: string): string {
    let path = url;
    try {
      path = new URL(url).pathname;
    } catch {
      path = url.split("?")[0] ?? url;
    }
    return redact(`${method} ${path}`);
  }

  /**
   * One HTTP exchange: resolves with the whole body of a 2xx answer, throws GraphApiError
   * otherwise. Through undici's `request`, not `fetch`: on the relay's path (bench/relay) fetch
   * cost about 0.5 ms more CPU per call for the same keep-alive exchange. Redirects are not
   * followed: neither the Graph API nor its media URLs answer with one, and following would
   * need a rule for the bearer token on another host.
   */
  async function exchange(
    method: Method,
    url: string,
    body: RequestBody,
  ): Promise<{ answer: Answer; bytes: Uint8Array }> {
    const label = describe(method, url);
    const signal = AbortSignal.timeout(opts.timeoutMs);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let payload: string | FormData | undefined;
    if (body !== null && "json" in body) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body.json);
    } else if (body !== null) {
      payload = body.form; // undici sets the multipart boundary itself
    }
    let answer: Answer;
    let bytes: Uint8Array;
    try {
      const res = await request(url, { method, headers, body: payload, signal });
      // The signal also bounds reading the body, so a stalled answer still times out.
      bytes = new Uint8Array(await res.body.arrayBuffer());
      answer = { status: res.statusCode, header: (name) => headerValue(res.headers[name]) };
    } catch (err) {
      throw transportError(label, signal, err);
    }
    if (answer.status < 200 || answer.status > 299) throw errorFromAnswer(label, answer, bytes);
    return { answer, bytes };
  }

  function transportError(label: string, signal: AbortSignal, err: unknown): GraphApiError {
    if (signal.aborted) {
      return new GraphApiError(`Graph API request timed out after ${opts.timeoutMs} ms: ${label}`, {
        kind: "retryable",
        code: null,
        httpStatus: null,
        cause: err,
      });
    }
    return new GraphApiError(`Graph API request failed (${redact(describeCause(err))}): ${label}`, {
      kind: "retryable",
      code: null,
      httpStatus: null,
      cause: err,
    });
  }

  function errorFromAnswer(label: string, response: Answer, bytes: Uint8Array): GraphApiError {
    const text = new TextDecoder().decode(bytes);
    const retryAfterMs = parseRetryAfter(response.header("retry-after"));
    const parsed = errorBodySchema.safeParse(parseJson(text));
    if (!parsed.success) {
      const snippet = redact(text.trim().slice(0, ERROR_SNIPPET_MAX)) || "empty body";
      return new GraphApiError(
        `Graph API answered HTTP ${response.status} without an error object on ${label}: ${snippet}`,
        { code: null, httpStatus: response.status, retryAfterMs },
      );
    }
    const e = parsed.data.error;
    const code = e.code ?? null;
    const details = e.error_data?.details ?? null;
    const what = [e.message, details].filter((s) => s !== undefined && s !== null).join(": ");
    return new GraphApiError(
      redact(
        `Graph API error ${code ?? "without code"} (HTTP ${response.status}) on ${label}: ${what || "no message"}`,
      ),
      {
        code,
        subcode: e.error_subcode ?? null,
        httpStatus: response.status,
        details: details === null ? null : redact(details),
        fbtraceId: e.fbtrace_id ?? null,
        retryAfterMs,
        userMessage: e.error_user_msg ?? e.error_user_title ?? null,
      },
    );
  }

  async function callJson<T>(
    method: Method,
    url: string,
    body: RequestBody,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const { answer: response, bytes } = await exchange(method, url, body);
    const parsed = schema.safeParse(parseJson(new TextDecoder().decode(bytes)));
    if (parsed.success) return parsed.data;
    // Permanent, not retryable: after a 2xx the request may have taken effect (a send may have
    // gone out), so repeating it risks a duplicate.
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "invalid body";
    throw new GraphApiError(
      `Graph API answered HTTP ${response.status} with an unexpected body on ${describe(method, url)} (${where})`,
      { kind: "permanent", code: null, httpStatus: response.status },
    );
  }

  async function send(
    to: string,
    type: "text" | "template" | "interactive" | MediaKind,
    content: Record<string, unknown>,
    sendOpts: SendOptions | undefined,
  ): Promise<SendResult> {
    const body: Record<string, unknown> = {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      // A customer known only by a business-scoped user id (`US.1349…`, a username user) is
      // addressed with `recipient`; a phone number goes in `to` as always.
      ...(isBusinessScopedId(to) ? { recipient: to } : { to }),
      type,
      [type]: content,
    };
    if (sendOpts?.replyTo !== undefined) body.context = { message_id: sendOpts.replyTo };
    if (sendOpts?.callbackData !== undefined) {
      body.biz_opaque_callback_data = sendOpts.callbackData;
    }
    const answer = await callJson(
      "POST",
      `${phonePath}/messages`,
      { json: body },
      sendResponseSchema,
    );
    const waId = answer.contacts?.[0]?.wa_id;
    return {
      waMessageId: answer.messages[0]!.id as WaMessageId,
      waId: waId === undefined ? null : (waId as WaId),
    };
  }

  async function getMediaInfo(mediaId: string): Promise<MediaInfo> {
    requireText("mediaId", mediaId);
    const info = await callJson(
      "GET",
      `${base}/${version}/${encodeURIComponent(mediaId)}`,
      null,
      mediaInfoSchema,
    );
    return {
      url: info.url,
      mimeType: info.mime_type,
      sha256: info.sha256,
      fileSize: info.file_size ?? null,
    };
  }

  return {
    async sendText(to, body, sendOpts) {
      requireRecipient(to);
      requireSendOptions(sendOpts);
      if (body.trim() === "") throw new GraphValidationError("Text message body is empty");
      requireMaxChars("Text message body", body, TEXT_MAX);
      return send(to, "text", { body, preview_url: sendOpts?.previewUrl ?? false }, sendOpts);
    },

    async sendTemplate(to, template, sendOpts) {
      requireRecipient(to);
      requireSendOptions(sendOpts);
      requireText("Template name", template.name);
      requireText("Template language", template.language);
      const content: Record<string, unknown> = {
        name: template.name,
        language: { code: template.language },
      };
      if (template.components !== undefined && template.components.length > 0) {
        content.components = template.components;
      }
      return send(to, "template", content, sendOpts);
    },

    async sendMedia(to, media, sendOpts) {
      requireRecipient(to);
      requireSendOptions(sendOpts);
      const content = mediaContent(media);
      return send(to, media.kind, content, sendOpts);
    },

    async sendButtons(to, body, buttons, sendOpts) {
      requireRecipient(to);
      requireSendOptions(sendOpts);
      if (body.trim() === "") throw new GraphValidationError("Button message body is empty");
      requireMaxChars("Button message body", body, INTERACTIVE_BODY_MAX);
      requireButtons(buttons);
      return send(
        to,
        "interactive",
        {
          type: "button",
          body: { text: body },
          action: {
            buttons: buttons.map((b) => ({ type: "reply", reply: { id: b.id, title: b.title } })),
          },
        },
        sendOpts,
      );
    },

    async markRead(waMessageId, readOpts) {
      requireText("waMessageId", waMessageId);
      const body: Record<string, unknown> = {
        messaging_product: "whatsapp",
        status: "read",
        message_id: waMessageId,
      };
      if (readOpts?.typing === true) body.typing_indicator = { type: "text" };
      await callJson("POST", `${phonePath}/messages`, { json: body }, successResponseSchema);
    },

    getMediaInfo,

    async downloadMedia(mediaId) {
      const info = await getMediaInfo(mediaId);
      const { answer, bytes } = await exchange("GET", info.url, null);
      // The metadata's type is what Meta recorded at upload; the download may be served generically.
      const mimeType = info.mimeType || answer.header("content-type") || "";
      return { bytes, mimeType };
    },

    async uploadMedia(bytes, mimeType, filename) {
      requireText("mimeType", mimeType);
      requireText("filename", filename);
      if (bytes.byteLength === 0) throw new GraphValidationError("Media to upload is empty");
      const form = new FormData();
      form.append("messaging_product", "whatsapp");
      form.append("type", mimeType);
      // Copy into a fresh ArrayBuffer: a view may be a window on a larger (or shared) buffer.
      form.append(
        "file",
        new Blob([bytes.slice().buffer as ArrayBuffer], { type: mimeType }),
        filename,
      );
      const answer = await callJson("POST", `${phonePath}/media`, { form }, uploadResponseSchema);
      return answer.id;
    },

    async createTemplate(request) {
      const waba = opts.businessAccountId;
      if (waba === undefined || waba === null || waba === "") {
        throw new GraphValidationError(
          "Cannot create templates: the WhatsApp business account id (WHATSAPP_BUSINESS_ACCOUNT_ID) is not configured",
        );
      }
      return callJson(
        "POST",
        `${base}/${version}/${encodeURIComponent(waba)}/message_templates`,
        { json: request },
        templateCreatedSchema,
      );
    },

    async listTemplates() {
      const waba = opts.businessAccountId;
      if (waba === undefined || waba === null || waba === "") {
        throw new GraphValidationError(
          "Cannot list templates: the WhatsApp business account id (WHATSAPP_BUSINESS_ACCOUNT_ID) is not configured",
        );
      }
      const templates: TemplateInfo[] = [];
      const seen = new Set<string>();
      let next: string | undefined =
        `${base}/${version}/${encodeURIComponent(waba)}/message_templates` +
        "?fields=id,name,language,status,category,components&limit=100";
      while (next !== undefined) {
        if (seen.has(next) || seen.size >= TEMPLATE_PAGES_MAX) {
          throw new GraphApiError(
            `Graph API paging did not end after ${seen.size} pages on ${describe("GET", next)}`,
            { kind: "permanent", code: null, httpStatus: null },
          );
        }
        seen.add(next);
        const page: z.infer<typeof templatesPageSchema> = await callJson(
          "GET",
          next,
          null,
          templatesPageSchema,
        );
        templates.push(...page.data);
        next = page.paging?.next;
      }
      return templates;
    },
  };
}

function mediaContent(media: MediaMessage): Record<string, unknown> {
  const hasId = media.id !== undefined;
  const hasLink = media.link !== undefined;
  if (hasId === hasLink) {
    throw new GraphValidationError(
      `A ${media.kind} message needs exactly one of id or link (got ${hasId ? "both" : "neither"})`,
    );
  }
  const content: Record<string, unknown> = {};
  if (media.id !== undefined) {
    requireText("Media id", media.id);
    content.id = media.id;
  }
  if (media.link !== undefined) {
    if (!/^https?:\/\//i.test(media.link) || !URL.canParse(media.link)) {
      throw new GraphValidationError("Media link must be an absolute http(s) URL");
    }
    content.link = media.link;
  }
  if (media.caption !== undefined) {
    if (media.kind === "audio" || media.kind === "sticker") {
      throw new GraphValidationError(`A ${media.kind} message cannot have a caption`);
    }
    requireMaxChars("Media caption", media.caption, CAPTION_MAX);
    content.caption = media.caption;
  }
  if (media.filename !== undefined) {
    if (media.kind !== "document") {
      throw new GraphValidationError(`Only documents have a filename, not a ${media.kind}`);
    }
    requireText("Document filename", media.filename);
    content.filename = media.filename;
  }
  return content;
}

function requireButtons(buttons: ReplyButton[]): void {
  if (buttons.length < 1 || buttons.length > 3) {
    throw new GraphValidationError(`A button message needs 1 to 3 buttons (got ${buttons.length})`);
  }
  const ids = new Set<string>();
  const titles = new Set<string>();
  for (const b of buttons) {
    requireText("Button id", b.id);
    requireText("Button title", b.title);
    requireMaxChars("Button id", b.id, BUTTON_ID_MAX);
    requireMaxChars(`Button title "${b.title}"`, b.title, BUTTON_TITLE_MAX);
    // WhatsApp rejects duplicates; the customer could not tell the buttons apart anyway.
    if (ids.has(b.id)) throw new GraphValidationError(`Duplicate button id "${b.id}"`);
    if (titles.has(b.title)) throw new GraphValidationError(`Duplicate button title "${b.title}"`);
    ids.add(b.id);
    titles.add(b.title);
  }
}

/**
 * A business-scoped user id (`US.13491208655302741918`, `US.ENT.…`) rather than a phone number:
 * phone numbers are digits (an optional `+`), user ids never are.
 */
export function isBusinessScopedId(to: string): boolean {
  return !/^\+?[\d\s-]+$/.test(to);
}

function requireRecipient(to: string): void {
  requireText("Recipient (to)", to);
}

function requireSendOptions(sendOpts: SendOptions | undefined): void {
  if (sendOpts?.replyTo !== undefined) requireText("replyTo", sendOpts.replyTo);
  if (sendOpts?.callbackData !== undefined) {
    requireMaxChars("callbackData", sendOpts.callbackData, CALLBACK_DATA_MAX);
  }
}

function requireText(what: string, value: string): void {
  if (value.trim() === "") throw new GraphValidationError(`${what} is empty`);
}

/** WhatsApp counts characters, not UTF-16 code units: an emoji is one. */
function requireMaxChars(what: string, value: string, max: number): void {
  const length = [...value].length;
  if (length > max) {
    throw new GraphValidationError(`${what} is ${length} characters long; the limit is ${max}`);
  }
}

/** undici gives a repeated header as an array; the first value is the one that counts here. */
function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
function parseRetryAfter(header: string | null): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** The useful part (ECONNRESET, "other side closed") may sit in `cause`. */
function describeCause(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${current.message} [${code}]` : current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(": ") : String(err);
}
