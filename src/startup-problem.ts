import { PromptFileError } from "./ai/prompt-file.ts";
import { DatabaseOpenError } from "./store/db.ts";

/**
 * One line for a start that failed on a remote's answer to our configuration (Slack's
 * `auth.test` refusing the token, an unreachable Slack API) or on a port already taken, naming
 * the variable to fix; null for
 * anything else (then the caller logs the full error). Reads the shapes of `@slack/web-api`'s
 * errors (`code`, `data.error`, `original`) and of Bolt's wrapper (`original`). An invalid business
 * prompt (AI_PROMPT_FILE) is its own message: every problem, then how to check the file.
 */
export function startupProblem(err: unknown): string | null {
  // An invalid business prompt: its message lists every problem and says how to check the file.
  if (err instanceof PromptFileError) return err.message;
  // PostgreSQL unreachable, refusing the login, or the database missing (DATABASE_URL).
  if (err instanceof DatabaseOpenError) return err.message;
  const listen = listenError(err);
  if (listen) return listen;
  const slack = slackError(err);
  if (!slack) return null;
  if (slack.code === "slack_webapi_platform_error") {
    const answer = slack.data?.error ?? "an error";
    const token = [
      "invalid_auth",
      "not_authed",
      "account_inactive",
      "token_revoked",
      "token_expired",
      "not_allowed_token_type",
    ];
    if (token.includes(answer))
      return `SLACK_BOT_TOKEN: Slack refused the token at auth.test (${answer}); copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page`;
    return `SLACK_BOT_TOKEN: Slack answered auth.test with ${answer}`;
  }
  if (slack.code === "slack_webapi_request_error" || slack.code === "slack_webapi_http_error") {
    const cause = describeCause(slack.original ?? slack);
    return `SLACK_API_URL: could not reach Slack's API for auth.test (${cause}); check the network, a proxy, or SLACK_API_URL`;
  }
  return null;
}

interface SlackLikeError {
  code?: string;
  data?: { error?: string };
  original?: unknown;
  statusCode?: number;
}

function slackError(err: unknown, depth = 0): SlackLikeError | null {
  if (!err || typeof err !== "object" || depth > 3) return null;
  const e = err as SlackLikeError & { cause?: unknown };
  if (typeof e.code === "string" && e.code.startsWith("slack_webapi_")) return e;
  return slackError(e.original, depth + 1) ?? slackError(e.cause, depth + 1);
}

function describeCause(err: unknown, depth = 0): string {
  if (!err || typeof err !== "object" || depth > 4) return "no answer";
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === "number") return `HTTP ${e.statusCode}`;
  const inner = e.cause ? describeCause(e.cause, depth + 1) : null;
  if (inner && inner !== "no answer") return inner;
  if (typeof e.code === "string" && !e.code.startsWith("slack_webapi_")) {
    const host =
      typeof (e as { hostname?: unknown }).hostname === "string"
        ? ` ${(e as { hostname: string }).hostname}`
        : "";
    return `${e.code}${host}`;
  }
  return typeof e.message === "string" ? e.message.slice(0, 200) : "no answer";
}

/** The HTTP server could not listen: the port is taken or not ours to use (`PORT`). */
function listenError(err: unknown): string | null {
  if (!err || typeof err !== "object") return null;
  const e = err as { code?: unknown; port?: unknown; syscall?: unknown };
  if (e.syscall !== "listen") return null;
  const port = typeof e.port === "number" ? ` ${e.port}` : "";
  if (e.code === "EADDRINUSE")
    return `PORT: port${port} is already in use (another jembatan or program listens there); stop it or set PORT to a free port`;
  if (e.code === "EACCES")
    return `PORT: not allowed to listen on port${port} (ports below 1024 need privileges); set PORT to 1024 or above`;
  return null;
}
