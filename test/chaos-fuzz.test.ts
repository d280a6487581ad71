import { describe, expect, it } from "vitest";
import { runFuzzCampaign } from "../bench/chaos/fuzz-campaign.ts";

// The CI-sized fuzz campaign: the same code as `npm run chaos:fuzz` (≥ 100,000 cases), smaller.
// Mutated real WhatsApp and Slack payloads, correctly signed, against a service in a child
// process: no 5xx, no answer slower than 2 s, no crash, /healthz up throughout.
describe("fuzz campaign (CI size)", () => {
  it("no 5xx, hang or crash over mutated real payloads", { timeout: 60_000 }, async () => {
    const result = await runFuzzCampaign({
      cases: 1000,
      seed: 21,
      log: (line) => console.error(line),
    });
    console.log(JSON.stringify(result));
    expect(result.cases).toBe(1000);
    expect(result.slackCases).toBeGreaterThan(100);
    expect(result).toMatchObject({ fiveXx: 0, hangs: 0, crashes: 0, healthFailures: 0, ok: true });
  });
});
