// Child process of test/runner-wake.test.ts: a job runner alone in a process, as in a quiet
// service between two messages. Prints {"elapsedMs":N}: how long a woken job took to start.

import { enqueueJob } from "../../src/jobs/repository.ts";
import { createJobRunner } from "../../src/jobs/runner.ts";
import { createLogger } from "../../src/logger.ts";
import { openTestDatabase } from "../../src/store/testing.ts";

const t = openTestDatabase();
let startedAt = 0;
const runner = createJobRunner({
  db: t.db,
  logger: createLogger("warn", process.stderr),
  handlers: {
    h: async () => {
      finish(Date.now() - startedAt);
    },
  },
  leaseMs: 5_000,
  // Far away: only the wake can start the job in time.
  pollMs: 60_000,
  concurrency: 1,
});

// The only other thing that wakes the event loop: a late fallback.
const fallback = setTimeout(() => finish(Date.now() - startedAt), 3_000);

function finish(elapsedMs: number) {
  clearTimeout(fallback);
  process.stdout.write(`${JSON.stringify({ elapsedMs })}\n`);
  runner.stop().finally(() => {
    t.cleanup();
    process.exit(0);
  });
}

runner.start();
// Let the start-up claim find nothing, then queue from a timer callback, as a webhook would
// from an I/O callback, and go back to sleep.
setTimeout(() => {
  enqueueJob(t.db, { kind: "h", payload: null });
  startedAt = Date.now();
  runner.wake();
}, 50);
