import type { Logger } from "../logger.ts";
import { installSandboxClock } from "./clock.ts";
import { consoleMounts } from "./console/routes.ts";
import { seedSandboxTemplates } from "./console/templates.ts";
import { startSandbox } from "./world.ts";

/** `npm start` with no credentials: the sandbox, with a short banner on stdout. */
export async function startSandboxFromCli(
  env: Record<string, string | undefined>,
  logger: Logger,
): Promise<{ stop(): Promise<void>; abandon(): void }> {
  const clock = installSandboxClock();
  const world = await startSandbox({ env, logger, clock, mounts: consoleMounts });
  seedSandboxTemplates(world);
  const url = world.service.url.replace("127.0.0.1", "localhost");
  const model = world.config.anthropic.apiKey
    ? `Claude (${world.config.anthropic.modelFast} / ${world.config.anthropic.modelSmart})`
    : "the offline knowledge-base responder (set ANTHROPIC_API_KEY for Claude)";
  process.stdout.write(
    [
      "",
      "  jembatan sandbox: WhatsApp, Slack and Meta are emulated in this process.",
      `  Open ${url}/sandbox to write as a customer and answer as an agent.`,
      `  Model: ${model}`,
      `  Database: ${world.config.databasePath} (the sandbox's own; delete it to start over)`,
      "  Going live: set the credentials in .env (see .env.example and docs/deploy.md).",
      "",
      "",
    ].join("\n"),
  );
  return {
    stop: () => world.close(),
    abandon: () => world.service.abandon(),
  };
}
