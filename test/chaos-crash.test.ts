import { describe, expect, it } from "vitest";
import { runCrashCampaign } from "../bench/chaos/crash-campaign.ts";

// The CI-sized crash campaign: the same code as `npm run chaos:crash` (≥ 100 kills), smaller.
// Customers write while the service in a child process is SIGKILLed at random moments and while
// a Graph send is in flight; Meta's redeliveries and status webhooks are played faithfully.
describe("crash campaign (CI size)", () => {
  it("loses nothing and sends nothing twice across SIGKILLs", { timeout: 240_000 }, async () => {
    const result = await runCrashCampaign({
      kills: 6,
      messages: 30,
      customers: 6,
      leaseMs: 2000,
      settleTimeoutMs: 90_000,
      seed: 11,
      log: (line) => console.error(line),
    });
    console.log(JSON.stringify(result));
    expect(result.kills).toBeGreaterThanOrEqual(5);
    expect(result).toMatchObject({ lostInbound: 0, lostOutbound: 0, duplicated: 0 });
    // `late` (no outcome within 30 s) is printed; every answer must still come within a minute.
    expect(result.answerLatencyMsP95).not.toBeNull();
    expect(result.answerLatencyMsP95!).toBeLessThan(60_000);
  });
});
