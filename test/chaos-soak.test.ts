import { describe, expect, it } from "vitest";
import { runSoakCampaign } from "../bench/chaos/soak-campaign.ts";

// A 20-second smoke run of the soak campaign (`npm run chaos:soak`, ≥ 10 minutes): the script's
// code works and mixed traffic loses nothing and sends nothing twice.
describe("soak campaign (smoke)", () => {
  it("20 s of mixed traffic: nothing lost or twice, figures reported", {
    timeout: 60_000,
  }, async () => {
    const result = await runSoakCampaign({
      durationMs: 20_000,
      customerEveryMs: 250,
      agentEveryMs: 1000,
      sampleEveryMs: 5000,
      lateAfterMs: 15_000,
      seed: 2,
      log: (line) => console.error(line),
    });
    console.log(JSON.stringify(result));
    expect(result).toMatchObject({
      lostInbound: 0,
      lostAgentReplies: 0,
      duplicatedGraph: 0,
      duplicatedSlack: 0,
      deadJobs: 0,
    });
    expect(result.rssMb.length).toBeGreaterThanOrEqual(4);
    expect(result.dbLogicalBytesEnd).toBeGreaterThan(result.dbLogicalBytesStart);
  });
});
