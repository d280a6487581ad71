import { createHmac, timingSafeEqual } from "node:crypto";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import { ReceiverMultipleAckError } from "@slack/bolt";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../http/app.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../http/json-limits.ts";
import type { Logger } from "../logger.ts";

/** Options for {@link createHonoReceiver}. */
export interface HonoReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** Answer 200 after this long when no listener has acked (Slack gives up after 3 s). Default 2900. */
  ackTimeoutMs?: number;
  /** Largest accepted distance between the request timestamp and now, either way. Default 300. */
  maxSkewSeconds?: number;
  /** Clock in milliseconds (default `Date.now`). */
  now?: () => number;
}

/** A Bolt receiver and the Hono routes that feed it. */
export interface HonoReceiver {
  /** Pass as `new App({ receiver })`; `app.start()` opens it, `app.stop()` closes it. */
  receiver: Receiver;
  /** Handles `POST /`; mount it at `/slack/events`. */
  routes: Hono<AppEnv>;
}

type Json = Record<string, unknown>;
type Verdict = { ok: true } | { ok: false; reason: string; skewSeconds?: number };
type Parsed = { ok: true; body: Json } | { ok: false; reason: string };

const isRecord = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function verifySignature(
  raw: Uint8Array,
  signature: string | undefined,
  timestamp: string | undefined,
  secret: string,
  nowMs: number,
  maxSkewSeconds: number,
): Verdict {
  if (signature === undefined || timestamp === undefined) {
    return { ok: false, reason: "missing X-Slack-Signature or X-Slack-Request-Timestamp" };
  }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed timestamp" };
  const skewSeconds = Math.floor(nowMs / 1000) - Number(timestamp);
  // Bolt's own check only rejects old timestamps; a future one is as much a replay risk.
  if (skewSeconds > maxSkewSeconds) return { ok: false, reason: "timestamp too old", skewSeconds };
  if (-skewSeconds > maxSkewSeconds) {
    return { ok: false, reason: "timestamp in the future", skewSeconds };
  }
  const hex = /^v0=([0-9a-f]{64})$/i.exec(signature)?.[1];
  if (hex === undefined) return { ok: false, reason: "malformed signature" };
  // HMAC over the exact bytes received, so that a re-encoded body can never verify.
  const expected = createHmac("sha256", secret).update(`v0:${timestamp}:`).update(raw).digest();
  if (!timingSafeEqual(expected, Buffer.from(hex, "hex"))) {
    return { ok: false, reason: "signature mismatch" };
  }
  return { ok: true };
}

/**
 * Nesting is checked on the text before parsing (see json-limits.ts): nothing Slack sends comes
 * near the limit, and Bolt, listeners and logs walk payloads recursively.
 */
function parseJsonObject(text: string): Json | undefined {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** JSON for the Events API, `payload=<JSON>` for interactivity, plain form fields for commands. */
function parseBody(raw: Uint8Array, contentType: string | undefined): Parsed {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return { ok: false, reason: "body is not UTF-8" };
  }
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/x-www-form-urlencoded") {
    const params = new URLSearchParams(text);
    const payload = params.get("payload");
    if (payload === null) return { ok: true, body: Object.fromEntries(params) };
    const body = parseJsonObject(payload);
    return body
      ? { ok: true, body }
      : { ok: false, reason: "payload field is not a JSON object (or nests too deeply)" };
  }
  // Slack always labels JSON; anything unlabelled still gets a chance as JSON, as in Bolt.
  const body = parseJsonObject(text);
  return body
    ? { ok: true, body }
    : { ok: false, reason: "body is not a JSON object (or nests too deeply)" };
}

/** `ssl_check=1` needs no signature (Bolt skips verification too); it dispatches nothing. */
function isSslCheck(raw: Uint8Array, contentType: string | undefined): boolean {
  if (!(contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return false;
  }
  return new URLSearchParams(new TextDecoder().decode(raw)).get("ssl_check") === "1";
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const optional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || ok(v);
const isString = (v: unknown) => typeof v === "string";
const isRecordOrNull = (v: unknown) => v === null || isRecord(v);
const isIdHolder = (v: unknown) => isRecord(v) && optional(v.id, isString);
const isStringOrIdHolder = (v: unknown) => isString(v) || isIdHolder(v);

/**
 * Why a verified, parsed body cannot be given to Bolt, or undefined when it can. Bolt reads
 * fields such as `body.event.channel`, `body.authorizations[0].team_id`, `body.user.id` and
 * `body.team.id` without checking their types, so a field of the wrong type (never sent by
 * Slack, but a correctly signed body is not proof of a sane one) made it throw and the request
 * end in a 500. These checks follow the fields Bolt and our listeners read, by kind of request,
 * and let anything else (unknown fields, unknown event types) through.
 */
export function invalidShape(body: Json): string | undefined {
  for (const key of ["type", "team_id", "api_app_id", "token", "event_id", "command"] as const) {
    if (!optional(body[key], isString)) return `${key} is not a string`;
  }
  for (const key of ["enterprise_id", "user_id", "channel_id", "trigger_id"] as const) {
    if (!optional(body[key], (v) => v === null || isString(v))) return `${key} is not a string`;
  }
  if (!optional(body.is_enterprise_install, (v) => typeof v === "boolean" || isString(v))) {
    return "is_enterprise_install is not a boolean";
  }
  if (!optional(body.event_time, (v) => typeof v === "number")) return "event_time is not a number";
  if (!optional(body.authorizations, (v) => Array.isArray(v) && v.every(isRecord))) {
    return "authorizations is not an array of objects";
  }
  if (Array.isArray(body.authorizations)) {
    for (const a of body.authorizations as Json[]) {
      for (const key of ["team_id", "enterprise_id", "user_id"] as const) {
        if (!optional(a[key], (v) => v === null || isString(v))) {
          return `authorizations[].${key} is not a string`;
        }
      }
    }
  }
  for (const key of ["team", "enterprise", "container", "message", "view"] as const) {
    if (!optional(body[key], isRecordOrNull)) return `${key} is not an object`;
  }
  // Bolt reads `channel.id` whenever `channel` is not undefined (null included): found by the
  // 100,000-case fuzz campaign as a 500.
  if (!optional(body.channel, isRecord)) return "channel is not an object";
  if (!optional(body.user, isIdHolder)) return "user is not an object with a string id";
  if (!optional(body.actions, (v) => Array.isArray(v) && v.every(isRecord))) {
    return "actions is not an array of objects";
  }
  if (body.event !== undefined || body.type === "event_callback") {
    const event = body.event;
    if (!isRecord(event)) return "event is not an object";
    if (!isString(event.type)) return "event.type is not a string";
    for (const key of ["subtype", "channel_id", "text", "ts", "thread_ts", "bot_id"] as const) {
      if (!optional(event[key], isString)) return `event.${key} is not a string`;
    }
    if (!optional(event.channel, isStringOrIdHolder)) return "event.channel is not a string";
    if (!optional(event.user, isStringOrIdHolder)) return "event.user is not a string";
    for (const key of ["item", "subteam", "message", "previous_message", "view"] as const) {
      if (!optional(event[key], isRecord)) return `event.${key} is not an object`;
    }
    return undefined;
  }
  // Interactivity (actions, views, shortcuts, options): Bolt reads `user.id` and the team.
  const interactive =
    body.actions !== undefined ||
    body.name !== undefined ||
    (isString(body.type) &&
      [
        "block_actions",
        "block_suggestion",
        "interactive_message",
        "dialog_submission",
        "shortcut",
        "message_action",
        "view_submission",
        "view_closed",
      ].includes(body.type as string));
  if (interactive && body.command === undefined) {
    if (!isRecord(body.user)) return "user is not an object";
    if (body.type === "view_submission" || body.type === "view_closed") {
      if (!isRecord(body.view)) return "view is not an object";
    }
  }
  return undefined;
}

/** A short name for logs: which event, action, view or command this request carries. */
function describe(body: Json): string {
  const type = str(body.type);
  if (type === "event_callback" && isRecord(body.event)) {
    const subtype = str(body.event.subtype);
    return `event ${str(body.event.type) ?? "?"}${subtype ? `/${subtype}` : ""}`;
  }
  if (str(body.command)) return `command ${body.command}`;
  if (type === "block_actions" && Array.isArray(body.actions) && isRecord(body.actions[0])) {
    return `block_actions ${str(body.actions[0].action_id) ?? "?"}`;
  }
  if ((type === "view_submission" || type === "view_closed") && isRecord(body.view)) {
    return `${type} ${str(body.view.callback_id) ?? "?"}`;
  }
  if (type === "shortcut" || type === "message_action") {
    return `${type} ${str(body.callback_id) ?? "?"}`;
  }
  return type ?? "unknown";
}

function ackResponse(c: Context<AppEnv>, response: unknown): Response {
  if (response === undefined || response === null || response === "") return c.body(null, 200);
  if (typeof response === "string") return c.text(response, 200);
  return c.json(response as Json, 200);
}

function retryNumber(header: string | undefined): number | undefined {
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * A Bolt receiver living in a Hono route. Each request is verified (HMAC v0 over the raw bytes,
 * timestamp within `maxSkewSeconds` either way) before it is parsed; `url_verification` and
 * `ssl_check` are answered here; everything else goes to `app.processEvent` and the HTTP answer
 * is whatever `ack()` is given (nothing → 200 empty, a string → text, an object → JSON).
 * Until `app.start()` opens the receiver (and after `app.stop()`) requests get 503, which Slack
 * retries later.
 */
export function createHonoReceiver(opts: HonoReceiverOptions): HonoReceiver {
  const ackTimeoutMs = opts.ackTimeoutMs ?? 2900;
  const maxSkewSeconds = opts.maxSkewSeconds ?? 300;
  const now = opts.now ?? Date.now;
  let app: App | undefined;
  let open = false;

  const receiver: Receiver = {
    init(a: App) {
      app = a;
    },
    async start() {
      open = true;
    },
    async stop() {
      open = false;
    },
  };

  const routes = new Hono<AppEnv>();
  routes.post("/", async (c) => {
    const log = c.get("logger") ?? opts.logger;
    const bolt = app;
    if (!open || bolt === undefined) {
      log.warn("slack request refused with 503: the Slack app is not started");
      return c.json({ error: "not_ready" }, 503);
    }
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const contentType = c.req.header("content-type");
    const verdict = verifySignature(
      raw,
      c.req.header("x-slack-signature"),
      c.req.header("x-slack-request-timestamp"),
      opts.signingSecret,
      now(),
      maxSkewSeconds,
    );
    if (!verdict.ok) {
      if (isSslCheck(raw, contentType)) return c.body(null, 200);
      const { reason, skewSeconds } = verdict;
      log.warn({ reason, skewSeconds, bytes: raw.length }, "slack request rejected: bad signature");
      return c.json({ error: "invalid_signature" }, 401);
    }
    const parsed = parseBody(raw, contentType);
    if (!parsed.ok) {
      log.warn({ reason: parsed.reason, contentType }, "slack request rejected: unparseable body");
      return c.json({ error: "invalid_body" }, 400);
    }
    const body = parsed.body;
    if (body.ssl_check === "1") return c.body(null, 200);
    if (body.type === "url_verification") {
      if (!isString(body.challenge)) return c.json({ error: "invalid_body" }, 400);
      return c.json({ challenge: body.challenge });
    }
    // Signed but malformed: 400 (not 401, the signature was right; never a 5xx, nothing failed
    // on our side), before Bolt or any listener sees it.
    const wrong = invalidShape(body);
    if (wrong !== undefined) {
      log.warn({ reason: wrong, event: describe(body) }, "slack request rejected: malformed body");
      return c.json({ error: "invalid_body", detail: wrong }, 400);
    }

    const label = describe(body);
    const requestId = c.get("requestId");
    return new Promise<Response>((resolve) => {
      let acked = false;
      let answered = false;
      const answer = (res: Response) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(res);
      };
      const timer = setTimeout(() => {
        // Slack retries anything unanswered after 3 s; a late 200 at least stops duplicates.
        log.error({ event: label, ackTimeoutMs }, "slack request not acknowledged in time");
        answer(c.body(null, 200));
      }, ackTimeoutMs);

      const event: ReceiverEvent = {
        body,
        retryNum: retryNumber(c.req.header("x-slack-retry-num")),
        retryReason: c.req.header("x-slack-retry-reason"),
        ...(requestId === undefined ? {} : { customProperties: { requestId } }),
        ack: async (response?: unknown) => {
          if (acked) throw new ReceiverMultipleAckError();
          acked = true;
          if (answered) {
            log.warn({ event: label }, "slack ack came after the response was sent; it is lost");
            return;
          }
          answer(ackResponse(c, response));
        },
      };

      bolt.processEvent(event).then(
        () => {
          if (acked || answered) return;
          // No listener matched (or none acked): waiting for the timeout would change nothing.
          log.warn({ event: label }, "slack request handled without an ack");
          answer(c.body(null, 200));
        },
        (err: unknown) => {
          if (acked || answered) {
            // The answer is already out; Slack will not see this failure.
            log.error({ err, event: label }, "slack listener failed after the request was acked");
            return;
          }
          log.error({ err, event: label }, "slack listener failed before acking");
          answer(c.json({ error: "internal_error" }, 500));
        },
      );
    });
  });
  return { receiver, routes };
}
