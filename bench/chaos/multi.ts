import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { multiBroken, runMultiInstanceCampaign } from "./multi-campaign.ts";

// The full multi-instance campaign: `npm run chaos:multi` (≥ 100 SIGKILLs by default) on
// PostgreSQL. Prints the figures as JSON; a CI-sized run of the same code is
// test/multi-instance.test.ts. Uses JEMBATAN_TEST_PG_URL's server when set, else starts a
// throwaway cluster (scripts/pg-throwaway.sh, Debian's postgresql package) and stops it after.
const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "3" },
    kills: { type: "string", default: "100" },
    "ai-customers": { type: "string", default: "10" },
    "human-customers": { type: "string", default: "4" },
    "kill-gap-ms": { type: "string", default: "1000-3000" },
    "lease-ms": { type: "string", default: "5000" },
    "heartbeat-ms": { type: "string", default: "1000" },
    // The services' WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS; unset: their default (45 s).
    "unknown-outcome-wait-ms": { type: "string" },
    seed: { type: "string", default: "1" },
  },
});

const root = join(import.meta.dirname, "..", "..");
const script = join(root, "scripts/pg-throwaway.sh");

/** A port nobody listens on right now, for the throwaway cluster. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let cluster: string | null = null;
const stopCluster = () => {
  if (!cluster) return;
  spawnSync(script, ["stop", cluster], { stdio: "ignore" });
  rmSync(cluster, { recursive: true, force: true });
  cluster = null;
};
if (!process.env.JEMBATAN_TEST_PG_URL) {
  const dir = mkdtempSync(join(tmpdir(), "jembatan-pg-"));
  const r = spawnSync(script, ["start", dir, String(await freePort())], { encoding: "utf8" });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`no PostgreSQL: ${(r.stderr || "").trim() || `exit ${r.status}`}\n`);
    process.exit(2);
  }
  cluster = dir;
  process.env.JEMBATAN_TEST_PG_URL = r.stdout.trim();
  process.stderr.write(`throwaway PostgreSQL cluster: ${process.env.JEMBATAN_TEST_PG_URL}\n`);
}
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    stopCluster();
    process.exit(130);
  });

const [gapMin, gapMax] = values["kill-gap-ms"].split("-").map(Number) as [number, number];
let status = 1;
try {
  const result = await runMultiInstanceCampaign({
    instances: Number(values.instances),
    kills: Number(values.kills),
    aiCustomers: Number(values["ai-customers"]),
    humanCustomers: Number(values["human-customers"]),
    killGapMs: [gapMin, gapMax],
    leaseMs: Number(values["lease-ms"]),
    heartbeatMs: Number(values["heartbeat-ms"]),
    ...(values["unknown-outcome-wait-ms"]
      ? { env: { WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: values["unknown-outcome-wait-ms"] } }
      : {}),
    seed: Number(values.seed),
    settleTimeoutMs: 300_000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  status = multiBroken(result) > 0 || result.problems.length > 0 ? 1 : 0;
} finally {
  stopCluster();
}
process.exit(status);
