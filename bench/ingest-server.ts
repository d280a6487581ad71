// Child process of bench/ingest.ts: serves either a bare Hono endpoint (the baseline) or the real
// service, on a free port, and prints {"port":N} once listening.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { loadConfig } from "../src/config.ts";
import { startServer } from "../src/emulators/server.ts";
import { createLogger } from "../src/logger.ts";
import { startService } from "../src/service.ts";
import { testEnv } from "../test/helpers/harness.ts";

const mode = process.argv[2];
// Exit cleanly on SIGTERM so `--cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
if (mode === "bare") {
  const app = new Hono();
  app.post("/webhooks/whatsapp", async (c) => {
    await c.req.arrayBuffer();
    return c.json({ ok: true });
  });
  const server = await startServer(app);
  process.stdout.write(`${JSON.stringify({ benchReady: true, port: server.port })}\n`);
} else if (mode === "webhook") {
  const dir = mkdtempSync(join(tmpdir(), "jembatan-bench-"));
  // Turns are held back by the burst window so the figure measures ingest alone. The job runner
  // polls at the service's default, not the tests' fast 20 ms.
  const config = loadConfig(
    testEnv("http://127.0.0.1:9", dir, {
      LOG_LEVEL: "warn",
      JOB_BURST_MS: "60000",
      JOB_POLL_MS: "250",
    }),
  );
  const service = await startService(config, createLogger("warn"));
  process.stdout.write(`${JSON.stringify({ benchReady: true, port: service.port })}\n`);
} else {
  process.stderr.write("usage: ingest-server.ts bare|webhook\n");
  process.exit(2);
}
