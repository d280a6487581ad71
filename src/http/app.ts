import { createHash, timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import { requestId } from "hono/request-id";
import type { Registry } from "prom-client";
import { lazyChild } from "../lazy-logger.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { createMetrics } from "./metrics.ts";
import { noopObserver, type Observer, type WebhookSource } from "./observer.ts";

/** Largest body accepted: Meta's webhook payloads are at most 3 MB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface HttpAppOptions {
  logger: Logger;
  db: Db;
  /** Sub-apps mounted at their path, e.g. `{ "/webhooks/whatsapp": whatsappRoutes }`. */
  mounts: Record<string, Hono<AppEnv>>;
  /**
   * True while the service is shutting down (default: never). Deliveries to the mounted protocol
   * routes (`POST /webhooks/whatsapp`, `POST /slack/events`) then get 503, which Meta and Slack
   * retry later, instead of being half-handled by a process about to exit; `/healthz` answers
   * 503 `{"status":"draining"}` so a load balancer stops sending traffic here.
   */
  draining?: () => boolean;
  /**
   * The registry `/metrics` serves (src/service.ts: gauges, histograms, counters); default the
   * database gauges of createMetrics with the UTC day.
   */
  metrics?: Registry;
  /**
   * METRICS_TOKEN: when set, `/metrics` answers only requests with `Authorization: Bearer
   * <token>` (401 otherwise); null or absent: open, as before.
   */
  metricsToken?: string | null;
  /** Told how long each webhook request took to answer (default: nobody). */
  observer?: Pick<Observer, "webhookAck">;
}

/** The protocol routes whose answer time is `jembatan_webhook_ack_seconds`, by source label. */
const WEBHOOK_SOURCES: Readonly<Record<string, WebhookSource>> = {
  "/webhooks/whatsapp": "whatsapp",
  "/slack/events": "slack",
};

/**
 * True when `header` is `Bearer <token>` (scheme case-insensitive, RFC 6750). Both sides are
 * hashed first so that the comparison takes the same time whatever the length or content of
 * the guess (timingSafeEqual alone throws on different lengths, which would leak the length).
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? "");
  const given = createHash("sha256")
    .update(m?.[1] ?? "")
    .digest();
  const expected = createHash("sha256").update(token).digest();
  return timingSafeEqual(given, expected) && m !== null;
}

export type AppEnv = { Variables: { requestId: string; logger: Logger } };

// `connection: close`: the rest of the body is not read, so the connection cannot be reused.
const tooLarge = (c: Context) =>
  c.json({ error: "payload_too_large", maxBytes: MAX_BODY_BYTES }, 413, { connection: "close" });

/**
 * Reads a body sent without a length (chunked) while counting: `undefined` as soon as it passes
 * `max` bytes (the stream is cancelled, nothing more is read), else the bytes.
 */
async function readAtMost(body: ReadableStream<Uint8Array>, max: number) {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The root HTTP app: request ids, access logs, the body size limit, `/healthz`, and the
 * protocol routes mounted under their paths.
 */
export function createHttpApp(opts: HttpAppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    const log = lazyChild(opts.logger, { requestId: c.get("requestId") });
    c.set("logger", log);
    await next();
    // Health checks and successful webhooks are the bulk of traffic: keep them at debug (and
    // checked before touching the lazy logger, so a quiet request never builds it).
    const level = c.res.status >= 400 ? "info" : "debug";
    if (!opts.logger.isLevelEnabled(level)) return;
    const ms = Math.round((performance.now() - started) * 10) / 10;
    log[level]({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, "request");
  });
  const draining = opts.draining ?? (() => false);
  const mountPaths = Object.keys(opts.mounts);
  const observer = opts.observer ?? noopObserver;
  app.use(async (c, next) => {
    // Measured around everything after the access log (draining, body limit, signature check,
    // the ingest transaction): what Meta and Slack wait for. Only deliveries (POST) to a mounted
    // protocol route; the GET verification handshake is not an ack.
    const source = c.req.method === "POST" ? WEBHOOK_SOURCES[c.req.path] : undefined;
    if (source === undefined || !mountPaths.includes(c.req.path)) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      observer.webhookAck(source, (performance.now() - started) / 1000);
    }
  });
  app.use(async (c, next) => {
    if (
      c.req.method === "POST" &&
      mountPaths.some((p) => c.req.path === p || c.req.path.startsWith(`${p}/`)) &&
      draining()
    ) {
      return c.json({ error: "draining" }, 503, { "retry-after": "30", connection: "close" });
    }
    await next();
  });
  app.use(async (c, next) => {
    // A declared length is checked from the header alone (Node's parser never delivers more
    // bytes than it declares): wrapping the body in a counting stream costs more than the rest
    // of a webhook request (bench/ingest).
    const declared = c.req.header("content-length");
    const body = c.req.raw.body;
    if (declared !== undefined && !c.req.header("transfer-encoding")) {
      if (Number(declared) > MAX_BODY_BYTES) return tooLarge(c);
    } else if (body) {
      // Chunked: counted while read, refused the moment it passes the limit, not after the
      // sender finished (or gave up).
      const bytes = await readAtMost(body, MAX_BODY_BYTES);
      if (bytes === undefined) return tooLarge(c);
      c.req.raw = new Request(c.req.raw, { body: bytes });
    }
    await next();
  });
  app.get("/healthz", (c) => {
    if (draining()) return c.json({ status: "draining" }, 503);
    // A trivial query proves the file is open; migrations ran before the server started.
    opts.db.$client.prepare("select 1").get();
    return c.json({ status: "ok", uptimeS: Math.round(process.uptime()) });
  });
  const metrics = opts.metrics ?? createMetrics(opts.db);
  const metricsToken = opts.metricsToken || null;
  app.get("/metrics", async (c) => {
    if (metricsToken !== null && !bearerMatches(c.req.header("authorization"), metricsToken)) {
      return c.json({ error: "unauthorized" }, 401, {
        "www-authenticate": 'Bearer realm="metrics"',
      });
    }
    return c.text(await metrics.metrics(), 200, { "content-type": metrics.contentType });
  });
  for (const [path, sub] of Object.entries(opts.mounts)) app.route(path, sub);
  app.notFound((c) => c.json({ error: "not_found" }, 404));
  app.onError((err, c) => {
    (c.get("logger") ?? opts.logger).error({ err }, "unhandled error in request");
    return c.json({ error: "internal_error" }, 500);
  });
  return app;
}
