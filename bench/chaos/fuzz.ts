import { parseArgs } from "node:util";
import { runFuzzCampaign } from "./fuzz-campaign.ts";

// The full fuzz campaign: `npm run chaos:fuzz` (100,000 mutated real payloads by default,
// WhatsApp and Slack, correctly signed, against a service in a child process). Prints one JSON
// line and exits 1 on any 5xx, hang (> 2 s), crash or failed /healthz. CI size:
// test/chaos-fuzz.test.ts.
const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "4" },
    "hang-ms": { type: "string", default: "2000" },
    seed: { type: "string", default: "1" },
  },
});

const result = await runFuzzCampaign({
  cases: Number(values.cases),
  concurrency: Number(values.concurrency),
  hangMs: Number(values["hang-ms"]),
  seed: Number(values.seed),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
