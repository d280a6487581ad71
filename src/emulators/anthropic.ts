import { createHash, randomBytes } from "node:crypto";
import { Hono } from "hono";
import { startServer } from "./server.ts";

/** Why the emulated model stopped. */
export type StopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded";

/** The `usage` object of a response. */
export interface EmulatedUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  service_tier: "standard";
}

/** An error answer. Without `type` the usual one for the status is used (529 → `overloaded_error`). */
export interface ScriptedError {
  status: number;
  type?: string;
  message?: string;
  /** Sent as `retry-after` (seconds), which the SDK honours. */
  retryAfter?: number;
  /** Sent as `retry-after-ms`, which the SDK prefers: keeps retry tests fast. */
  retryAfterMs?: number;
}

interface ScriptedCommon {
  stopReason?: StopReason;
  usage?: Partial<EmulatedUsage>;
  /** Waits this long before answering. */
  delayMs?: number;
}

/** A text or JSON answer. */
export type ContentAnswer =
  | ({ text: string } & ScriptedCommon)
  | ({ json: unknown } & ScriptedCommon);

/** One tool call of a scripted answer; `id` defaults to a fresh `toolu_…`. */
export interface ScriptedToolUse {
  name: string;
  input: unknown;
  id?: string;
}

/**
 * A tool-use answer: `tool_use` content blocks (after an optional text block), with
 * `stop_reason: "tool_use"` unless `stopReason` says otherwise. The request must offer tools.
 */
export type ToolUseAnswer = { toolUses: ScriptedToolUse[]; text?: string } & ScriptedCommon;

/**
 * One scripted answer: text, a JSON value (sent as the text), tool calls, an error, or only a
 * delay (then the default answer).
 */
export type Scripted =
  | ContentAnswer
  | ToolUseAnswer
  | { error: ScriptedError; delayMs?: number }
  | { delayMs: number };

/** A `tool_result` block of the request's last user message. */
export interface ToolResultSeen {
  toolUseId: string;
  /** The result's text (string content, or its text blocks joined). */
  content: string;
  isError: boolean;
}

/** A content block as sent on the wire. */
export interface WireBlock {
  type: string;
  text?: string;
  cache_control?: { type: "ephemeral"; ttl?: "5m" | "1h" } | null;
  [key: string]: unknown;
}

/** A message as sent on the wire. */
export interface WireMessage {
  role: "user" | "assistant";
  content: string | WireBlock[];
}

/** The request body after validation. */
export interface MessagesBody {
  model: string;
  max_tokens: number;
  messages: WireMessage[];
  system?: string | WireBlock[];
  tools?: WireBlock[];
  tool_choice?: { type: string; name?: string };
  output_config?: { format?: { type: string; schema?: Record<string, unknown> } | null };
  temperature?: number;
  top_p?: number;
  top_k?: number;
  thinking?: { type: string; budget_tokens?: number };
  /** Automatic caching: marks the last block. */
  cache_control?: { type: "ephemeral"; ttl?: "5m" | "1h" } | null;
  stream?: boolean;
  [key: string]: unknown;
}

/** What a responder sees: the validated body plus conveniences. */
export interface ParsedRequest {
  body: MessagesBody;
  headers: Record<string, string>;
  model: string;
  /** All system text joined with blank lines. */
  systemText: string;
  /** Text of the last user message. */
  lastUserText: string;
  /** `output_config.format.schema` when a JSON schema output was asked for. */
  schema?: Record<string, unknown>;
  /** The names of the tools offered. */
  toolNames: string[];
  /** The `tool_result` blocks of the last user message (answers to the previous tool calls). */
  toolResults: ToolResultSeen[];
}

/** Decides the answer to a valid request. */
export type Responder = (req: ParsedRequest) => Scripted | Promise<Scripted>;

/** A request as received, with what was answered. */
export interface RecordedRequest {
  /** Parsed JSON body (or the raw text when it was not JSON). */
  body: unknown;
  headers: Record<string, string>;
  at: number;
  /** Filled in once answered. */
  status?: number;
  usage?: EmulatedUsage;
  errorType?: string;
}

/** Options for {@link startAnthropicEmulator}. */
export interface AnthropicEmulatorOptions {
  /** The only accepted `x-api-key`. Default `sk-ant-emulator`. */
  apiKey?: string;
  /** Clock for the 5-minute cache lifetime, to test expiry. Default `Date.now`. */
  now?: () => number;
}

/** A loopback Anthropic Messages API. */
export interface AnthropicEmulator {
  /** SDK `baseURL` (host only; the SDK appends `/v1/messages`). */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: readonly RecordedRequest[];
  /** Answers valid requests not served by the queue. Replaces the previous responder. */
  respond(handler: Responder): void;
  /** Queues answers; they are used, in order, before the responder. */
  enqueue(...answers: Scripted[]): void;
  /** The next `times` authenticated requests fail before validation (e.g. a 529 storm). */
  failNext(spec: ScriptedError, times?: number): void;
  setLatency(ms: number): void;
  /** Forgets requests, queues, responder, latency and the prompt cache. */
  reset(): void;
  waitFor(predicate: (emu: AnthropicEmulator) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

const IMAGE_TOKENS = 1600;
const CACHE_TTL_MS = { "5m": 5 * 60_000, "1h": 60 * 60_000 } as const;
const MAX_CACHE_BREAKPOINTS = 4;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The id's major version (`claude-haiku-5-5` → 5, `claude-opus-4-5` → 4). */
const majorVersion = (model: string) => Number(/^claude-[a-z]+-(\d+)/.exec(model)?.[1] ?? 0);
const minCacheTokens = (model: string) => (model.includes("haiku") ? 2048 : 1024);
const textTokens = (chars: number) => Math.ceil(chars / 4);

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = DEFAULT_ERROR_TYPES[status] ?? "api_error",
  ) {
    super(message);
  }
}

function invalid(message: string): never {
  throw new RequestError(400, message);
}

function checkBlocks(blocks: unknown, where: string): void {
  if (!Array.isArray(blocks)) invalid(`${where}: Input should be a valid list`);
  blocks.forEach((b, j) => {
    if (!isRecord(b) || typeof b.type !== "string") invalid(`${where}.${j}.type: Field required`);
    if (b.type === "text" && (typeof b.text !== "string" || b.text === "")) {
      invalid(`${where}.${j}.text: text content blocks must be non-empty`);
    }
  });
}

function checkStrictObjects(schema: unknown, path: string): void {
  if (Array.isArray(schema)) {
    for (const [i, s] of schema.entries()) checkStrictObjects(s, `${path}.${i}`);
    return;
  }
  if (!isRecord(schema)) return;
  const isObject =
    schema.type === "object" || (Array.isArray(schema.type) && schema.type.includes("object"));
  if (isObject && schema.additionalProperties !== false) {
    invalid(`${path}: For 'object' type, 'additionalProperties' must be explicitly set to false`);
  }
  for (const [key, value] of Object.entries(schema)) {
    if (typeof value === "object") checkStrictObjects(value, `${path}.${key}`);
  }
}

/** Throws a RequestError for anything the real API would refuse; returns the typed body. */
function validate(body: unknown): MessagesBody {
  if (!isRecord(body)) invalid("Request body must be a JSON object");
  const { model, max_tokens, messages, system } = body;
  if (typeof model !== "string" || model === "") invalid("model: Field required");
  if (!model.startsWith("claude-")) throw new RequestError(404, `model: ${model}`);
  if (max_tokens === undefined) invalid("max_tokens: Field required");
  if (typeof max_tokens !== "number" || !Number.isInteger(max_tokens) || max_tokens < 1) {
    invalid("max_tokens: Input should be a valid integer greater than or equal to 1");
  }
  if (!Array.isArray(messages)) invalid("messages: Field required");
  if (messages.length === 0) invalid("messages: at least one message is required");
  messages.forEach((m, i) => {
    if (!isRecord(m) || (m.role !== "user" && m.role !== "assistant")) {
      invalid(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    }
    const last = i === messages.length - 1 && m.role === "assistant";
    if (typeof m.content === "string") {
      if (m.content === "" && !last) {
        invalid(
          `messages.${i}: all messages must have non-empty content except for the optional final assistant message`,
        );
      }
    } else {
      checkBlocks(m.content, `messages.${i}.content`);
    }
  });
  if (system !== undefined && typeof system !== "string") checkBlocks(system, "system");
  if (body.stream === true) invalid("stream: the emulator answers non-streaming requests only");

  const cacheMarks =
    [
      ...(Array.isArray(body.tools) ? body.tools : []),
      ...(Array.isArray(system) ? system : []),
      ...messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])),
    ].filter((b) => isRecord(b) && isRecord(b.cache_control)).length +
    (isRecord(body.cache_control) ? 1 : 0);
  if (cacheMarks > MAX_CACHE_BREAKPOINTS) {
    invalid(`A maximum of 4 blocks with cache_control may be provided. Found ${cacheMarks}.`);
  }

  const format = isRecord(body.output_config) ? body.output_config.format : undefined;
  if (format !== undefined && format !== null) {
    if (!isRecord(format) || format.type !== "json_schema" || !isRecord(format.schema)) {
      invalid("output_config.format: expected {type: 'json_schema', schema: {...}}");
    }
    checkStrictObjects(format.schema, "output_config.format.schema");
  }

  checkTools(body.tools, messages as unknown[]);

  const choice = isRecord(body.tool_choice) ? body.tool_choice : undefined;
  const forced = choice?.type === "tool" || choice?.type === "any";
  if (forced && (!Array.isArray(body.tools) || body.tools.length === 0)) {
    invalid("tool_choice: tools must be provided when tool_choice is 'any' or 'tool'");
  }

  if (majorVersion(model) >= 5) {
    // The 5.x family refuses the older steering knobs (see the reference): structured outputs replace them.
    if (forced) {
      invalid(
        `tool_choice: forced tool use ('${String(choice?.type)}') is not supported with ${model}; use output_config.format instead`,
      );
    }
    if (messages.at(-1)?.role === "assistant") {
      invalid(
        `messages: assistant message prefill is not supported with ${model}; the final message must be a user message`,
      );
    }
    if (body.temperature !== undefined && body.temperature !== 1) {
      invalid(`temperature: only the default value is supported with ${model}`);
    }
    for (const key of ["top_p", "top_k"] as const) {
      if (body[key] !== undefined && body[key] !== null) {
        invalid(`${key}: sampling parameters are not supported with ${model}`);
      }
    }
    if (isRecord(body.thinking) && body.thinking.type === "enabled") {
      invalid(
        `thinking: manual thinking budgets are not supported with ${model}; use adaptive thinking`,
      );
    }
  }
  return body as MessagesBody;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

/**
 * Tools and the tool blocks of the conversation, as the API checks them: custom tools need a
 * unique name and an object `input_schema`; `tool_use`/`tool_result` blocks need tools defined;
 * every `tool_use` of an assistant message is answered by a `tool_result` (same id) in the next
 * user message, whose tool results come before any other content, and results answer nothing else.
 */
function checkTools(tools: unknown, messages: unknown[]): void {
  const names = new Set<string>();
  if (tools !== undefined) {
    if (!Array.isArray(tools)) invalid("tools: Input should be a valid list");
    tools.forEach((t, i) => {
      if (!isRecord(t)) invalid(`tools.${i}: Input should be an object`);
      if (t.type !== undefined && t.type !== "custom") return; // server tools: not emulated
      if (typeof t.name !== "string" || !TOOL_NAME.test(t.name))
        invalid(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
      if (names.has(t.name)) invalid("tools: Tool names must be unique.");
      names.add(t.name);
      if (!isRecord(t.input_schema) || t.input_schema.type !== "object")
        invalid(`tools.${i}.input_schema.type: Input should be 'object'`);
    });
  }
  const blocksOf = (m: unknown): Record<string, unknown>[] =>
    isRecord(m) && Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : [];
  const usesTools = messages.some((m) =>
    blocksOf(m).some((b) => b.type === "tool_use" || b.type === "tool_result"),
  );
  if (usesTools && names.size === 0)
    invalid("Requests which include `tool_use` or `tool_result` blocks must define tools.");
  messages.forEach((m, i) => {
    const blocks = blocksOf(m);
    const role = isRecord(m) ? m.role : undefined;
    const uses = blocks.filter((b) => b.type === "tool_use");
    for (const [j, b] of blocks.entries()) {
      if (b.type === "tool_use") {
        if (role !== "assistant")
          invalid(
            `messages.${i}.content.${j}: tool_use blocks are only allowed in assistant messages`,
          );
        if (typeof b.id !== "string" || typeof b.name !== "string" || !isRecord(b.input))
          invalid(`messages.${i}.content.${j}: tool_use blocks need id, name and an object input`);
      }
      if (b.type === "tool_result" && typeof b.tool_use_id !== "string")
        invalid(`messages.${i}.content.${j}.tool_use_id: Field required`);
    }
    const previous = i > 0 ? messages[i - 1] : undefined;
    const asked = new Set(
      blocksOf(previous)
        .filter((b) => b.type === "tool_use" && isRecord(previous) && previous.role === "assistant")
        .map((b) => b.id as string),
    );
    const results = blocks.filter((b) => b.type === "tool_result");
    if (results.length > 0) {
      if (role !== "user")
        invalid(`messages.${i}: tool_result blocks are only allowed in user messages`);
      const firstOther = blocks.findIndex((b) => b.type !== "tool_result");
      if (firstOther !== -1 && firstOther < blocks.lastIndexOf(results.at(-1)!))
        invalid(`messages.${i}: tool_result blocks must come first in the content`);
      for (const r of results) {
        if (!asked.has(r.tool_use_id as string))
          invalid(
            `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(r.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
      }
    }
    if (uses.length > 0) {
      const next = messages[i + 1];
      const answered = new Set(
        blocksOf(next)
          .filter((b) => b.type === "tool_result")
          .map((b) => b.tool_use_id as string),
      );
      const missing = uses.filter((u) => !answered.has(u.id as string));
      if (next !== undefined && missing.length > 0)
        invalid(
          `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.map((u) => String(u.id)).join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
    }
  });
}

interface Segment {
  tokens: number;
  key: string;
  ttl?: keyof typeof CACHE_TTL_MS;
}

function blockTokens(block: WireBlock): number {
  if (block.type === "text") return textTokens(block.text?.length ?? 0);
  if (block.type === "image") return IMAGE_TOKENS;
  if (block.type === "document" && isRecord(block.source)) {
    const data = block.source.data;
    if (typeof data !== "string") return IMAGE_TOKENS;
    // Plain-text documents count like text; binary ones (PDF) about one token per 40 bytes.
    if (block.source.type === "text") return textTokens(data.length);
    return Math.ceil((data.length * 3) / 4 / 40);
  }
  const { cache_control: _cc, ...rest } = block;
  return textTokens(JSON.stringify(rest).length);
}

/** Tools → system → messages, one segment per block, in the order the API caches them. */
function segmentsOf(body: MessagesBody): Segment[] {
  const segs: Segment[] = [];
  const push = (block: WireBlock, tokens: number) => {
    const { cache_control, ...content } = block;
    segs.push({
      tokens,
      key: JSON.stringify(content),
      ...(isRecord(cache_control) ? { ttl: cache_control.ttl === "1h" ? "1h" : "5m" } : {}),
    });
  };
  for (const tool of body.tools ?? []) {
    const { cache_control: _cc, ...rest } = tool;
    push(tool, textTokens(JSON.stringify(rest).length));
  }
  const sys = body.system;
  const asBlocks = (c: string | WireBlock[]): WireBlock[] =>
    typeof c === "string" ? [{ type: "text", text: c }] : c;
  if (sys !== undefined) for (const b of asBlocks(sys)) push(b, blockTokens(b));
  for (const m of body.messages) {
    for (const b of asBlocks(m.content)) push({ ...b, role: m.role }, blockTokens(b));
  }
  // Top-level cache_control marks the last block (automatic caching).
  const auto = body.cache_control;
  const last = segs.at(-1);
  if (isRecord(auto) && last && !last.ttl) last.ttl = auto.ttl === "1h" ? "1h" : "5m";
  return segs;
}

const textOf = (c: string | WireBlock[] | undefined): string =>
  c === undefined
    ? ""
    : typeof c === "string"
      ? c
      : c
          .filter((b) => b.type === "text")
          .map((b) => b.text ?? "")
          .join("\n\n");

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    node = isRecord(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return node;
}

/** A small value satisfying `schema`: required properties only, "ok" strings, 0.9 numbers, false booleans. */
export function exampleForSchema(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isRecord(schema) || depth > 32) return null;
  if (typeof schema.$ref === "string")
    return exampleForSchema(resolveRef(root, schema.$ref), root, depth + 1);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (Array.isArray(variants) && variants.length > 0) {
    const pick = variants.find((v) => !(isRecord(v) && v.type === "null")) ?? variants[0];
    return exampleForSchema(pick, root, depth + 1);
  }
  const type = Array.isArray(schema.type)
    ? (schema.type.find((t) => t !== "null") ?? "null")
    : (schema.type ?? (isRecord(schema.properties) ? "object" : "string"));
  switch (type) {
    case "object": {
      const props = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : [];
      const out: Record<string, unknown> = {};
      for (const key of required) {
        if (typeof key === "string") out[key] = exampleForSchema(props[key], root, depth + 1);
      }
      return out;
    }
    case "array": {
      const n = typeof schema.minItems === "number" ? schema.minItems : 0;
      return Array.from({ length: n }, () => exampleForSchema(schema.items, root, depth + 1));
    }
    case "number":
      return 0.9;
    case "integer":
      return 1;
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      if (schema.format === "date-time") return new Date(0).toISOString();
      if (schema.format === "date") return "1970-01-01";
      return "ok";
  }
}

const newId = (prefix: string) =>
  `${prefix}_01${randomBytes(18).toString("base64url").replace(/[-_]/g, "A").slice(0, 22)}`;
const lowerHeaders = (h: Headers) =>
  Object.fromEntries([...h.entries()].map(([k, v]) => [k.toLowerCase(), v]));

/** Starts a loopback Anthropic Messages API on 127.0.0.1 (see {@link AnthropicEmulator}). */
export async function startAnthropicEmulator(
  opts: AnthropicEmulatorOptions = {},
): Promise<AnthropicEmulator> {
  const apiKey = opts.apiKey ?? "sk-ant-emulator";
  const now = opts.now ?? Date.now;
  const requests: RecordedRequest[] = [];
  const queue: Scripted[] = [];
  const failures: ScriptedError[] = [];
  const cache = new Map<string, number>(); // prefix hash → expiry
  let responder: Responder | undefined;
  let latencyMs = 0;
  // Pending sleeps, released on close so that nothing outlives the server.
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  /** Splits input tokens into uncached / cache write / cache read, and updates the cache. */
  const accountInput = (body: MessagesBody) => {
    const segs = segmentsOf(body);
    const total = segs.reduce((sum, s) => sum + s.tokens, 0);
    const min = minCacheTokens(body.model);
    const hash = createHash("sha256").update(body.model);
    const breakpoints: Array<{ key: string; tokens: number; ttl: keyof typeof CACHE_TTL_MS }> = [];
    let running = 0;
    for (const s of segs) {
      running += s.tokens;
      hash.update("\u0000").update(s.key);
      if (s.ttl) breakpoints.push({ key: hash.copy().digest("hex"), tokens: running, ttl: s.ttl });
    }
    const t = now();
    const cacheable = breakpoints.filter((b) => b.tokens >= min);
    const hit = [...cacheable].reverse().find((b) => (cache.get(b.key) ?? 0) > t);
    const last = cacheable.at(-1);
    const read = hit?.tokens ?? 0;
    const creation = last && last !== hit ? last.tokens - read : 0;
    // Reads refresh the lifetime, as the real cache does.
    for (const b of cacheable) cache.set(b.key, t + CACHE_TTL_MS[b.ttl]);
    return {
      input: total - read - creation,
      read,
      creation,
      creation1h: last?.ttl === "1h" ? creation : 0,
    };
  };

  const parsedRequest = (body: MessagesBody, headers: Record<string, string>): ParsedRequest => {
    const lastUser = [...body.messages].reverse().find((m) => m.role === "user");
    const format = body.output_config?.format;
    const lastBlocks = Array.isArray(lastUser?.content) ? lastUser.content : [];
    return {
      body,
      headers,
      model: body.model,
      systemText: textOf(body.system),
      lastUserText: textOf(lastUser?.content),
      ...(format?.type === "json_schema" && format.schema ? { schema: format.schema } : {}),
      toolNames: (body.tools ?? [])
        .map((t) => t.name)
        .filter((n): n is string => typeof n === "string"),
      toolResults: lastBlocks
        .filter((b) => b.type === "tool_result")
        .map((b) => ({
          toolUseId: String(b.tool_use_id),
          content: textOf(b.content as string | WireBlock[] | undefined),
          isError: b.is_error === true,
        })),
    };
  };

  const defaultAnswer = (req: ParsedRequest): ContentAnswer =>
    req.schema ? { json: exampleForSchema(req.schema) } : { text: "ok" };

  const app = new Hono();

  app.post("/v1/messages", async (c) => {
    const headers = lowerHeaders(c.req.raw.headers);
    const requestId = newId("req");
    const raw = await c.req.text();
    let json: unknown;
    let jsonOk = true;
    try {
      json = JSON.parse(raw);
    } catch {
      json = raw;
      jsonOk = false;
    }
    const record: RecordedRequest = { body: json, headers, at: Date.now() };
    requests.push(record);

    const errorAnswer = (e: ScriptedError) => {
      const type = e.type ?? DEFAULT_ERROR_TYPES[e.status] ?? "api_error";
      record.status = e.status;
      record.errorType = type;
      const extra: Record<string, string> = { "request-id": requestId };
      if (e.retryAfter !== undefined) extra["retry-after"] = String(e.retryAfter);
      if (e.retryAfterMs !== undefined) extra["retry-after-ms"] = String(e.retryAfterMs);
      return c.json(
        {
          type: "error",
          error: { type, message: e.message ?? `emulated ${type}` },
          request_id: requestId,
        },
        e.status as 400,
        extra,
      );
    };

    if (latencyMs > 0) await sleep(latencyMs);

    // The installed SDK (1.14) sends the key as a bearer token; older clients use x-api-key.
    const bearer = headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
    const key = headers["x-api-key"] ?? bearer;
    if (key === undefined) {
      return errorAnswer({ status: 401, message: "x-api-key or Authorization header is required" });
    }
    if (key !== apiKey) return errorAnswer({ status: 401, message: "invalid x-api-key" });

    const injected = failures.shift();
    if (injected) return errorAnswer(injected);

    let body: MessagesBody;
    try {
      const version = headers["anthropic-version"];
      if (version === undefined) invalid("anthropic-version: header is required");
      // The installed SDK sends a dated version newer than 2023-06-01; accept any well-formed date.
      if (!/^\d{4}-\d{2}-\d{2}$/.test(version) || version < "2023-01-01") {
        invalid(`anthropic-version: "${version}" is not a valid version`);
      }
      if (!jsonOk) invalid("There was an error parsing the body of your request as JSON");
      body = validate(json);
    } catch (e) {
      if (e instanceof RequestError)
        return errorAnswer({ status: e.status, type: e.type, message: e.message });
      throw e;
    }

    const req = parsedRequest(body, headers);
    let answer: Scripted;
    try {
      answer = queue.shift() ?? (await responder?.(req)) ?? defaultAnswer(req);
    } catch (e) {
      return errorAnswer({ status: 500, message: `emulator responder threw: ${String(e)}` });
    }
    if (answer.delayMs) await sleep(answer.delayMs);
    if ("error" in answer) return errorAnswer(answer.error);
    // A script may call a tool the request did not offer: a model can, and callers must refuse it.
    if ("toolUses" in answer && req.toolNames.length === 0)
      return errorAnswer({
        status: 500,
        message: "emulator script answers with tool calls, but the request offers no tools",
      });
    const reply =
      "text" in answer || "json" in answer || "toolUses" in answer ? answer : defaultAnswer(req);

    const content: WireBlock[] = [];
    let text = "text" in reply && reply.text !== undefined ? reply.text : "";
    if ("json" in reply) text = JSON.stringify(reply.json);
    let stopReason: StopReason =
      reply.stopReason ?? ("toolUses" in reply ? "tool_use" : "end_turn");
    if (textTokens(text.length) > body.max_tokens) {
      text = text.slice(0, body.max_tokens * 4);
      stopReason = reply.stopReason ?? "max_tokens";
    }
    if (text !== "" || !("toolUses" in reply)) content.push({ type: "text", text });
    let toolChars = 0;
    if ("toolUses" in reply) {
      for (const u of reply.toolUses) {
        content.push({
          type: "tool_use",
          id: u.id ?? newId("toolu"),
          name: u.name,
          input: u.input,
        });
        toolChars += JSON.stringify(u.input ?? null).length + u.name.length;
      }
    }
    const input = accountInput(body);
    const usage: EmulatedUsage = {
      input_tokens: input.input,
      output_tokens: Math.max(1, textTokens(text.length + toolChars)),
      cache_creation_input_tokens: input.creation,
      cache_read_input_tokens: input.read,
      cache_creation: {
        ephemeral_5m_input_tokens: input.creation - input.creation1h,
        ephemeral_1h_input_tokens: input.creation1h,
      },
      service_tier: "standard",
      ...reply.usage,
    };
    record.status = 200;
    record.usage = usage;
    return c.json(
      {
        id: newId("msg"),
        type: "message",
        role: "assistant",
        model: body.model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage,
      },
      200,
      { "request-id": requestId },
    );
  });

  app.notFound((c) =>
    c.json(
      {
        type: "error",
        error: { type: "not_found_error", message: `Not found: ${c.req.path}` },
        request_id: newId("req"),
      },
      404,
    ),
  );

  const server = await startServer(app);

  const emu: AnthropicEmulator = {
    url: server.url,
    apiKey,
    requests,
    respond(handler) {
      responder = handler;
    },
    enqueue(...answers) {
      queue.push(...answers);
    },
    failNext(spec, times = 1) {
      for (let i = 0; i < times; i++) failures.push(spec);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
      failures.length = 0;
      cache.clear();
      responder = undefined;
      latencyMs = 0;
    },
    async waitFor(predicate, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(emu)) {
        if (Date.now() > deadline) {
          throw new Error(
            `anthropic emulator: waitFor timed out after ${timeoutMs} ms; ${requests.length} request(s), statuses: ${requests.map((r) => r.status ?? "pending").join(", ") || "none"}`,
          );
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      for (const release of [...sleepers]) release();
      await server.close();
    },
  };
  return emu;
}
