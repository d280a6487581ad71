import { ConfigError, loadConfigFromProcess } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startService } from "./service.ts";

// Composition root: parse config once, start, and drain on SIGTERM/SIGINT.
let config: ReturnType<typeof loadConfigFromProcess>;
try {
  config = loadConfigFromProcess();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(
      `jembatan: ${err.message}\nSee .env.example and the README's configuration table.\n`,
    );
    process.exit(1);
  }
  throw err;
}

const logger = createLogger(config.logLevel);
// A stray promise in a listener must not take the service down; the work itself is durable.
process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled promise rejection"));
try {
  const service = await startService(config, logger);
  let stopping = false;
  // Runs as the process that receives the signals: production starts it with
  // `node --import tsx src/main.ts` (tsx as an in-process loader, no wrapper process; `npm start`
  // execs the same command). First SIGTERM/SIGINT: webhooks get 503, running jobs get
  // JOB_SHUTDOWN_MS to finish and the rest are released to the queue for the next start. A
  // second signal releases them at once and exits.
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: releasing running jobs and exiting now");
      try {
        service.abandon();
      } finally {
        process.exit(1);
      }
    }
    stopping = true;
    logger.info({ signal }, "shutting down: draining jobs");
    service.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
} catch (err) {
  logger.fatal({ err }, "jembatan failed to start");
  process.exit(1);
}
