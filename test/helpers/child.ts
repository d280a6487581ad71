import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** The service running as a real child process. */
export interface ServiceChild {
  proc: ChildProcess;
  port: number;
  /** Every JSON log line it printed so far. */
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
  /** SIGKILLs it if still running and waits for the exit. */
  kill(): Promise<void>;
}

const root = join(import.meta.dirname, "..", "..");
// Absolute, so a child may run in another working directory (where no .env can interfere).
export const TSX = import.meta.resolve("tsx");
export const MAIN = join(root, "src/main.ts");

/**
 * Starts `src/main.ts` with only `env` (and PATH) and waits for its "started" log line.
 * `nodeArgs` go to node itself, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). `onSpawn` gets
 * the process as soon as it exists, e.g. to kill it if the caller exits while it is starting.
 */
export async function startServiceChild(
  env: Record<string, string>,
  cwd = root,
  nodeArgs: string[] = [],
  onSpawn?: (proc: ChildProcess) => void,
): Promise<ServiceChild> {
  const proc = spawn(process.execPath, [...nodeArgs, "--import", TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  onSpawn?.(proc);
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) =>
    proc.once("exit", (code) => resolve(code)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on("line", (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === "jembatan started") resolve(entry.port as number);
      } catch {
        // not a log line
      }
    });
    exited.then((code) =>
      reject(new Error(`service exited with ${code} before starting: ${stderr}`)),
    );
  });
  return {
    proc,
    port,
    lines,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** What a child process printed before it exited. */
export interface ChildExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` (default `src/main.ts`) with `args` as a real child process with only `env` (and
 * PATH), in `cwd`, and resolves once it exits (SIGKILLed after `timeoutMs`): for commands and
 * starts that are expected to end on their own.
 */
export function runToExit(opts: {
  script?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}): Promise<ChildExit> {
  return new Promise((resolve) => {
    const proc = spawn(
      process.execPath,
      ["--import", TSX, opts.script ?? MAIN, ...(opts.args ?? [])],
      {
        cwd: opts.cwd ?? root,
        env: { PATH: process.env.PATH ?? "", ...opts.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d) => {
      stdout += String(d);
    });
    proc.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
