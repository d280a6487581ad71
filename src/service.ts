import type { ServerType } from "@hono/node-server";
import { serve } from "@hono/node-server";
import type { Config } from "./config.ts";
import { createHttpApp } from "./http/app.ts";
import { createJobRunner, type JobRunner } from "./jobs/runner.ts";
import type { JobHandler } from "./jobs/types.ts";
import type { Logger } from "./logger.ts";
import { type Db, openDatabase } from "./store/db.ts";
import { createTurnJob } from "./turns/turn-job.ts";
import { recordOnlyProcessor, type TurnProcessor } from "./turns/types.ts";
import { createGraphClient, type GraphClient } from "./whatsapp/graph/client.ts";
import { createWhatsAppRoutes } from "./whatsapp/routes.ts";

/** A started service. */
export interface Service {
  config: Config;
  db: Db;
  graph: GraphClient;
  runner: JobRunner;
  /** The bound HTTP port (useful with PORT=0). */
  port: number;
  url: string;
  /** Stops accepting requests, drains running jobs, closes the database. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface ServiceOverrides {
  processor?: TurnProcessor;
}

/**
 * Wires everything from a parsed Config: database (migrated), Graph client, job runner and its
 * handlers, HTTP routes; then listens. The one place that knows every module.
 */
export async function startService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<Service> {
  const db = openDatabase(config.databasePath);
  const graph = createGraphClient({
    baseUrl: config.whatsapp.graphUrl,
    version: config.whatsapp.graphVersion,
    accessToken: config.whatsapp.accessToken,
    phoneNumberId: config.whatsapp.phoneNumberId,
    businessAccountId: config.whatsapp.businessAccountId,
    timeoutMs: config.whatsapp.timeoutMs,
  });
  const handlers: Record<string, JobHandler<never>> = {
    turn: createTurnJob({
      db,
      graph,
      processor: overrides.processor ?? recordOnlyProcessor,
      logger: logger.child({ component: "turn" }),
    }),
  };
  const runner = createJobRunner({
    db,
    logger: logger.child({ component: "jobs" }),
    handlers,
    leaseMs: config.jobs.leaseMs,
    pollMs: config.jobs.pollMs,
    concurrency: config.jobs.concurrency,
  });
  const app = createHttpApp({
    logger,
    db,
    mounts: {
      "/webhooks/whatsapp": createWhatsAppRoutes({
        db,
        appSecret: config.whatsapp.appSecret,
        verifyToken: config.whatsapp.verifyToken,
        ingest: {
          burstMs: config.jobs.burstMs,
          maxBurstMs: config.jobs.burstMs * 4,
          maxAttempts: config.jobs.maxAttempts,
        },
        onIngested: (r) => {
          if (r.inserted > 0) runner.wake(Date.now() + config.jobs.burstMs);
        },
      }),
    },
  });
  const { server, port } = await listen(app.fetch, config.port);
  runner.start();
  logger.info({ port, database: config.databasePath, worker: runner.workerId }, "jembatan started");

  return {
    config,
    db,
    graph,
    runner,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop(timeoutMs = 10_000) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runner.stop(timeoutMs);
      db.$client.close();
      logger.info("jembatan stopped");
    },
  };
}

function listen(
  fetch: Parameters<typeof serve>[0]["fetch"],
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port }, (info) => resolve({ server, port: info.port }));
    server.once("error", reject);
  });
}
