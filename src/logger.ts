import { pino } from "pino";

/** The structured logger passed to every factory. */
export type Logger = pino.Logger;

/** Longest log line written, in bytes: a line over it is replaced by a short one saying so. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

// What one logged object may hold: beyond these, strings are cut, arrays and objects summarised,
// and once about 8,000 characters were spent the rest is left out. Far above what a log line
// needs; they only matter when untrusted input (a webhook's items, a payload) ends up in a log.
const MAX_STRING = 2000;
const MAX_ITEMS = 20;
const MAX_KEYS = 50;
const MAX_DEPTH = 6;
const BUDGET = 8000;

/**
 * A copy of a log object that stays small whatever it holds: strings cut to `MAX_STRING`
 * characters, arrays to their first `MAX_ITEMS` items plus a "… N more" marker, objects to
 * `MAX_KEYS` keys, nesting to `MAX_DEPTH` levels (so deep input cannot overflow the stack while
 * it is written), and a running budget over everything. Errors are left to pino's serializer.
 */
export function boundLogValue(value: unknown): unknown {
  const state = { budget: BUDGET };
  return bound(value, 0, state);
}

function bound(value: unknown, depth: number, state: { budget: number }): unknown {
  if (state.budget <= 0) return "[…]";
  switch (typeof value) {
    case "string":
      state.budget -= Math.min(value.length, MAX_STRING) + 2;
      return value.length > MAX_STRING
        ? `${value.slice(0, MAX_STRING)}… (${value.length} chars)`
        : value;
    case "object":
      break;
    default:
      state.budget -= 8;
      return value;
  }
  if (value === null) return value;
  if (value instanceof Error || value instanceof Date) {
    state.budget -= 200;
    return value;
  }
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? "[array]" : "[object]";
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length && i < MAX_ITEMS; i++) {
      if (state.budget <= 0) break;
      out.push(bound(value[i], depth + 1, state));
    }
    if (out.length < value.length) out.push(`… ${value.length - out.length} more`);
    return out;
  }
  const obj = value as Record<string, unknown>;
  if (typeof (obj as { toJSON?: unknown }).toJSON === "function") {
    try {
      return bound((obj as { toJSON(): unknown }).toJSON(), depth, state);
    } catch {
      return "[unserialisable]";
    }
  }
  const out: Record<string, unknown> = {};
  let kept = 0;
  let total = 0;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    total++;
    if (kept >= MAX_KEYS || state.budget <= 0) continue;
    kept++;
    state.budget -= Math.min(key.length, MAX_STRING) + 4;
    out[key.length > MAX_STRING ? `${key.slice(0, MAX_STRING)}…` : key] = bound(
      obj[key],
      depth + 1,
      state,
    );
  }
  if (kept < total) out["…"] = `${total - kept} more keys`;
  return out;
}

/** A log object with each of its values bounded (the top level keeps pino's `err` handling). */
function boundLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  const state = { budget: BUDGET };
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    // Fast path: the usual small log object (ids, counts, short strings) is passed unchanged.
    if (value === null || typeof value === "number" || typeof value === "boolean") continue;
    if (typeof value === "string" && value.length <= MAX_STRING) continue;
    out ??= { ...obj };
    out[key] = bound(value, 1, state);
  }
  return out ?? obj;
}

const errSerializer = (err: unknown) =>
  bound(pino.stdSerializers.err(err as Error), 0, { budget: BUDGET });

/**
 * The last guard: a line still over {@link MAX_LOG_LINE_BYTES} (a huge message text, very many
 * keys) is replaced by a valid JSON line with its level, time, the start of the original and
 * its size, so that one log line can never be megabytes.
 */
function boundLine(line: string): string {
  if (line.length * 3 <= MAX_LOG_LINE_BYTES) return line;
  const bytes = Buffer.byteLength(line);
  if (bytes <= MAX_LOG_LINE_BYTES) return line;
  const head = line.slice(0, 200);
  const level = /"level":(\d+)/.exec(head)?.[1];
  const time = /"time":(\d+)/.exec(head)?.[1];
  return `${JSON.stringify({
    level: level === undefined ? 40 : Number(level),
    time: time === undefined ? Date.now() : Number(time),
    service: "jembatan",
    msg: `log line of ${bytes} bytes cut to ${MAX_LOG_LINE_BYTES / 4} characters`,
    truncated: true,
    head: line.slice(0, MAX_LOG_LINE_BYTES / 4),
  })}\n`;
}

/**
 * JSON logs on stdout. Secrets are redacted by key wherever they appear so that logging a config
 * object or request headers by mistake does not leak them. Every line is bounded: logged values
 * are cut (see {@link boundLogValue}) and no line exceeds {@link MAX_LOG_LINE_BYTES}.
 */
export function createLogger(
  level: pino.LevelWithSilent = "info",
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: "jembatan" },
      formatters: { log: boundLogObject },
      serializers: { err: errSerializer },
      hooks: { streamWrite: boundLine },
      redact: {
        paths: [
          "*.appSecret",
          "*.accessToken",
          "*.verifyToken",
          "*.botToken",
          "*.signingSecret",
          "*.appToken",
          "*.apiKey",
          "*.authorization",
          "*.headers.authorization",
          "*.headers.cookie",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
