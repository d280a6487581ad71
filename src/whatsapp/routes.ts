import { Hono } from "hono";
import type { AppEnv } from "../http/app.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH, pruneDeepJson } from "../http/json-limits.ts";
import type { Db } from "../store/db.ts";
import type { IngestOptions, IngestResult } from "./ingest.ts";
import { createIngestBatcher } from "./ingest-batcher.ts";
import { parseDelivery } from "./webhook/normalize.ts";
import { verifyMetaSignature } from "./webhook/signature.ts";

/** How many dropped items, ignored fields or reported errors one delivery logs in full. */
const LOGGED_ITEMS = 10;
/** Longest text (a field name, an error's details) a log line quotes. */
const LOGGED_TEXT = 500;
/** Deeper than this a body is refused unparsed; between MAX_JSON_DEPTH and this it is cut. */
const MAX_PARSED_DEPTH = 100_000;

const cut = <T extends string | null | undefined>(s: T): T =>
  typeof s !== "string" || s.length <= LOGGED_TEXT ? s : (`${s.slice(0, LOGGED_TEXT)}…` as T);

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
    // Nesting. A body that nests deeper than MAX_JSON_DEPTH is not refused: a 4xx makes Meta
    // redeliver the same body for days, and the good items in it would never be stored. JSON.parse
    // is iterative in V8 (any depth parses), so only the too-deep parts are cut, in place, before
    // anything recursive (zod, JSON.stringify of the raw message when it is stored, the logger)
    // sees them: they become a marker string and the cut is logged. The items around them are
    // handled as usual (a message whose content was cut degrades to an `unsupported` event).
    // Only beyond MAX_PARSED_DEPTH is the body refused (400) without parsing it: no WhatsApp
    // delivery comes near it, and parsing such nesting costs about 2 µs a level (3 MB of `[`
    // held the event loop for 2.7 s). Both byte scans are linear and stop at the first level
    // over their limit; real deliveries never get there, so the pruning walk costs nothing on
    // the normal path.
    const tooDeep = jsonDepthExceeds(raw, MAX_JSON_DEPTH);
    if (tooDeep && jsonDepthExceeds(raw, MAX_PARSED_DEPTH)) {
      log.warn(
        { bytes: raw.length, maxDepth: MAX_PARSED_DEPTH },
        "whatsapp webhook rejected: JSON nested too deeply to parse",
      );
      return c.json({ error: "too_deep", maxDepth: MAX_PARSED_DEPTH }, 400);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch {
      log.warn({ bytes: raw.length }, "whatsapp webhook rejected: body is not valid JSON");
      return c.json({ error: "invalid_json" }, 400);
    }
    const pruned = tooDeep ? pruneDeepJson(json, MAX_JSON_DEPTH, LOGGED_ITEMS) : undefined;
    const parsed = parseDelivery(json);
    if (!parsed.ok) {
      log.warn(
        { reason: cut(parsed.error) },
        "whatsapp webhook rejected: not a WhatsApp Business delivery",
      );
      return c.json({ error: "invalid_payload", detail: cut(parsed.error) }, 400);
    }
    const { delivery, issues } = parsed;
    if (pruned && pruned.pruned > 0) {
      log.warn(
        { maxDepth: MAX_JSON_DEPTH, count: pruned.pruned, paths: pruned.paths },
        "whatsapp webhook: cut JSON nested too deeply",
      );
    }
    // Items the parser had to drop (no id, unknown status, ...): logged, not refused, because a
    // non-200 answer would make Meta resend the whole delivery for days. Summarised (count and
    // the first few) so that a delivery of 60,000 bad items is one short line, not megabytes.
    if (issues.length > 0) {
      log.warn(
        {
          count: issues.length,
          issues: issues
            .slice(0, LOGGED_ITEMS)
            .map((i) => ({ path: cut(i.path), message: cut(i.message) })),
        },
        "whatsapp webhook: dropped malformed items",
      );
    }
    const ignored = delivery.ignoredFields;
    if (ignored.length > 0) {
      log.info(
        { count: ignored.length, fields: ignored.slice(0, LOGGED_ITEMS).map(cut) },
        "whatsapp webhook: ignored change fields",
      );
    }
    for (const e of delivery.errors.slice(0, LOGGED_ITEMS)) {
      log.error(
        { code: e.code, title: cut(e.title), details: cut(e.details) },
        "whatsapp reported a system error",
      );
    }
    if (delivery.errors.length > LOGGED_ITEMS) {
      log.error(
        { count: delivery.errors.length, logged: LOGGED_ITEMS },
        "whatsapp reported more system errors than are logged one by one",
      );
    }
    const result = await batcher.ingest(delivery);
    log.debug({ ...result }, "whatsapp delivery stored");
    opts.onIngested?.(result);
    return c.json({ ok: true });
  });

  return app;
}
