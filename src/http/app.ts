import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
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
}

export type AppEnv = { Variables: { requestId: string; logger: Logger } };

const tooLarge = (c: Context) =>
  c.json({ error: "payload_too_large", maxBytes: MAX_BODY_BYTES }, 413);

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
  const limitStream = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  app.use(async (c, next) => {
    // A declared length is checked from the header alone: Hono's bodyLimit wraps the body in a
    // counting stream, which costs more than the rest of a webhook request (bench/ingest).
    const declared = c.req.header("content-length");
    if (declared === undefined) return limitStream(c, next);
    if (Number(declared) > MAX_BODY_BYTES) return tooLarge(c);
    await next();
  });
  app.get("/healthz", (c) => {
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
