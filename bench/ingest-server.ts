// Child process of bench/ingest.ts: serves either a bare Hono endpoint (the baseline) or the real
// service, on a free port, and prints {"port":N} once listening.
//   ingest-server.ts bare
//   ingest-server.ts webhook [postgres://...]   the service on a SQLite file, or on PostgreSQL
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { loadConfig } from "../src/config.ts";
import { startServer } from "../src/emulators/server.ts";
import { createLogger } from "../src/logger.ts";
import { startService } from "../src/service.ts";
import { testEnv } from "../test/helpers/harness.ts";

const mode = process.argv[2];
const databaseUrl = process.argv[3];
// Exit cleanly on SIGTERM so `--cpu-prof` can write its profile; the database folder goes too.
let dir: string | null = null;
process.on("SIGTERM", () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
if (mode === "bare") {
  const app = new Hono();
  app.post("/webhooks/whatsapp", async (c) => {
    await c.req.arrayBuffer();
    return c.json({ ok: true });
  });
  const server = await startServer(app);
  process.stdout.write(`${JSON.stringify({ benchReady: true, port: server.port })}\n`);
} else if (mode === "webhook") {
  dir = mkdtempSync(join(tmpdir(), "jembatan-bench-"));
  // Turns are held back by the burst window so the figure measures ingest alone. The job runner
  // polls at the service's default, not the tests' fast 20 ms.
  const config = loadConfig(
    testEnv("http://127.0.0.1:9", dir, {
      LOG_LEVEL: "warn",
      JOB_BURST_MS: "60000",
      JOB_POLL_MS: "250",
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    }),
  );
  const service = await startService(config, createLogger("warn"));
  process.stdout.write(`${JSON.stringify({ benchReady: true, port: service.port })}\n`);
} else {
  process.stderr.write("usage: ingest-server.ts bare | webhook [postgres-url]\n");
  process.exit(2);
}
