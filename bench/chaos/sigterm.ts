import { parseArgs } from "node:util";
import { runSigtermCampaign } from "./sigterm-campaign.ts";

// SIGTERM under load: `npm run chaos:sigterm` (50 stops by default). Prints one JSON line and
// exits 1 on any loss, duplicate or unclean stop. CI size: test/chaos-sigterm.test.ts.
const { values } = parseArgs({
  options: {
    stops: { type: "string", default: "50" },
    "run-ms": { type: "string", default: "4000" },
    "shutdown-ms": { type: "string", default: "5000" },
    "exit-grace-ms": { type: "string", default: "3000" },
    "customer-every-ms": { type: "string", default: "100" },
    "agent-every-ms": { type: "string", default: "300" },
    "graph-latency-ms": { type: "string", default: "200" },
    "late-after-ms": { type: "string", default: "30000" },
    seed: { type: "string", default: "1" },
  },
});

const result = await runSigtermCampaign({
  stops: Number(values.stops),
  runMs: Number(values["run-ms"]),
  shutdownMs: Number(values["shutdown-ms"]),
  exitGraceMs: Number(values["exit-grace-ms"]),
  customerEveryMs: Number(values["customer-every-ms"]),
  agentEveryMs: Number(values["agent-every-ms"]),
  graphLatencyMs: Number(values["graph-latency-ms"]),
  lateAfterMs: Number(values["late-after-ms"]),
  settleTimeoutMs: 300_000,
  seed: Number(values.seed),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
