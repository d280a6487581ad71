import type { JobOutcome } from "../jobs/types.ts";
import { PermanentJobError } from "../jobs/types.ts";
import type { Logger } from "../logger.ts";
import type { SlackDeps } from "./deps.ts";
import { classifySlackError } from "./web.ts";

/** A Slack call's result inside a job: the value, or what the job should do instead. */
export type SlackCallResult<T> = { ok: true; value: T | null } | { ok: false; outcome: JobOutcome };

/**
 * Runs one Web API call inside a job and applies the failure policy: rate limits and 5xx are
 * thrown for the runner to retry (honouring Retry-After, order kept by the job's key);
 * configuration errors (invalid_auth, channel_not_found, not_in_channel, ...) are logged at error
 * level and the job is rescheduled, keeping the message until an operator fixes the setup;
 * harmless errors (already_reacted) count as success; anything else fails the job for good.
 */
export async function slackCall<T>(
  deps: Pick<SlackDeps, "settings">,
  log: Logger,
  what: string,
  fn: () => Promise<T>,
): Promise<SlackCallResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const failure = classifySlackError(err);
    switch (failure.kind) {
      case "harmless":
        return { ok: true, value: null };
      case "retry":
        throw Object.assign(new Error(`${what}: ${failure.message}`), {
          retryable: true,
          retryAfterMs: failure.retryAfterMs,
        });
      case "operator":
        log.error(
          { slackError: failure.error, alert: "operator" },
          `${what}: Slack refused the call (${failure.error}); fix the app setup (token, scopes, channel membership). The message is kept and retried.`,
        );
        return {
          ok: false,
          outcome: {
            type: "reschedule",
            delayMs: deps.settings.operatorRetryMs,
            reason: `slack ${failure.error}`,
          },
        };
      case "permanent":
        throw new PermanentJobError(`${what}: ${failure.message}`);
    }
  }
}
