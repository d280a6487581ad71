import { createHmac, timingSafeEqual } from "node:crypto";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import { ReceiverMultipleAckError } from "@slack/bolt";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../http/app.ts";
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

function parseJsonObject(text: string): Json | undefined {
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
    return body ? { ok: true, body } : { ok: false, reason: "payload field is not a JSON object" };
  }
  // Slack always labels JSON; anything unlabelled still gets a chance as JSON, as in Bolt.
  const body = parseJsonObject(text);
  return body ? { ok: true, body } : { ok: false, reason: "body is not a JSON object" };
}

/** `ssl_check=1` needs no signature (Bolt skips verification too); it dispatches nothing. */
function isSslCheck(raw: Uint8Array, contentType: string | undefined): boolean {
  if (!(contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return false;
  }
  return new URLSearchParams(new TextDecoder().decode(raw)).get("ssl_check") === "1";
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

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
    if (body.type === "url_verification") return c.json({ challenge: body.challenge });

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
