import {
  ErrorCode,
  LogLevel,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
} from "@slack/web-api";

/**
 * A Web API client for jobs: no SDK-level retries (the job runner retries, keeping order and
 * surviving restarts) and rate limits surfaced as errors instead of a silent 30-minute pause.
 */
export function createJobWebClient(token: string, apiUrl: string, timeoutMs = 10_000): WebClient {
  return new WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logLevel: LogLevel.ERROR,
  });
}

/** What to do about a failed Slack call. */
export type SlackFailure =
  | { kind: "retry"; retryAfterMs: number | null; message: string }
  | { kind: "operator"; error: string; message: string }
  | { kind: "harmless"; error: string }
  | { kind: "permanent"; error: string; message: string };

// ok:false errors an operator must fix (token, scopes, channel membership); the work is kept.
const OPERATOR_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "no_permission",
  "missing_scope",
  "not_in_channel",
  "channel_not_found",
  "is_archived",
  "team_access_not_granted",
  "ekm_access_denied",
]);
// Results that mean the call's goal already holds.
const HARMLESS_ERRORS = new Set(["already_reacted", "no_reaction", "already_in_channel"]);
// Transient platform answers.
const RETRY_ERRORS = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
]);

/** Sorts a Web API error into retry / operator / harmless / permanent. */
export function classifySlackError(err: unknown): SlackFailure {
  if (err instanceof WebAPIRateLimitedError) {
    return {
      kind: "retry",
      retryAfterMs: err.retryAfter * 1000,
      message: `rate limited, retry after ${err.retryAfter}s`,
    };
  }
  if (err instanceof WebAPIPlatformError) {
    const error = err.data.error;
    if (HARMLESS_ERRORS.has(error)) return { kind: "harmless", error };
    if (OPERATOR_ERRORS.has(error))
      return { kind: "operator", error, message: `Slack refused the call: ${error}` };
    if (RETRY_ERRORS.has(error))
      return { kind: "retry", retryAfterMs: null, message: `Slack error ${error}` };
    return { kind: "permanent", error, message: `Slack refused the call: ${error}` };
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (code === ErrorCode.HTTPError || code === ErrorCode.RequestError) {
    return { kind: "retry", retryAfterMs: null, message: (err as Error).message };
  }
  return {
    kind: "retry",
    retryAfterMs: null,
    message: err instanceof Error ? err.message : String(err),
  };
}
