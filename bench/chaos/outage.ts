import { parseArgs } from "node:util";
import type { FailureKind } from "./common.ts";
import { allWindows, type OutageRemote, runOutageCampaign } from "./outage-campaign.ts";

// The full outage campaign: `npm run chaos:outage` (each remote alone and both together, each
// failure mode, 10 minutes per window, the service's production retry settings). Prints one
// JSON line and exits 1 on any loss, duplicate, late outcome or undrained queue. The issue's
// acceptance check: `npm run chaos:outage -- --window-ms 130000 --remotes graph` (a customer
// writing during a 130 s Graph outage is answered within 60 s of recovery; an agent reply
// written during an outage is delivered exactly once). CI size: test/chaos-outage.test.ts.
const { values } = parseArgs({
  options: {
    "window-ms": { type: "string", default: "600000" },
    remotes: { type: "string", default: "graph,slack,both" },
    failures: { type: "string", default: "5xx,429,429-retry-after,refused,hang" },
    "late-after-ms": { type: "string", default: "60000" },
    "retry-after-s": { type: "string", default: "5" },
    "customer-every-ms": { type: "string", default: "2000" },
    "agent-every-ms": { type: "string", default: "5000" },
    "drain-timeout-ms": { type: "string", default: "600000" },
    // Production defaults unless given, e.g. `--env WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS=30000`.
    env: { type: "string", multiple: true, default: [] },
    seed: { type: "string", default: "1" },
  },
});

const env: Record<string, string> = { WHATSAPP_TIMEOUT_MS: "10000" };
for (const kv of values.env) {
  const at = kv.indexOf("=");
  env[kv.slice(0, at)] = kv.slice(at + 1);
}
const result = await runOutageCampaign({
  windows: allWindows(
    values.remotes.split(",") as OutageRemote[],
    values.failures.split(",") as FailureKind[],
  ),
  windowMs: Number(values["window-ms"]),
  customerEveryMs: Number(values["customer-every-ms"]),
  agentEveryMs: Number(values["agent-every-ms"]),
  lateAfterMs: Number(values["late-after-ms"]),
  retryAfterSeconds: Number(values["retry-after-s"]),
  drainTimeoutMs: Number(values["drain-timeout-ms"]),
  env,
  seed: Number(values.seed),
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.ok ? 0 : 1);
