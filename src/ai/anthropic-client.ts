import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from "@anthropic-ai/sdk";
import { zodOutputFormat } from "@anthropic-ai/sdk/helpers/zod";
import type {
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  Tool,
} from "@anthropic-ai/sdk/resources/messages";
import type { AgentTool, ToolCall } from "../core/agent-tools.ts";
import { type TokenUsage, usageFromApi } from "./cost.ts";
import { type Decision, decisionSchema, normaliseDecision } from "./decision.ts";

/** One request to a model: system blocks (with cache breakpoints) and the conversation. */
export interface ModelRequest {
  model: string;
  system: TextBlockParam[];
  messages: MessageParam[];
  maxTokens: number;
  /**
   * Tools offered with a decision (the agent's enabled actions). Sent together with the
   * structured output format: the model either calls tools (`stop_reason: "tool_use"`) or
   * answers with the decision JSON. `tool_choice` stays automatic (the 5.x models refuse a
   * forced one).
   */
  tools?: AgentTool[];
}

/**
 * How a structured call ended. `tool_use`: the model called tools instead of deciding (answer
 * them and call again); anything else but `ok` is a failure, never a reply.
 */
export type DecisionResult =
  | { outcome: "ok"; decision: Decision; usage: TokenUsage; latencyMs: number }
  | {
      outcome: "tool_use";
      calls: ToolCall[];
      /** The assistant content to send back before the tool results (text and tool_use blocks). */
      content: ContentBlockParam[];
      usage: TokenUsage;
      latencyMs: number;
    }
  | {
      outcome: "refusal" | "max_tokens" | "malformed";
      detail: string;
      usage: TokenUsage;
      latencyMs: number;
    };

export interface TextResult {
  text: string;
  ok: boolean;
  usage: TokenUsage;
  latencyMs: number;
}

/** The model as the responder sees it; the Anthropic SDK behind it (or a fake in unit tests). */
export interface ModelPort {
  /** A structured decision (`output_config.format`). Throws ModelUnavailableError on API errors. */
  decide(req: ModelRequest, signal?: AbortSignal): Promise<DecisionResult>;
  /** Free text (conversation summaries). Throws ModelUnavailableError on API errors. */
  text(req: ModelRequest, signal?: AbortSignal): Promise<TextResult>;
}

/**
 * The API could not be reached or answered with an error after the SDK's retries (429, 5xx,
 * timeouts, connection errors, or a 4xx that no retry fixes).
 */
export class ModelUnavailableError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly latencyMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ModelUnavailableError";
  }
}

export interface AnthropicClientOptions {
  apiKey: string;
  baseUrl: string | null;
  /** Per request; chat-sized (seconds), not the SDK's 10-minute default. */
  timeoutMs: number;
  maxRetries: number;
}

const DECISION_FORMAT = zodOutputFormat(decisionSchema);

/** The Anthropic SDK behind the ModelPort. */
export function createAnthropicModel(opts: AnthropicClientOptions): ModelPort {
  const client = new Anthropic({
    apiKey: opts.apiKey,
    // Explicit, so the SDK does not read ANTHROPIC_BASE_URL itself (config is parsed once).
    baseURL: opts.baseUrl ?? "https://api.anthropic.com",
    timeout: opts.timeoutMs,
    maxRetries: opts.maxRetries,
    logLevel: "off",
  });

  async function call(
    req: ModelRequest,
    structured: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ message: Anthropic.Message; latencyMs: number }> {
    const started = performance.now();
    try {
      // `create` rather than `parse`: a reply that does not match the schema must still report
      // its usage (we pay for it), so the output is parsed below with the same zod schema.
      const message = await client.messages.create(
        {
          model: req.model,
          max_tokens: req.maxTokens,
          system: req.system,
          messages: req.messages,
          ...(req.tools && req.tools.length > 0 ? { tools: req.tools as Tool[] } : {}),
          ...(structured
            ? { output_config: { format: { type: "json_schema", schema: DECISION_FORMAT.schema } } }
            : {}),
        },
        signal ? { signal } : {},
      );
      return { message, latencyMs: Math.round(performance.now() - started) };
    } catch (err) {
      const latencyMs = Math.round(performance.now() - started);
      if (err instanceof APIUserAbortError || signal?.aborted) throw err;
      if (err instanceof APIError || err instanceof APIConnectionError) {
        throw new ModelUnavailableError(
          `${req.model}: ${err.message}`,
          typeof err.status === "number" ? err.status : null,
          latencyMs,
          { cause: err },
        );
      }
      throw err;
    }
  }

  const textOf = (m: Anthropic.Message) =>
    m.content
      .filter((b): b is Anthropic.TextBlock => b.type === "text")
      .map((b) => b.text)
      .join("");

  return {
    async decide(req, signal) {
      const { message, latencyMs } = await call(req, true, signal);
      const usage = usageFromApi(message.usage);
      const uses = message.content.filter(
        (b): b is Anthropic.ToolUseBlock => b.type === "tool_use",
      );
      if (message.stop_reason === "tool_use" && uses.length > 0) {
        return {
          outcome: "tool_use",
          calls: uses.map((b) => ({ id: b.id, name: b.name, input: b.input })),
          // Sent back as it came (text and tool_use blocks only), as the API requires.
          content: message.content.flatMap((b): ContentBlockParam[] =>
            b.type === "tool_use"
              ? [{ type: "tool_use", id: b.id, name: b.name, input: b.input }]
              : b.type === "text" && b.text !== ""
                ? [{ type: "text", text: b.text }]
                : [],
          ),
          usage,
          latencyMs,
        };
      }
      if (message.stop_reason === "refusal" || message.stop_reason === "max_tokens") {
        return {
          outcome: message.stop_reason,
          detail: `stop_reason ${message.stop_reason}`,
          usage,
          latencyMs,
        };
      }
      try {
        const decision = normaliseDecision(DECISION_FORMAT.parse(textOf(message)));
        return { outcome: "ok", decision, usage, latencyMs };
      } catch (err) {
        return {
          outcome: "malformed",
          detail: (err as Error).message.slice(0, 300),
          usage,
          latencyMs,
        };
      }
    },
    async text(req, signal) {
      const { message, latencyMs } = await call(req, false, signal);
      return {
        text: textOf(message).trim(),
        ok: message.stop_reason === "end_turn" || message.stop_reason === "stop_sequence",
        usage: usageFromApi(message.usage),
        latencyMs,
      };
    },
  };
}
