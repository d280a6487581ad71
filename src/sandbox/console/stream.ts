import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../../http/app.ts";

/** How {@link streamState} watches the world. */
export interface StreamStateOptions {
  /** The current state; throws once the world is gone (the stream then ends). */
  snapshot: () => unknown;
  pollMs: number;
  heartbeatMs: number;
  opened: () => void;
  closed: () => void;
}

/**
 * `text/event-stream` of state snapshots: the first at once, then one each time the world's
 * state (as JSON) differs from the last one pushed, checked every `pollMs`. Polling keeps the
 * console out of the service's code paths (no hooks in the service for a developer tool); a quiet
 * stream gets a heartbeat comment. A disconnected client ends the loop at its next tick.
 * Timing uses `performance.now()`: the sandbox clock moves `Date.now()` by hours.
 */
export function streamState(c: Context<AppEnv>, opts: StreamStateOptions): Response {
  return streamSSE(c, async (stream) => {
    opts.opened();
    let done = false;
    stream.onAbort(() => {
      done = true;
    });
    try {
      let last = "";
      let lastWrite = performance.now();
      let counter = 0;
      while (!done && !stream.aborted && !stream.closed) {
        let json: string;
        try {
          json = JSON.stringify(opts.snapshot());
        } catch {
          break; // the world stopped (database closed): nothing more to show
        }
        if (json !== last) {
          counter += 1;
          await stream.writeSSE({ event: "state", data: json, id: String(counter) });
          last = json;
          lastWrite = performance.now();
        } else if (performance.now() - lastWrite >= opts.heartbeatMs) {
          await stream.write(": heartbeat\n\n");
          lastWrite = performance.now();
        }
        await stream.sleep(opts.pollMs);
      }
    } finally {
      opts.closed();
    }
  });
}
