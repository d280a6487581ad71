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

/**
 * Whether a failed request may have taken effect at Meta (for a send: whether the customer may
 * get the message):
 * - `not_sent`: the request provably never reached Meta (no connection was ever made), so sending
 *   again cannot make a duplicate.
 * - `rejected`: Meta answered with its own error object, so it refused the request; also a
 *   failure Meta reported outside an HTTP answer (a `failed` status webhook).
 * - `unknown`: the request may have reached Meta and taken effect (timeout or reset after it was
 *   written, a gateway's 5xx without Meta's error object, a 2xx with an unexpected body).
 */
export type RequestFate = "not_sent" | "rejected" | "unknown";

/**
 * Error codes that only a connection attempt can produce, so a request failing with one was
 * never written to any socket. undici's `request` rejects with the socket's own error (`code` on
 * the error itself; `fetch` puts it in `cause`), and a POST is never retried by undici on another
 * connection, so the code of the failed connect is the request's fate:
 * - `ECONNREFUSED`: the TCP connect was refused (nobody listening).
 * - `ENOTFOUND`, `EAI_AGAIN`, `EAI_FAIL`, `EAI_NONAME`: the name did not resolve (`getaddrinfo`).
 * - `UND_ERR_CONNECT_TIMEOUT`: undici's connect timeout (TCP + TLS handshake) ran out.
 * - TLS handshake failures: certificate checks and protocol negotiation happen before the first
 *   byte of the request is written.
 * Codes that a live connection can also produce (`ECONNRESET`, `EPIPE`, `ETIMEDOUT`,
 * `EHOSTUNREACH`, `ENETUNREACH`) count only when the failing call was the `connect` itself.
 * Everything else stays unknown, notably:
 * - `UND_ERR_SOCKET` ("other side closed"), `ECONNRESET` on a read: the request may have been
 *   written and processed, the answer lost (a reset mid-response).
 * - `UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`: the request was written, no full answer.
 * - our own abort (`AbortSignal.timeout`, `TimeoutError`/`AbortError`): the abort does not say how
 *   far the exchange got. (A connect still in progress when it fires is reported by undici as
 *   `UND_ERR_CONNECT_TIMEOUT` once it gives up, which is then `not_sent`.)
 * - other TLS errors (`ERR_SSL_*` such as a bad record MAC) can happen mid-stream.
 */
const CONNECT_ONLY_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_TLS_HANDSHAKE_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "CERT_SIGNATURE_FAILURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "HOSTNAME_MISMATCH",
  "ERR_SSL_UNSUPPORTED_PROTOCOL",
  "ERR_SSL_NO_PROTOCOLS_AVAILABLE",
  "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
]);

/** Codes that mean "never connected" only when the failing system call was `connect`. */
const CONNECT_SYSCALL_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ENETDOWN",
]);

function neverConnected(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as { code?: unknown; syscall?: unknown };
  if (typeof code !== "string") return false;
  if (CONNECT_ONLY_CODES.has(code)) return true;
  // OpenSSL names its handshake failures (`..._HANDSHAKE_FAILURE`): no request byte went out yet.
  if (code.startsWith("ERR_SSL_") && code.includes("HANDSHAKE")) return true;
  return (syscall === "connect" || syscall === "getaddrinfo") && CONNECT_SYSCALL_CODES.has(code);
}

/**
 * Whether a transport failure (no HTTP answer) proves that the request never reached the server;
 * see CONNECT_ONLY_CODES for the rule. Looks at the error, its `cause` chain (fetch wraps the
 * socket error in a `TypeError`) and every error of an `AggregateError` (happy eyeballs tries
 * several addresses: all of them must have failed to connect).
 */
export function requestNeverSent(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) {
      return current.errors.every((e) => requestNeverSent(e));
    }
    if (neverConnected(current)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * The fate of a failed request from what is known about the failure (see RequestFate):
 * an answer with Meta's error code is a refusal; a 5xx without one came from a gateway in front of
 * Meta that may have forwarded the request; another 4xx without one is a refusal (a proxy that
 * throttles or rejects does not forward); no answer at all is `not_sent` only when the transport
 * error proves it (`requestNeverSent`).
 */
export function requestFate(
  code: number | null,
  httpStatus: number | null,
  cause?: unknown,
): RequestFate {
  if (httpStatus === null) {
    if (code !== null) return "rejected";
    return requestNeverSent(cause) ? "not_sent" : "unknown";
  }
  if (httpStatus >= 200 && httpStatus <= 299) return "unknown";
  if (code !== null) return "rejected";
  return httpStatus >= 500 ? "unknown" : "rejected";
}

/** Everything known about a failed Graph API call besides its message. */
export interface GraphApiErrorInit {
  /** Defaults to `classifyGraphError(code, httpStatus)`. */
  kind?: GraphErrorKind;
  /** Defaults to `requestFate(code, httpStatus, cause)`. */
  fate?: RequestFate;
  code: number | null;
  subcode?: number | null;
  httpStatus: number | null;
  details?: string | null;
  fbtraceId?: string | null;
  retryAfterMs?: number | null;
  /** Meta's explanation for people (`error_user_msg`, else `error_user_title`), when given. */
  userMessage?: string | null;
  cause?: unknown;
}

/**
 * A Graph API call that failed: an error answer, an unexpected success body, a network failure or
 * a timeout. The message never contains the access token.
 */
export class GraphApiError extends Error {
  override readonly name = "GraphApiError";
  readonly kind: GraphErrorKind;
  /** Whether the request may have taken effect at Meta (see RequestFate). */
  readonly fate: RequestFate;
  readonly code: number | null;
  readonly subcode: number | null;
  readonly httpStatus: number | null;
  readonly details: string | null;
  readonly fbtraceId: string | null;
  readonly retryAfterMs: number | null;
  readonly userMessage: string | null;

  constructor(message: string, init: GraphApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind ?? classifyGraphError(init.code, init.httpStatus);
    this.fate = init.fate ?? requestFate(init.code, init.httpStatus, init.cause);
    this.code = init.code;
    this.subcode = init.subcode ?? null;
    this.httpStatus = init.httpStatus;
    this.details = init.details ?? null;
    this.fbtraceId = init.fbtraceId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.userMessage = init.userMessage ?? null;
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
