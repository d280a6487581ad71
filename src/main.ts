import { ConfigError, loadConfig, loadEnvFile, loadLogLevel, startMode } from "./config.ts";
import { createLogger } from "./logger.ts";
import { type Service, startService } from "./service.ts";
import { startupProblem } from "./startup-problem.ts";

// Composition root: parse config once, start (the service, or the sandbox when no credential
// is set outside production), and drain on SIGTERM/SIGINT.
function fail(message: string): never {
  process.stderr.write(`jembatan: ${message}\n`);
  process.exit(1);
}

const env = loadEnvFile();
let mode: ReturnType<typeof startMode>;
let config: ReturnType<typeof loadConfig> | null = null;
let logLevel: ReturnType<typeof loadLogLevel>;
try {
  mode = startMode(env);
  if (mode === "service") config = loadConfig(env);
  // The sandbox is quiet by default: its banner is what a newcomer should see.
  logLevel = config?.logLevel ?? loadLogLevel(env, "warn");
} catch (err) {
  if (err instanceof ConfigError)
    fail(`${err.message}\nSee .env.example and the README's configuration table.`);
  throw err;
}

const logger = createLogger(logLevel);
// A stray promise in a listener must not take the service down; the work itself is durable.
process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled promise rejection"));
let stoppable: Pick<Service, "stop" | "abandon">;
try {
  if (config) {
    stoppable = await startService(config, logger);
  } else {
    const { startSandboxFromCli } = await import("./sandbox/cli.ts");
    stoppable = await startSandboxFromCli(env, logger);
  }
} catch (err) {
  // A remote that refuses the configured credentials (Slack's auth.test) or cannot be reached
  // is one clear line naming the variable, not a stack trace.
  const problem = startupProblem(err);
  if (problem) fail(problem);
  logger.fatal({ err }, "jembatan failed to start");
  process.exit(1);
}

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
      stoppable.abandon();
    } finally {
      process.exit(1);
    }
  }
  stopping = true;
  logger.info({ signal }, "shutting down: draining jobs");
  stoppable.stop().then(
    () => process.exit(0),
    (err) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
