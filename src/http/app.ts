import { type Context, Hono } from "hono";
import { requestId } from "hono/request-id";
import { lazyChild } from "../lazy-logger.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { createMetrics } from "./metrics.ts";

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
  const metrics = createMetrics(opts.db);
  app.get("/metrics", async (c) =>
    c.text(await metrics.metrics(), 200, { "content-type": metrics.contentType }),
  );
  for (const [path, sub] of Object.entries(opts.mounts)) app.route(path, sub);
  app.notFound((c) => c.json({ error: "not_found" }, 404));
  app.onError((err, c) => {
    (c.get("logger") ?? opts.logger).error({ err }, "unhandled error in request");
    return c.json({ error: "internal_error" }, 500);
  });
  return app;
}
