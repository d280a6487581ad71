/**
 * What the caller should do about a failed Graph API call:
 * - `retryable`: transient (Meta hiccup, 5xx, network, timeout); retry with backoff.
 * - `rate_limited`: throughput or per-user pair limit; retry later, slower.
 * - `window_closed`: free-form send outside the 24-hour window; offer a template instead.
 * - `permanent`: the request or recipient is wrong; retrying cannot help.
 * - `auth`: the access token is invalid or expired; alert operators, keep the work for later.
 * - `operator`: the business account is restricted or locked; alert operators.
 */
export type GraphErrorKind =
  | "retryable"
  | "rate_limited"
  | "window_closed"
  | "permanent"
  | "auth"
  | "operator";

const KIND_BY_CODE: ReadonlyMap<number, GraphErrorKind> = new Map<number, GraphErrorKind>([
  [130429, "rate_limited"],
  [131056, "rate_limited"],
  [131047, "window_closed"],
  [1, "retryable"],
  [2, "retryable"],
  [4, "retryable"],
  [80007, "retryable"],
  [131000, "retryable"],
  [131016, "retryable"],
  [131057, "retryable"],
  [133004, "retryable"],
  [190, "auth"],
  [368, "operator"],
  [131031, "operator"],
  [130497, "operator"],
  [100, "permanent"],
  [131008, "permanent"],
  [131009, "permanent"],
  [131026, "permanent"],
  [131048, "permanent"],
  [131049, "permanent"],
  [131050, "permanent"],
  [131051, "permanent"],
  [131052, "permanent"],
  [131053, "permanent"],
]);

/**
 * Classifies a Graph API failure by its error `code` first (Meta's advice: never by HTTP status or
 * title), falling back to the HTTP status when the code is absent or unknown.
 * `httpStatus` is null for errors that did not come from an HTTP answer (e.g. a `failed` status
 * webhook); `code` and `httpStatus` both null means the request never got an answer.
 */
export function classifyGraphError(code: number | null, httpStatus: number | null): GraphErrorKind {
  if (code !== null) {
    const known = KIND_BY_CODE.get(code);
    if (known !== undefined) return known;
    if (code >= 132000 && code <= 132016) return "permanent";
  }
  if (httpStatus === null) {
    // No answer at all is a network failure; an unknown code without HTTP context (a status
    // webhook) is treated as final so that an unrecognised failure is never retried forever.
    return code === null ? "retryable" : "permanent";
  }
  if (httpStatus >= 500) return "retryable";
  // A proxy or gateway may throttle without Meta's body; 429 still means "slow down".
  if (httpStatus === 429) return "rate_limited";
  return "permanent";
}

/** Everything known about a failed Graph API call besides its message. */
export interface GraphApiErrorInit {
  /** Defaults to `classifyGraphError(code, httpStatus)`. */
  kind?: GraphErrorKind;
  code: number | null;
  subcode?: number | null;
  httpStatus: number | null;
  details?: string | null;
  fbtraceId?: string | null;
  retryAfterMs?: number | null;
  cause?: unknown;
}

/**
 * A Graph API call that failed: an error answer, an unexpected success body, a network failure or
 * a timeout. The message never contains the access token.
 */
export class GraphApiError extends Error {
  override readonly name = "GraphApiError";
  readonly kind: GraphErrorKind;
  readonly code: number | null;
  readonly subcode: number | null;
  readonly httpStatus: number | null;
  readonly details: string | null;
  readonly fbtraceId: string | null;
  readonly retryAfterMs: number | null;

  constructor(message: string, init: GraphApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind ?? classifyGraphError(init.code, init.httpStatus);
    this.code = init.code;
    this.subcode = init.subcode ?? null;
    this.httpStatus = init.httpStatus;
    this.details = init.details ?? null;
    this.fbtraceId = init.fbtraceId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }

  /** Whether trying the same call again later may succeed. */
  get retryable(): boolean {
    return this.kind === "retryable" || this.kind === "rate_limited";
  }
}

/**
 * A call rejected by the client before any request was made (invalid arguments or missing
 * configuration). Retrying the same call can never succeed.
 */
export class GraphValidationError extends Error {
  override readonly name = "GraphValidationError";
}
