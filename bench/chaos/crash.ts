import { parseArgs } from "node:util";
import { runCrashCampaign } from "./crash-campaign.ts";

// The full crash campaign: `npm run chaos:crash` (≥ 100 SIGKILLs by default). Prints one JSON
// line; a CI-sized run of the same code is test/chaos-crash.test.ts.
const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "100" },
    // Aimed kills need a send at the right moment: 1,000 messages make room for ≥ 100 kills.
    messages: { type: "string", default: "1000" },
    customers: { type: "string", default: "40" },
    "lease-ms": { type: "string", default: "5000" },
    seed: { type: "string", default: "1" },
  },
});

const result = await runCrashCampaign({
  kills: Number(values.kills),
  messages: Number(values.messages),
  customers: Number(values.customers),
  leaseMs: Number(values["lease-ms"]),
  seed: Number(values.seed),
  settleTimeoutMs: 300_000,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.lostInbound + result.lostOutbound + result.duplicated > 0 ? 1 : 0);
