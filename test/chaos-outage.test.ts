import { describe, expect, it } from "vitest";
import { allWindows, runOutageCampaign } from "../bench/chaos/outage-campaign.ts";

// The CI-sized outage campaign: the same code as `npm run chaos:outage` (10-minute windows),
// with 2-second windows and a 300 ms backoff cap. Each remote alone and both together, each
// failure mode (5xx, 429 with and without Retry-After, connection refused, hanging requests),
// while customers write and agents reply in threads.
const CI_ENV = {
  JOB_BACKOFF_MAX_MS: "300",
  JOB_RETRY_BUDGET_MS: "60000",
  WHATSAPP_TIMEOUT_MS: "1000",
  WHATSAPP_UNKNOWN_OUTCOME_WAIT_MS: "1000",
};

describe("outage campaign (CI size)", () => {
  it.each([
    ["the Graph API and the Slack Web API, each alone", allWindows(["graph", "slack"])],
    ["both together", allWindows(["both"])],
  ])(
    "%s: nothing lost, nothing twice, drained soon after recovery",
    {
      timeout: 60_000,
    },
    async (_name, windows) => {
      const result = await runOutageCampaign({
        windows,
        windowMs: 2000,
        customerEveryMs: 250,
        agentEveryMs: 500,
        lateAfterMs: 5000,
        retryAfterSeconds: 1,
        drainTimeoutMs: 15_000,
        kbCustomers: 4,
        humanCustomers: 2,
        env: CI_ENV,
        seed: 5,
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
      // Lateness against the CI size's tight 5 s mark is printed, not asserted: a Slack post that
      // starts just before a "hanging" window ends waits out the Slack client's 10 s request
      // timeout (seen once in CI: 9.2 s; inferred, see docs/reliability.md). The issue's own bound is asserted.
      expect(result.outcomeLatencyMsMax).toBeLessThan(60_000);
      for (const w of result.windows) {
        expect(w.openJobsAtRecovery, `${w.remote} ${w.failure}`).toBeGreaterThan(0);
        if (w.failure !== "refused") expect(w.failedRequests).toBeGreaterThan(0);
      }
    },
  );
});
