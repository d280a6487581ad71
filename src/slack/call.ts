import type { JobOutcome } from "../jobs/types.ts";
import { PermanentJobError } from "../jobs/types.ts";
import type { Logger } from "../logger.ts";
import { DEFAULT_ALERT_COOLDOWN_MS, slackConfigAlerts } from "./alerts.ts";
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
 *
 * With `deps.db`, a configuration error also raises an operator alert in the alert channel
 * naming the error and `channel` (the channel the call is about, when the caller says), and the
 * next success of the same kind posts "recovered" (`slackConfigAlerts`).
 */
export async function slackCall<T>(
  deps: Pick<SlackDeps, "settings"> & Partial<Pick<SlackDeps, "db" | "now">>,
  log: Logger,
  what: string,
  fn: () => Promise<T>,
  channel: string | null = null,
): Promise<SlackCallResult<T>> {
  try {
    const value = await fn();
    configAlert(deps, log, (a, now) => a.succeeded(what, channel, now));
    return { ok: true, value };
  } catch (err) {
    const failure = classifySlackError(err);
    switch (failure.kind) {
      case "harmless":
        configAlert(deps, log, (a, now) => a.succeeded(what, channel, now));
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
        configAlert(deps, log, (a, now) => a.failed(what, failure.error, channel, now));
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

/**
 * Applies a Slack configuration alert when the caller gave a database. An alert is a courtesy to
 * the operators: failing to record it (a locked database) is logged, never the call's failure.
 */
function configAlert(
  deps: Pick<SlackDeps, "settings"> & Partial<Pick<SlackDeps, "db" | "now">>,
  log: Logger,
  fn: (alerts: ReturnType<typeof slackConfigAlerts>, now: number) => void,
): void {
  if (!deps.db) return;
  try {
    const alerts = slackConfigAlerts(deps.db, {
      channel: deps.settings.alertChannel ?? deps.settings.escalationChannel,
      cooldownMs: deps.settings.alertCooldownMs ?? DEFAULT_ALERT_COOLDOWN_MS,
    });
    fn(alerts, deps.now?.() ?? Date.now());
  } catch (err) {
    log.warn({ err }, "could not record the Slack configuration alert");
  }
}
