import { Hono } from "hono";
import type { AppEnv } from "../http/app.ts";
import type { Db } from "../store/db.ts";
import type { IngestOptions, IngestResult } from "./ingest.ts";
import { createIngestBatcher } from "./ingest-batcher.ts";
import { parseDelivery } from "./webhook/normalize.ts";
import { verifyMetaSignature } from "./webhook/signature.ts";

export interface WhatsAppRoutesOptions {
  db: Db;
  appSecret: string;
  verifyToken: string;
  ingest: IngestOptions;
  /** Called after a delivery committed (e.g. to wake the job runner). */
  onIngested?: (result: IngestResult) => void;
}

/** `GET|POST /webhooks/whatsapp`: Meta's verification handshake and signed deliveries. */
export function createWhatsAppRoutes(opts: WhatsAppRoutesOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const batcher = createIngestBatcher(opts.db, opts.ingest);

  app.get("/", (c) => {
    const mode = c.req.query("hub.mode");
    const token = c.req.query("hub.verify_token");
    const challenge = c.req.query("hub.challenge");
    if (mode === "subscribe" && token === opts.verifyToken && challenge !== undefined) {
      return c.text(challenge, 200);
    }
    c.get("logger").warn({ mode }, "whatsapp webhook verification refused: wrong mode or token");
    return c.text("Forbidden", 403);
  });

  app.post("/", async (c) => {
    const log = c.get("logger");
    const raw = new Uint8Array(await c.req.arrayBuffer());
    // The signature covers the exact bytes Meta sent: check it before parsing anything.
    if (!verifyMetaSignature(raw, c.req.header("x-hub-signature-256"), opts.appSecret)) {
      log.warn("whatsapp webhook rejected: missing or invalid X-Hub-Signature-256");
      return c.json({ error: "invalid_signature" }, 401);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch {
      log.warn({ bytes: raw.length }, "whatsapp webhook rejected: body is not valid JSON");
      return c.json({ error: "invalid_json" }, 400);
    }
    const parsed = parseDelivery(json);
    if (!parsed.ok) {
      log.warn(
        { reason: parsed.error },
        "whatsapp webhook rejected: not a WhatsApp Business delivery",
      );
      return c.json({ error: "invalid_payload", detail: parsed.error }, 400);
    }
    const { delivery, issues } = parsed;
    // Items the parser had to drop (no id, unknown status, ...): logged, not refused, because a
    // non-200 answer would make Meta resend the whole delivery for days.
    if (issues.length > 0) log.warn({ issues }, "whatsapp webhook: dropped malformed items");
    if (delivery.ignoredFields.length > 0)
      log.info({ fields: delivery.ignoredFields }, "whatsapp webhook: ignored change fields");
    for (const e of delivery.errors)
      log.error(
        { code: e.code, title: e.title, details: e.details },
        "whatsapp reported a system error",
      );
    const result = await batcher.ingest(delivery);
    log.debug({ ...result }, "whatsapp delivery stored");
    opts.onIngested?.(result);
    return c.json({ ok: true });
  });

  return app;
}
