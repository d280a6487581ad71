import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { TSX } from "./helpers/child.ts";

const run = promisify(execFile);

describe("job runner in a process of its own", () => {
  // In the test runner's own process other timers keep waking the event loop and hide this; a
  // quiet service has nothing but its poll timer (JOB_POLL_MS, 250 ms by default).
  it("starts a woken job without waiting for the next timer", async () => {
    const script = join(import.meta.dirname, "helpers", "runner-wake-child.ts");
    const { stdout } = await run(process.execPath, ["--import", TSX, script], { timeout: 20_000 });
    const { elapsedMs } = JSON.parse(stdout.trim()) as { elapsedMs: number };
    // The fallback fires at 3 s: a job that waited for a timer shows up as ~3,000 ms.
    expect(elapsedMs).toBeLessThan(1_000);
  });
});
