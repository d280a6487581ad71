import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DETECTION_DIR, formatDetection, runDetection } from "./detection.ts";
import { formatReport } from "./format.ts";
import { checkGates, GATE_KEYS, type Gate, parseGate, RECOMMENDED_GATES } from "./gates.ts";
import { GoldenFileError, type GoldenRecord, parseGolden } from "./golden.ts";
import { type ModelRunner, runEval } from "./run.ts";

/** What the eval command needs from its surroundings; tests pass fakes. */
export interface EvalCommandDeps {
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Builds the model runner for a run without `--offline`. Called only when
   * `ANTHROPIC_API_KEY` is set; returning `undefined` means no model evaluation is possible.
   */
  createRunner?: (
    env: Readonly<Record<string, string | undefined>>,
  ) => ModelRunner | undefined | Promise<ModelRunner | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Where the detection set lives; tests point elsewhere. Default: eval/detection/. */
  detectionDir?: string;
}

/** Exit codes: all gates passed, a gate failed, the command could not run. */
export const EXIT = { ok: 0, gateFailed: 1, usage: 2 } as const;

/** The golden set kept in the repository (see eval/README.md); the default FILE. */
export const DEFAULT_GOLDEN = join(import.meta.dirname, "..", "..", "eval", "golden.jsonl");

export const USAGE = `usage: npm run eval -- [--offline] [--json] [--detection] [--gate key=value ...] [FILE.jsonl]

Runs labelled customer messages (format: eval/README.md; default eval/golden.jsonl) through the
deterministic triggers and the tier router, and, without --offline, through the model
(needs ANTHROPIC_API_KEY). Prints precision/recall of handoff, opt-out and injection
detection, tier accuracy, and with the model p95 latency and cost per message.

  --offline        triggers and router only, no model calls
  --detection      also report the triggers on the detection set (eval/detection/: tune and
                   held-out parts side by side); on by default when no FILE is given
  --json           print exactly one JSON line instead of the table
  --gate K=V       fail (exit 1) unless figure K meets V; repeatable. "=" means at least
                   for ratios and at most for latency, cost and errors; ">=" and "<="
                   are explicit. No gates by default.
                   recommended: ${RECOMMENDED_GATES.map((g) => `--gate ${g}`).join(" ")}
                   figures: ${GATE_KEYS.join(", ")}

exit codes: 0 ok, 1 a gate failed, 2 bad usage, unreadable or invalid file, no model
`;

type Parsed = {
  offline: boolean;
  json: boolean;
  detection: boolean;
  gates: Gate[];
  file: string;
};

function parse(argv: readonly string[]): Parsed | { help: true } {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      offline: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      detection: { type: "boolean", default: false },
      gate: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return { help: true };
  if (positionals.length > 1) throw new Error("expected at most one FILE.jsonl");
  const file = positionals[0] ?? DEFAULT_GOLDEN;
  // The detection set belongs with the repository's own golden set: shown unless another file
  // is evaluated, where it is asked for explicitly.
  const detection = values.detection || positionals[0] === undefined;
  return {
    offline: values.offline,
    json: values.json,
    detection,
    gates: values.gate.map(parseGate),
    file,
  };
}

async function load(file: string): Promise<GoldenRecord[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new GoldenFileError(`cannot read ${file}: ${why}`);
  }
  try {
    return parseGolden(text);
  } catch (err) {
    if (err instanceof GoldenFileError) throw new GoldenFileError(`${file}: ${err.message}`);
    throw err;
  }
}

async function modelRunner(deps: EvalCommandDeps): Promise<ModelRunner | string> {
  if (!deps.env.ANTHROPIC_API_KEY)
    return "model evaluation needs ANTHROPIC_API_KEY (or use --offline)";
  const runner = await deps.createRunner?.(deps.env);
  return runner ?? "model evaluation is not available in this build (use --offline)";
}

/**
 * The `npm run eval` command: parse arguments, load and validate the labelled file, evaluate,
 * print a table or one JSON line, and check gates. Resolves to the process exit code.
 */
export async function runEvalCommand(argv: readonly string[], deps: EvalCommandDeps) {
  let args: Parsed | { help: true };
  try {
    args = parse(argv);
  } catch (err) {
    deps.stderr(`eval: ${(err as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if ("help" in args) {
    deps.stdout(USAGE);
    return EXIT.ok;
  }

  let records: GoldenRecord[];
  try {
    records = await load(args.file);
  } catch (err) {
    if (!(err instanceof GoldenFileError)) throw err;
    deps.stderr(`eval: ${err.message}\n`);
    return EXIT.usage;
  }

  let runner: ModelRunner | undefined;
  if (!args.offline) {
    const found = await modelRunner(deps);
    if (typeof found === "string") {
      deps.stderr(`eval: ${found}\n`);
      return EXIT.usage;
    }
    runner = found;
  }

  const report = await runEval(records, runner ? { runner } : {});
  const gates = checkGates(report, args.gates);
  const failed = gates.filter((g) => !g.passed);
  let detection: Awaited<ReturnType<typeof runDetection>> | undefined;
  if (args.detection) {
    try {
      detection = await runDetection(deps.detectionDir ?? DETECTION_DIR);
    } catch (err) {
      deps.stderr(`eval: detection set: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
  }
  if (args.json) {
    // The misses of the detection set stay out of the one-line JSON: they are for tuning.
    const compact = detection && {
      tune: { ...detection.tune, misses: detection.tune.misses.length },
      heldout: { ...detection.heldout, misses: detection.heldout.misses.length },
    };
    const extra = compact ? { detection: compact } : {};
    deps.stdout(`${JSON.stringify({ ...report, ...extra, gates, passed: failed.length === 0 })}\n`);
  } else {
    deps.stdout(formatReport(report, args.file, gates));
    if (detection) deps.stdout(`\n${formatDetection(detection)}`);
  }
  if (failed.length > 0) {
    const list = failed.map((g) => `${g.key} ${g.op} ${g.threshold} (got ${g.value ?? "n/a"})`);
    deps.stderr(`eval: ${failed.length} gate(s) failed: ${list.join(", ")}\n`);
    return EXIT.gateFailed;
  }
  return EXIT.ok;
}
