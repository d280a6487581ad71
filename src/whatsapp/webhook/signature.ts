import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

// Meta always sends lowercase hex; accepting only that keeps the check a single exact format.
const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/;

// One key object per secret: importing the key on every delivery cost about a quarter of the
// HMAC (bench/ingest). The app secret does not change while the process runs.
const keys = new Map<string, KeyObject>();
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, "utf8"));
    keys.set(secret, key);
  }
  return key;
}

/**
 * Checks Meta's `X-Hub-Signature-256` header (`sha256=<hex>`) against an HMAC-SHA256 of the raw
 * request bytes keyed with the app secret. Never throws: a missing, malformed or wrong header is
 * simply `false`. Only lowercase hex is accepted (that is what Meta sends); uppercase is rejected.
 */
export function verifyMetaSignature(
  rawBody: Uint8Array,
  header: string | null | undefined,
  appSecret: string,
): boolean {
  if (typeof header !== "string") return false;
  const match = SIGNATURE_FORMAT.exec(header);
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], "hex");
  const expected = createHmac("sha256", keyFor(appSecret)).update(rawBody).digest();
  // The format check guarantees 32 bytes, but timingSafeEqual throws on unequal lengths, so the
  // guard stays in case the format ever changes.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
