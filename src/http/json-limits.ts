/**
 * Limits on untrusted JSON at the edge: how deeply it may nest. Meta's and Slack's real payloads
 * nest less than 20 levels (a WhatsApp message's own fields start at level 8); thousands of levels
 * can only be an accident or an attack, and `JSON.stringify` (storing a raw message, logging it)
 * recurses and throws a `RangeError` long before `JSON.parse` (iterative in V8) has a problem.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether the JSON `text` (UTF-8 bytes or a string) nests objects and arrays deeper than `limit`, found in one
 * linear pass without parsing: brackets inside strings (escapes included) do not count. The text
 * need not be valid JSON; an unbalanced text is judged on the deepest point it reaches. Stops at
 * the first level over the limit.
 */
export function jsonDepthExceeds(text: Uint8Array | string, limit = MAX_JSON_DEPTH): boolean {
  // The characters that matter are ASCII, so UTF-8 bytes and UTF-16 code units scan alike.
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > limit) return true;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** What {@link pruneDeepJson} put in place of a container nested too deeply. */
export const PRUNED_MARKER = `[nested deeper than ${MAX_JSON_DEPTH} levels: removed]`;

/** The outcome of {@link pruneDeepJson}: how many containers were cut and where the first were. */
export interface PruneResult {
  pruned: number;
  /** Paths like `entry[0].changes[0].value.messages[3].x`, at most `maxPaths` of them. */
  paths: string[];
}

interface Frame {
  value: Record<string, unknown> | unknown[];
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

function pathOf(frame: Frame | undefined, key: string | number): string {
  const parts: (string | number)[] = [key];
  for (let f = frame; f?.parent !== undefined; f = f.parent) parts.push(f.key);
  let path = "";
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i] as string | number;
    path += typeof part === "number" ? `[${part}]` : path === "" ? part : `.${part}`;
  }
  return path;
}

/**
 * Replaces, in place, every object or array of a parsed JSON value that sits deeper than `limit`
 * levels with {@link PRUNED_MARKER}, so that anything later walking the value recursively
 * (`JSON.stringify`, a logger) stays within a bounded depth. Iterative: any depth is safe.
 */
export function pruneDeepJson(root: unknown, limit = MAX_JSON_DEPTH, maxPaths = 10): PruneResult {
  const result: PruneResult = { pruned: 0, paths: [] };
  if (typeof root !== "object" || root === null) return result;
  const stack: Frame[] = [{ value: root as Frame["value"], depth: 1, parent: undefined, key: "" }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const container = frame.value;
    const visit = (child: unknown, key: string | number, set: (v: unknown) => void) => {
      if (typeof child !== "object" || child === null) return;
      if (frame.depth + 1 > limit) {
        set(PRUNED_MARKER);
        result.pruned++;
        if (result.paths.length < maxPaths) result.paths.push(pathOf(frame, key));
        return;
      }
      stack.push({ value: child as Frame["value"], depth: frame.depth + 1, parent: frame, key });
    };
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        visit(container[i], i, (v) => {
          container[i] = v;
        });
      }
    } else {
      for (const key of Object.keys(container)) {
        visit(container[key], key, (v) => {
          container[key] = v;
        });
      }
    }
  }
  return result;
}
