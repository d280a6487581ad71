// Entry point of `npm run eval`; the command itself lives in command.ts so tests can run it
// in-process.
import { loadEnvFile } from "../config.ts";
import { runEvalCommand } from "./command.ts";

process.exitCode = await runEvalCommand(process.argv.slice(2), {
  // Like the service: the environment, over `.env` in the working directory when present.
  env: loadEnvFile(),
  // Loaded only for a model run, so that `--offline` never touches the SDK, prompt or knowledge.
  createRunner: async (env) => (await import("../ai/eval-runner.ts")).createEvalRunner(env),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
