import { describe, expect, it } from "vitest";
import { multiBroken, runMultiInstanceCampaign } from "../bench/chaos/multi-campaign.ts";
import { testPostgresUrl, testWantsPostgres } from "../src/config.ts";

// Issue 13, point 4: the CI-sized multi-instance campaign, the same code as `npm run chaos:multi`
// (≥ 100 kills). Three service processes share one PostgreSQL database behind a load balancer
// played by the test; customers write on WhatsApp, agents reply in their Slack threads, and
// random instances are SIGKILLed and restarted throughout. Checked from the emulators' records.
// It needs a PostgreSQL server (JEMBATAN_TEST_PG_URL); `npm test` runs it in its PostgreSQL
// pass (JEMBATAN_TEST_ENGINE=postgres).
const skip = !testPostgresUrl() || !testWantsPostgres();

describe.skipIf(skip)("multi-instance SIGKILL campaign on PostgreSQL (CI size)", () => {
  it("loses nothing, sends nothing twice, keeps each conversation's order across 20+ kills", {
    timeout: 600_000,
  }, async () => {
    const result = await runMultiInstanceCampaign({
      instances: 3,
      kills: 20,
      aiCustomers: 5,
      humanCustomers: 3,
      killGapMs: [1000, 3000],
      settleTimeoutMs: 120_000,
      seed: 20,
      log: (line) => console.error(line),
    });
    console.log(JSON.stringify(result));
    expect(result.problems).toEqual([]);
    expect(result.kills).toBeGreaterThanOrEqual(20);
    expect(result.customerMessages).toBeGreaterThan(0);
    expect(result.agentReplies).toBeGreaterThan(0);
    expect(result.lost).toEqual({ customerMessages: 0, agentReplies: 0 });
    expect(result.duplicated).toEqual({ customerMessages: 0, agentReplies: 0, graphSends: 0 });
    expect(result.outOfOrder).toBe(0);
    // No turn showed the model a customer message that a later turn answers.
    expect(result.contextRaces).toBe(0);
    expect(result.handoffs).toBe(3);
    expect(result.rootsPerConversation).toEqual({ min: 1, max: 1, orphans: 0 });
    expect({ open: result.openJobs, dead: result.deadJobs }).toEqual({ open: 0, dead: 0 });
    expect(multiBroken(result)).toBe(0);
  });
});
