import type { Logger } from "./logger.ts";

/**
 * A child logger that is only built when first used. Every request and every job gets its own
 * logger with its ids, but most never log above debug (successful webhooks, finished jobs):
 * building a pino child each time (bindings serialised, redaction set up) was about 4 % of a
 * webhook delivery's CPU time in bench/ingest. A Proxy keeps the full `Logger` type.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = () => {
    child ??= parent.child(bindings);
    return child;
  };
  return new Proxy({} as Logger, {
    get(_target, prop) {
      // A call at a disabled level (the webhook's per-delivery debug line) must not build it.
      if (child === undefined && isDisabledLevel(parent, prop)) return noop;
      const target = real();
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    set(_target, prop, value) {
      return Reflect.set(real(), prop, value);
    },
    has(_target, prop) {
      return Reflect.has(real(), prop);
    },
  });
}

const LEVELS: ReadonlySet<string> = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
const noop = () => {};

function isDisabledLevel(parent: Logger, prop: string | symbol): boolean {
  return typeof prop === "string" && LEVELS.has(prop) && !parent.isLevelEnabled(prop);
}
