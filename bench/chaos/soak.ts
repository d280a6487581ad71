import { parseArgs } from "node:util";
import { runSoakCampaign } from "./soak-campaign.ts";

// The soak campaign: `npm run chaos:soak` (10 minutes of mixed traffic by default; `--minutes`).
// Prints one JSON line (throughput, answer latencies, the child's RSS over time, database
// growth, lost / duplicated) and exits 1 on any loss, duplicate or late outcome. A 20-second
// smoke run of the same code is test/chaos-soak.test.ts.
const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    "customer-every-ms": { type: "string", default: "200" },
    "agent-every-ms": { type: "string", default: "1000" },
    "sample-every-ms": { type: "string", default: "15000" },
    "late-after-ms": { type: "string", default: "30000" },
    "graph-latency-ms": { type: "string", default: "30" },
    seed: { type: "string", default: "1" },
  },
});

const result = await runSoakCampaign({
  durationMs: Number(values.minutes) * 60_000,
  customerEveryMs: Number(values["customer-every-ms"]),
  agentEveryMs: Number(values["agent-every-ms"]),
  sampleEveryMs: Number(values["sample-every-ms"]),
  lateAfterMs: Number(values["late-after-ms"]),
  graphLatencyMs: Number(values["graph-latency-ms"]),
  seed: Number(values.seed),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
