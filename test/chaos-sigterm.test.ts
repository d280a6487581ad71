import { describe, expect, it } from "vitest";
import { runSigtermCampaign } from "../bench/chaos/sigterm-campaign.ts";

// The CI-sized SIGTERM campaign: the same code as `npm run chaos:sigterm`, smaller. Customers
// write and agents reply while the service is stopped with SIGTERM and started again.
describe("SIGTERM under load (CI size)", () => {
  it("every stop exits 0 in time; webhooks refused while draining are redelivered; nothing lost or twice", {
    timeout: 60_000,
  }, async () => {
    const result = await runSigtermCampaign({
      stops: 4,
      runMs: 1500,
      shutdownMs: 1000,
      exitGraceMs: 3000,
      customerEveryMs: 200,
      agentEveryMs: 600,
      graphLatencyMs: 150,
      lateAfterMs: 20_000,
      settleTimeoutMs: 20_000,
      env: { JOB_BACKOFF_MAX_MS: "500", WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: "5000" },
      seed: 4,
      log: (line) => console.error(line),
    });
    console.log(JSON.stringify(result));
    expect(result).toMatchObject({
      cleanStops: 4,
      lostInbound: 0,
      lostAgentReplies: 0,
      duplicatedGraph: 0,
      duplicatedSlack: 0,
      deadJobs: 0,
      otherAnswers: 0,
      ok: true,
    });
    // Some deliveries met a draining or stopped service and were delivered again.
    expect(result.drain503 + result.refusedConnections).toBeGreaterThan(0);
  });
});
