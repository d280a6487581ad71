import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { type Context, Hono } from "hono";
import { startServer } from "./server.ts";

/** Options of the emulated Graph API; every value has a test default. */
export interface GraphEmulatorOptions {
  accessToken?: string;
  phoneNumberId?: string;
  businessAccountId?: string;
  /** The only version accepted in paths; default `v25.0`. */
  version?: string;
}

/** The groups of routes a failure can be aimed at. */
export type GraphEmulatorRoute = "messages" | "media" | "templates";

/** A scripted failure, answered in Meta's error shape unless `dropConnection` or `rawBody`. */
export interface GraphFailureSpec {
  /** Default `any`. `media` covers upload, metadata and download. */
  route?: GraphEmulatorRoute | "any";
  /** Default: 401 for code 190, 500 for codes 1 and 131000, 503 for code 2, else 400. */
  httpStatus?: number;
  /** Default: 131000 for a 5xx status, 190 for 401, 130429 for 429, else 100. */
  code?: number;
  subcode?: number;
  message?: string;
  details?: string;
  /** Sent as a `Retry-After` header. */
  retryAfterSeconds?: number;
  /** Destroy the socket without answering. */
  dropConnection?: boolean;
  /** Answer with this body verbatim (e.g. a proxy's HTML page, or a malformed 2xx body). */
  rawBody?: string;
}

/** One request as the emulator received it. */
export interface RecordedGraphRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON, form fields (files as `{filename, type, size}`), raw text if unparsable, or null. */
  body: unknown;
  /** Unix milliseconds. */
  at: number;
}

/** Message types the emulator accepts on the messages route. */
export type EmulatedMessageType =
  | "text"
  | "image"
  | "audio"
  | "video"
  | "document"
  | "sticker"
  | "template"
  | "interactive"
  | "reaction"
  | "location"
  | "contacts";

/** A send the emulator accepted. */
export interface EmulatedSend {
  waMessageId: string;
  to: string;
  type: EmulatedMessageType;
  /** The JSON body as sent. */
  body: Record<string, unknown>;
  callbackData: string | null;
}

/** A mark-as-read call the emulator accepted. */
export interface EmulatedRead {
  waMessageId: string;
  typing: boolean;
  at: number;
}

/** A media object stored by an upload or by `addMedia`. */
export interface EmulatedMedia {
  id: string;
  mimeType: string;
  filename: string | null;
  bytes: Uint8Array;
  sha256: string;
}

/** A template as `setTemplates` takes it; omitted fields get Meta-like defaults. */
export interface EmulatedTemplate {
  id?: string;
  name: string;
  language: string;
  /** Default `APPROVED`. */
  status?: string;
  /** Default `UTILITY`. */
  category?: string;
  components?: unknown[];
}

/** A running Graph API emulator. */
export interface GraphEmulator {
  /** Base URL to give the client (no trailing slash, no version). */
  readonly url: string;
  readonly accessToken: string;
  readonly phoneNumberId: string;
  readonly businessAccountId: string;
  readonly version: string;
  readonly requests: RecordedGraphRequest[];
  readonly sent: EmulatedSend[];
  readonly reads: EmulatedRead[];
  readonly uploads: EmulatedMedia[];
  /** Delay before every answer, failures included. */
  setLatency(ms: number): void;
  /** Makes the next `times` matching requests fail as described. */
  failNext(spec: GraphFailureSpec, times?: number): void;
  /** Stores media as if a customer had sent it; returns its id. */
  addMedia(bytes: Uint8Array, mimeType: string, filename?: string): string;
  /**
   * Replaces the business account's templates. Once set, template sends are checked against them
   * (unknown → 132001, paused → 132015, disabled → 132016, wrong body parameter count → 132000).
   * `pageSize` caps the page size of the list route so that tests can exercise paging.
   */
  setTemplates(templates: EmulatedTemplate[], opts?: { pageSize?: number }): void;
  /**
   * Meta's review of a template created through `POST /{waba-id}/message_templates` (created
   * ones start `PENDING`): sets its status. The status webhook is the caller's to send.
   */
  reviewTemplate(name: string, language: string, status: string): void;
  /** Templates as the business account holds them now (created ones included). */
  readonly templates: readonly Required<EmulatedTemplate>[];
  /** Called for every accepted send, before the answer goes out; returns an unsubscribe function. */
  onSend(listener: (send: EmulatedSend) => void | Promise<void>): () => void;
  /** Polls until `predicate` returns a truthy value and resolves with it. */
  waitFor<T>(
    predicate: (emulator: GraphEmulator) => T,
    timeoutMs?: number,
  ): Promise<Exclude<T, false | null | undefined | 0 | "">>;
  /** Forgets recordings, failures, latency, media and templates; keeps `onSend` listeners. */
  reset(): void;
  close(): Promise<void>;
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set<EmulatedMessageType>([
  "text",
  "image",
  "audio",
  "video",
  "document",
  "sticker",
  "template",
  "interactive",
  "reaction",
  "location",
  "contacts",
]);
const MEDIA_TYPES: ReadonlySet<string> = new Set([
  "image",
  "audio",
  "video",
  "document",
  "sticker",
]);

const MB = 1024 * 1024;
/** Upload limits per MIME type, from Meta's supported media table. */
const UPLOAD_LIMITS: ReadonlyMap<string, number> = new Map([
  ["image/jpeg", 5 * MB],
  ["image/png", 5 * MB],
  ["image/webp", 5 * MB],
  ["audio/aac", 16 * MB],
  ["audio/amr", 16 * MB],
  ["audio/mpeg", 16 * MB],
  ["audio/mp4", 16 * MB],
  ["audio/ogg", 16 * MB],
  ["video/mp4", 16 * MB],
  ["video/3gpp", 16 * MB],
  ["text/plain", 100 * MB],
  ["application/pdf", 100 * MB],
  ["application/msword", 100 * MB],
  ["application/vnd.ms-excel", 100 * MB],
  ["application/vnd.ms-powerpoint", 100 * MB],
  ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", 100 * MB],
  ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 100 * MB],
  ["application/vnd.openxmlformats-officedocument.presentationml.presentation", 100 * MB],
]);

const DEFAULT_MESSAGES: ReadonlyMap<number, string> = new Map([
  [1, "An unknown error occurred"],
  [2, "Service temporarily unavailable"],
  [4, "Application request limit reached"],
  [100, "Invalid parameter"],
  [190, "Invalid OAuth access token - Cannot parse access token"],
  [368, "Temporarily blocked for policies violations"],
  [130429, "Rate limit hit"],
  [131000, "Something went wrong"],
  [131008, "Required parameter is missing"],
  [131009, "Parameter value is not valid"],
  [131026, "Message undeliverable"],
  [131047, "Re-engagement message"],
  [131056, "(Business Account, Consumer Account) pair rate limit hit"],
  [132000, "Number of parameters does not match the expected number of params"],
  [132001, "Template name does not exist in the translation"],
  [132015, "Template is paused"],
  [132016, "Template is disabled"],
]);

interface MetaError {
  status: number;
  code: number;
  message?: string;
  subcode?: number;
  details?: string;
  /** Meta's text for people (`error_user_title`, `error_user_msg`), e.g. on template creation. */
  userTitle?: string;
  userMsg?: string;
}

type ParsedBody = { kind: "json"; value: unknown } | { kind: "form"; form: FormData } | null;

/** Starts a loopback fake of the WhatsApp Cloud API (Graph API), wire-compatible with Meta's. */
export async function startGraphEmulator(opts: GraphEmulatorOptions = {}): Promise<GraphEmulator> {
  const accessToken = opts.accessToken ?? "emulator-access-token";
  const phoneNumberId = opts.phoneNumberId ?? "106540352242922";
  const businessAccountId = opts.businessAccountId ?? "102290129340398";
  const version = opts.version ?? "v25.0";

  const requests: RecordedGraphRequest[] = [];
  const sent: EmulatedSend[] = [];
  const reads: EmulatedRead[] = [];
  const uploads: EmulatedMedia[] = [];
  const media = new Map<string, EmulatedMedia>();
  const failures: { spec: GraphFailureSpec; remaining: number }[] = [];
  const listeners = new Set<(send: EmulatedSend) => void | Promise<void>>();
  const bodies = new WeakMap<Request, ParsedBody>();
  let templates: EmulatedTemplate[] | null = null;
  let templatePageSize = Number.POSITIVE_INFINITY;
  let latencyMs = 0;
  // Bumped by reset(): a request still sleeping in its latency from before a reset must not land
  // in the next test's recordings.
  let generation = 0;
  let nextMediaId = 1_000_000_000_000_000 + Math.floor(Math.random() * 1e14);

  function storeMedia(bytes: Uint8Array, mimeType: string, filename: string | null): EmulatedMedia {
    const stored: EmulatedMedia = {
      id: String(nextMediaId++),
      mimeType,
      filename,
      bytes: bytes.slice(),
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
    media.set(stored.id, stored);
    return stored;
  }

  function takeFailure(route: GraphEmulatorRoute): GraphFailureSpec | null {
    const index = failures.findIndex(
      (f) => f.spec.route === undefined || f.spec.route === "any" || f.spec.route === route,
    );
    const entry = failures[index];
    if (entry === undefined) return null;
    entry.remaining -= 1;
    if (entry.remaining <= 0) failures.splice(index, 1);
    return entry.spec;
  }

  function authorized(c: Context): boolean {
    return c.req.header("authorization") === `Bearer ${accessToken}`;
  }

  /** Checks token and version common to the Graph routes; null when fine. */
  function checkGraph(c: Context): Response | null {
    if (!authorized(c)) return metaError({ status: 401, code: 190 });
    if (c.req.param("version") !== version) {
      return metaError({
        status: 400,
        code: 2500,
        message: `Unknown path components: /${c.req.param("version")}`,
      });
    }
    return null;
  }

  function unknownObject(id: string, method: string): Response {
    return metaError({
      status: 400,
      code: 100,
      subcode: 33,
      message: `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    });
  }

  const app = new Hono();

  // Record, delay, then maybe fail: in that order so a failed request is still recorded and
  // latency applies to failures too.
  app.use("*", async (c, next) => {
    const parsed = await parseBody(c.req.raw);
    bodies.set(c.req.raw, parsed);
    const url = new URL(c.req.url);
    requests.push({
      method: c.req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(c.req.raw.headers),
      body: recordable(parsed),
      at: Date.now(),
    });
    const startedIn = generation;
    if (latencyMs > 0) await sleep(latencyMs);
    if (generation !== startedIn) {
      dropConnection(c);
      return new Response(null, { status: 503 });
    }
    const failure = takeFailure(routeOf(url.pathname));
    if (failure === null) return next();
    if (failure.dropConnection === true) {
      dropConnection(c);
      return new Response(null, { status: 500 });
    }
    return failureResponse(failure);
  });

  app.get("/media-bytes/:mediaId", (c) => {
    if (!authorized(c)) return metaError({ status: 401, code: 190 });
    const stored = media.get(c.req.param("mediaId"));
    if (stored === undefined) return new Response("Not Found", { status: 404 });
    return new Response(stored.bytes.slice(), {
      status: 200,
      headers: { "content-type": stored.mimeType },
    });
  });

  app.post("/:version/:phoneNumberId/messages", (c) => {
    const rejected = checkGraph(c);
    if (rejected) return rejected;
    if (c.req.param("phoneNumberId") !== phoneNumberId) {
      return unknownObject(c.req.param("phoneNumberId"), "post");
    }
    const parsed = bodies.get(c.req.raw) ?? null;
    if (parsed?.kind !== "json" || !isRecord(parsed.value)) {
      return metaError({
        status: 400,
        code: 100,
        message: "The request body must be a JSON object",
      });
    }
    const body = parsed.value;
    if (body.messaging_product !== "whatsapp") {
      return metaError({
        status: 400,
        code: 100,
        message: "The parameter messaging_product is required and must be 'whatsapp'.",
      });
    }
    if (body.status !== undefined) return markRead(body);
    const problem = validateSend(body, templates);
    if (problem) return metaError(problem);
    const to = (body.to ?? body.recipient) as string;
    const accepted: EmulatedSend = {
      waMessageId: `wamid.${randomBytes(24).toString("base64url")}`,
      to,
      type: ((body.type as string | undefined) ?? "text") as EmulatedMessageType,
      body,
      callbackData:
        typeof body.biz_opaque_callback_data === "string" ? body.biz_opaque_callback_data : null,
    };
    sent.push(accepted);
    for (const listener of listeners) notify(listener, accepted);
    return Response.json({
      messaging_product: "whatsapp",
      contacts: [{ input: to, wa_id: to.replace(/\D/g, "") }],
      messages: [{ id: accepted.waMessageId }],
    });
  });

  function markRead(body: Record<string, unknown>): Response {
    if (body.status !== "read") {
      return metaError({ status: 400, code: 100, message: "Param status must be 'read'" });
    }
    if (typeof body.message_id !== "string" || body.message_id === "") {
      return metaError({
        status: 400,
        code: 131008,
        details: "Parameter 'message_id' is required.",
      });
    }
    const typing = body.typing_indicator;
    if (typing !== undefined && !(isRecord(typing) && typing.type === "text")) {
      return metaError({
        status: 400,
        code: 100,
        message: "Param typing_indicator[type] must be 'text'",
      });
    }
    reads.push({ waMessageId: body.message_id, typing: typing !== undefined, at: Date.now() });
    return Response.json({ success: true });
  }

  app.post("/:version/:phoneNumberId/media", async (c) => {
    const rejected = checkGraph(c);
    if (rejected) return rejected;
    if (c.req.param("phoneNumberId") !== phoneNumberId) {
      return unknownObject(c.req.param("phoneNumberId"), "post");
    }
    const parsed = bodies.get(c.req.raw) ?? null;
    if (parsed?.kind !== "form") {
      return metaError({
        status: 400,
        code: 100,
        message: "The request must be multipart/form-data",
      });
    }
    const form = parsed.form;
    if (form.get("messaging_product") !== "whatsapp") {
      return metaError({
        status: 400,
        code: 100,
        message: "The parameter messaging_product is required.",
      });
    }
    const file = form.get("file");
    if (!(file instanceof Blob)) {
      return metaError({ status: 400, code: 100, message: "The parameter file is required." });
    }
    const type = form.get("type");
    const mimeType = typeof type === "string" && type !== "" ? type : file.type;
    const limit = UPLOAD_LIMITS.get(mimeType.split(";")[0]!.trim().toLowerCase());
    if (limit === undefined) {
      return metaError({
        status: 400,
        code: 100,
        message: `Param file must be a file with one of the supported types (got '${mimeType}')`,
      });
    }
    if (file.size > limit) {
      return metaError({
        status: 400,
        code: 131053,
        details: `File is larger than ${limit} bytes`,
      });
    }
    const filename = file instanceof File && file.name !== "" ? file.name : null;
    const stored = storeMedia(new Uint8Array(await file.arrayBuffer()), mimeType, filename);
    uploads.push(stored);
    return Response.json({ id: stored.id });
  });

  app.get("/:version/:wabaId/message_templates", (c) => {
    const rejected = checkGraph(c);
    if (rejected) return rejected;
    if (c.req.param("wabaId") !== businessAccountId) {
      return unknownObject(c.req.param("wabaId"), "get");
    }
    const all = (templates ?? []).map(withDefaults);
    const requested = Number(c.req.query("limit") ?? "25");
    const size = Math.max(
      1,
      Math.min(Number.isFinite(requested) ? requested : 25, templatePageSize),
    );
    const after = c.req.query("after");
    const start = after === undefined ? 0 : Number(Buffer.from(after, "base64url").toString());
    const page = all.slice(start, start + size);
    const end = start + page.length;
    const paging: Record<string, unknown> = {
      cursors: {
        before: Buffer.from(String(start)).toString("base64url"),
        after: Buffer.from(String(end)).toString("base64url"),
      },
    };
    if (end < all.length) {
      const nextUrl = new URL(c.req.url);
      nextUrl.searchParams.set("limit", String(size));
      nextUrl.searchParams.set("after", Buffer.from(String(end)).toString("base64url"));
      paging.next = nextUrl.toString();
    }
    return Response.json({ data: page, paging });
  });

  app.post("/:version/:wabaId/message_templates", (c) => {
    const rejected = checkGraph(c);
    if (rejected) return rejected;
    if (c.req.param("wabaId") !== businessAccountId) {
      return unknownObject(c.req.param("wabaId"), "post");
    }
    const parsed = bodies.get(c.req.raw) ?? null;
    const body = parsed?.kind === "json" && isRecord(parsed.value) ? parsed.value : null;
    const problem = validateTemplateCreation(body, templates ?? []);
    if (problem) return metaError(problem);
    const created = withDefaults({
      name: String(body!.name),
      language: String(body!.language),
      category: String(body!.category).toUpperCase(),
      status: "PENDING",
      components: body!.components as unknown[],
    });
    templates = [...(templates ?? []), created];
    return Response.json({ id: created.id, status: created.status, category: created.category });
  });

  app.get("/:version/:mediaId", (c) => {
    const rejected = checkGraph(c);
    if (rejected) return rejected;
    const stored = media.get(c.req.param("mediaId"));
    if (stored === undefined) return unknownObject(c.req.param("mediaId"), "get");
    return Response.json({
      messaging_product: "whatsapp",
      url: `${new URL(c.req.url).origin}/media-bytes/${stored.id}`,
      mime_type: stored.mimeType,
      sha256: stored.sha256,
      file_size: String(stored.bytes.byteLength),
      id: stored.id,
    });
  });

  app.notFound((c) =>
    metaError({ status: 400, code: 2500, message: `Unknown path components: ${c.req.path}` }),
  );

  const server = await startServer(app);

  const emulator: GraphEmulator = {
    url: server.url,
    accessToken,
    phoneNumberId,
    businessAccountId,
    version,
    requests,
    sent,
    reads,
    uploads,
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    failNext(spec, times = 1) {
      if (times > 0) failures.push({ spec, remaining: times });
    },
    addMedia(bytes, mimeType, filename) {
      return storeMedia(bytes, mimeType, filename ?? null).id;
    },
    reviewTemplate(name, language, status) {
      const t = templates?.find((x) => x.name === name && x.language === language);
      if (!t) throw new Error(`Graph emulator: no template ${name} (${language})`);
      templates = (templates ?? []).map((x) => (x === t ? { ...x, status } : x));
    },
    get templates() {
      return (templates ?? []).map(withDefaults);
    },
    setTemplates(list, setOpts) {
      templates = list.map(withDefaults);
      templatePageSize = setOpts?.pageSize ?? Number.POSITIVE_INFINITY;
    },
    onSend(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async waitFor(predicate, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = predicate(emulator);
        if (value) return value as Exclude<typeof value, false | null | undefined | 0 | "">;
        if (Date.now() >= deadline) {
          throw new Error(`Graph emulator: waitFor condition not met within ${timeoutMs} ms`);
        }
        await sleep(5);
      }
    },
    reset() {
      requests.length = 0;
      sent.length = 0;
      reads.length = 0;
      uploads.length = 0;
      failures.length = 0;
      media.clear();
      templates = null;
      templatePageSize = Number.POSITIVE_INFINITY;
      latencyMs = 0;
      generation += 1;
    },
    close: () => server.close(),
  };
  return emulator;
}

/** Validates a send like Meta does synchronously; null when accepted. */
function validateSend(
  body: Record<string, unknown>,
  templates: EmulatedTemplate[] | null,
): MetaError | null {
  // `recipient` carries a business-scoped user id (username users) instead of `to`.
  const to = body.to ?? body.recipient;
  if (typeof to !== "string" || to.trim() === "") {
    return { status: 400, code: 131008, details: "Parameter 'to' is required." };
  }
  if (body.recipient_type !== undefined && body.recipient_type !== "individual") {
    return { status: 400, code: 100, message: "Param recipient_type must be 'individual'" };
  }
  const type = body.type ?? "text";
  if (typeof type !== "string" || !MESSAGE_TYPES.has(type)) {
    return {
      status: 400,
      code: 100,
      message: `Param type must be one of {${[...MESSAGE_TYPES].join(", ")}}`,
    };
  }
  const content = body[type];
  if (!isRecord(content) && !(type === "contacts" && Array.isArray(content))) {
    return { status: 400, code: 131008, details: `Parameter '${type}' is required.` };
  }
  if (body.context !== undefined) {
    if (!isRecord(body.context) || typeof body.context.message_id !== "string") {
      return { status: 400, code: 100, message: "Param context[message_id] must be a string" };
    }
  }
  const callback = body.biz_opaque_callback_data;
  if (callback !== undefined && (typeof callback !== "string" || [...callback].length > 512)) {
    return {
      status: 400,
      code: 100,
      message: "Param biz_opaque_callback_data must be a string of at most 512 characters",
    };
  }
  if (!isRecord(content)) return null;
  if (type === "text") return validateText(content);
  if (MEDIA_TYPES.has(type)) return validateMedia(type, content);
  if (type === "interactive") return validateInteractive(content);
  if (type === "template") return validateTemplate(content, templates);
  return null;
}

function validateText(text: Record<string, unknown>): MetaError | null {
  if (typeof text.body !== "string" || text.body.trim() === "") {
    return { status: 400, code: 131008, details: "Parameter 'text['body']' is required." };
  }
  if ([...text.body].length > 4096) {
    return {
      status: 400,
      code: 100,
      message: "Param text['body'] must be at most 4096 characters long.",
    };
  }
  if (text.preview_url !== undefined && typeof text.preview_url !== "boolean") {
    return { status: 400, code: 100, message: "Param text['preview_url'] must be a boolean." };
  }
  return null;
}

function validateMedia(type: string, content: Record<string, unknown>): MetaError | null {
  const hasId = typeof content.id === "string" && content.id !== "";
  const hasLink = typeof content.link === "string" && content.link !== "";
  if (hasId === hasLink) {
    return { status: 400, code: 100, message: `Param ${type} must have exactly one of id or link` };
  }
  if (content.caption !== undefined && (type === "audio" || type === "sticker")) {
    return {
      status: 400,
      code: 100,
      message: `Param ${type}['caption'] is not supported for ${type}`,
    };
  }
  if (typeof content.caption === "string" && [...content.caption].length > 1024) {
    return {
      status: 400,
      code: 100,
      message: `Param ${type}['caption'] must be at most 1024 characters long.`,
    };
  }
  return null;
}

function validateInteractive(interactive: Record<string, unknown>): MetaError | null {
  if (typeof interactive.type !== "string") {
    return { status: 400, code: 131008, details: "Parameter 'interactive['type']' is required." };
  }
  if (!isRecord(interactive.action)) {
    return { status: 400, code: 131008, details: "Parameter 'interactive['action']' is required." };
  }
  if (interactive.type !== "button") return null;
  const body = interactive.body;
  if (!isRecord(body) || typeof body.text !== "string" || body.text.trim() === "") {
    return {
      status: 400,
      code: 131008,
      details: "Parameter 'interactive['body']['text']' is required.",
    };
  }
  if ([...body.text].length > 1024) {
    return {
      status: 400,
      code: 100,
      message: "Param interactive['body']['text'] must be at most 1024 characters long.",
    };
  }
  const buttons = interactive.action.buttons;
  if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) {
    return { status: 400, code: 131009, details: "Buttons count should be between 1 and 3." };
  }
  for (const button of buttons) {
    const reply = isRecord(button) ? button.reply : undefined;
    if (!isRecord(button) || button.type !== "reply" || !isRecord(reply)) {
      return {
        status: 400,
        code: 131009,
        details: "Each button must be {type:'reply', reply:{id,title}}.",
      };
    }
    if (typeof reply.id !== "string" || reply.id === "") {
      return { status: 400, code: 131008, details: "Parameter 'reply['id']' is required." };
    }
    if (typeof reply.title !== "string" || reply.title === "" || [...reply.title].length > 20) {
      return {
        status: 400,
        code: 131009,
        details: "Button title length must be between 1 and 20 characters.",
      };
    }
  }
  return null;
}

function validateTemplate(
  template: Record<string, unknown>,
  templates: EmulatedTemplate[] | null,
): MetaError | null {
  const language = isRecord(template.language) ? template.language.code : undefined;
  if (typeof template.name !== "string" || template.name === "" || typeof language !== "string") {
    return {
      status: 400,
      code: 131008,
      details: "Parameters 'template['name']' and 'template['language']['code']' are required.",
    };
  }
  if (template.components !== undefined && !Array.isArray(template.components)) {
    return { status: 400, code: 100, message: "Param template['components'] must be an array." };
  }
  // Without setTemplates every template is accepted, so tests of other modules need no setup.
  if (templates === null) return null;
  const known = templates.find((t) => t.name === template.name && t.language === language);
  if (known === undefined) {
    return {
      status: 404,
      code: 132001,
      details: `template name (${template.name}) does not exist in ${language}`,
    };
  }
  if (known.status === "PAUSED") return { status: 400, code: 132015 };
  if (known.status === "DISABLED") return { status: 400, code: 132016 };
  if (known.status !== "APPROVED") {
    return { status: 404, code: 132001, details: `template ${template.name} is ${known.status}` };
  }
  const expected = bodyPlaceholders(known.components ?? []);
  const given = (Array.isArray(template.components) ? template.components : []).find(
    (c) => isRecord(c) && c.type === "body",
  );
  const count = isRecord(given) && Array.isArray(given.parameters) ? given.parameters.length : 0;
  if (count !== expected) {
    return {
      status: 400,
      code: 132000,
      details: `body: number of localizable_params (${count}) does not match the expected number of params (${expected})`,
    };
  }
  return null;
}

/** Distinct `{{1}}` / `{{name}}` placeholders in a template's BODY component. */
function bodyPlaceholders(components: unknown[]): number {
  const body = components.find(
    (c) => isRecord(c) && typeof c.type === "string" && c.type.toUpperCase() === "BODY",
  );
  if (!isRecord(body) || typeof body.text !== "string") return 0;
  return new Set(body.text.match(/\{\{\s*[\w.]+\s*\}\}/g) ?? []).size;
}

/**
 * Meta's checks at template creation, with its error shapes: code 100 and a subcode, and
 * `error_user_title` / `error_user_msg` for people (the modal shows them).
 */
function validateTemplateCreation(
  body: Record<string, unknown> | null,
  existing: readonly EmulatedTemplate[],
): MetaError | null {
  const invalid = (userMsg: string, subcode = 2388043): MetaError => ({
    status: 400,
    code: 100,
    subcode,
    message: "Invalid parameter",
    userTitle: "Invalid parameter",
    userMsg,
  });
  if (body === null)
    return { status: 400, code: 100, message: "The request body must be a JSON object" };
  const { name, language, category, components } = body;
  if (typeof name !== "string" || !/^[a-z0-9_]{1,512}$/.test(name))
    return invalid("Template names can only contain lowercase letters, numbers and underscores.");
  if (typeof language !== "string" || language === "") return invalid("The language is required.");
  if (
    typeof category !== "string" ||
    !["UTILITY", "MARKETING", "AUTHENTICATION"].includes(category.toUpperCase())
  )
    return invalid("Category must be UTILITY, MARKETING or AUTHENTICATION.");
  if (!Array.isArray(components)) return invalid("components must be an array.");
  const bodyComponent = components.find((x) => isRecord(x) && x.type === "BODY") as
    | Record<string, unknown>
    | undefined;
  const text = bodyComponent?.text;
  if (typeof text !== "string" || text.trim() === "")
    return invalid("A BODY component with text is required.");
  if (text.length > 1024)
    return invalid("The body text is too long (1024 characters at most).", 2388040);
  const count = bodyPlaceholders(components);
  const example = isRecord(bodyComponent?.example) ? bodyComponent.example.body_text : undefined;
  const values = Array.isArray(example) && Array.isArray(example[0]) ? example[0] : [];
  if (count > 0 && values.length !== count)
    return invalid(`The body has ${count} variable(s): add one example value for each.`, 2388043);
  if (/^\s*\{\{/.test(text) || /\}\}\s*$/.test(text))
    return invalid("Variables can't be at the start or end of the template.", 2388299);
  if (existing.some((t) => t.name === name && t.language === language))
    return invalid(
      `There is already ${language} content for this template. You can create a new template and try again.`,
      2388024,
    );
  return null;
}

function withDefaults(t: EmulatedTemplate): Required<EmulatedTemplate> {
  return {
    id: t.id ?? String(Math.floor(1e15 + Math.random() * 1e14)),
    name: t.name,
    language: t.language,
    status: t.status ?? "APPROVED",
    category: t.category ?? "UTILITY",
    components: t.components ?? [],
  };
}

/** Destroys the socket so the client sees the connection drop without an answer. */
function dropConnection(c: Context): void {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  env?.incoming?.socket.destroy();
}

function routeOf(path: string): GraphEmulatorRoute {
  if (path.endsWith("/messages")) return "messages";
  if (path.endsWith("/message_templates")) return "templates";
  return "media";
}

function metaError(e: MetaError, headers: Record<string, string> = {}): Response {
  const text = e.message ?? DEFAULT_MESSAGES.get(e.code) ?? "An error occurred";
  const error: Record<string, unknown> = {
    message: text.startsWith("(#") || e.code === 190 ? text : `(#${e.code}) ${text}`,
    type: "OAuthException",
    code: e.code,
    fbtrace_id: `A${randomBytes(12).toString("base64url")}`,
  };
  if (e.details !== undefined)
    error.error_data = { messaging_product: "whatsapp", details: e.details };
  if (e.subcode !== undefined) error.error_subcode = e.subcode;
  if (e.userTitle !== undefined) error.error_user_title = e.userTitle;
  if (e.userMsg !== undefined) error.error_user_msg = e.userMsg;
  return Response.json({ error }, { status: e.status, headers });
}

function failureResponse(spec: GraphFailureSpec): Response {
  const headers: Record<string, string> = {};
  if (spec.retryAfterSeconds !== undefined) headers["retry-after"] = String(spec.retryAfterSeconds);
  const status = spec.httpStatus ?? defaultStatus(spec.code);
  if (spec.rawBody !== undefined) {
    const json = safeJson(spec.rawBody) !== undefined;
    headers["content-type"] = json ? "application/json" : "text/html; charset=utf-8";
    return new Response(spec.rawBody, { status, headers });
  }
  const code = spec.code ?? defaultCode(status);
  const error: MetaError = { status, code };
  if (spec.message !== undefined) error.message = spec.message;
  if (spec.subcode !== undefined) error.subcode = spec.subcode;
  if (spec.details !== undefined) error.details = spec.details;
  return metaError(error, headers);
}

function defaultStatus(code: number | undefined): number {
  if (code === 190) return 401;
  if (code === 1 || code === 131000) return 500;
  if (code === 2) return 503;
  return 400;
}

function defaultCode(status: number): number {
  if (status >= 500) return 131000;
  if (status === 401) return 190;
  if (status === 429) return 130429;
  return 100;
}

async function parseBody(request: Request): Promise<ParsedBody> {
  if (request.method === "GET" || request.method === "HEAD" || request.body === null) return null;
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
    try {
      return { kind: "form", form: await request.formData() };
    } catch {
      return { kind: "json", value: undefined };
    }
  }
  const text = await request.text();
  const value = safeJson(text);
  return { kind: "json", value: value === undefined ? text : value };
}

function recordable(parsed: ParsedBody): unknown {
  if (parsed === null) return null;
  if (parsed.kind === "json") return parsed.value ?? null;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of parsed.form) {
    fields[key] =
      typeof value === "string"
        ? value
        : { filename: value.name, type: value.type, size: value.size };
  }
  return fields;
}

function notify(listener: (send: EmulatedSend) => void | Promise<void>, send: EmulatedSend): void {
  // A listener's failure must not turn an accepted send into an error answer; make it visible.
  try {
    const result = listener(send);
    if (result instanceof Promise) {
      result.catch((err: unknown) => console.error("graph emulator: onSend listener failed", err));
    }
  } catch (err) {
    console.error("graph emulator: onSend listener failed", err);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
