import type { TurnActions } from "../agent/record.ts";
import { type AgentConfig, NO_ACTIONS } from "../core/agent-config.ts";
import {
  type AgentTool,
  actionKey,
  buildAgentTools,
  checkToolCall,
  type ToolCall,
} from "../core/agent-tools.ts";
import type { BusinessPrompt } from "./prompt-file.ts";

/** A `tool_result` block as sent back to the model. */
export interface ToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content: string;
  is_error?: boolean;
}

/** The tools of one turn: what is offered, and what answers the model's calls. */
export interface TurnTools {
  defs: AgentTool[];
  /** Checks each call, collects it (accepted or refused) and returns the results to send back. */
  run(calls: readonly ToolCall[]): ToolResultBlock[];
}

/** The most tool calls one turn may make; more are refused (a model in a loop costs money). */
export const MAX_TOOL_CALLS_PER_TURN = 8;

/**
 * The business's agent configuration. The prompt file parser (src/ai/prompt-file.ts) adds
 * `agent` and `actionRules`; read defensively so a prompt without them means "talk only".
 */
export function agentOf(prompt: BusinessPrompt): AgentConfig {
  return (prompt as { agent?: AgentConfig }).agent ?? NO_ACTIONS;
}

/** The `## Action rules` bullets, as a list. */
export function actionRulesOf(prompt: BusinessPrompt): string[] {
  const rules = (prompt as { actionRules?: unknown }).actionRules;
  if (Array.isArray(rules)) return rules.filter((r): r is string => typeof r === "string");
  if (typeof rules === "string")
    return rules
      .split(/\r?\n/)
      .map((l) => l.replace(/^\s*[-*•]\s*/, "").trim())
      .filter(Boolean);
  return [];
}

/**
 * The tools for one turn, or null when the business enabled none. Accepted calls are
 * deduplicated by their idempotency key (a second tier, or a second round, asking for the same
 * thing queues it once); every call is answered, refusals with `is_error` and the reason, so the
 * model can tell the customer or correct itself.
 */
export function turnTools(
  config: AgentConfig,
  rules: readonly string[],
  conversationId: number,
  causeMessageId: number | null,
): { tools: TurnTools; actions: TurnActions } | null {
  const defs = buildAgentTools(config, rules);
  if (defs.length === 0) return null;
  const actions: TurnActions = { accepted: [], refused: [] };
  let seen = 0;
  const tools: TurnTools = {
    defs,
    run(calls) {
      return calls.map((call) => {
        seen++;
        const verdict =
          seen > MAX_TOOL_CALLS_PER_TURN
            ? { ok: false as const, reason: "too many actions in one turn" }
            : checkToolCall(config, call);
        if (!verdict.ok) {
          const key = actionKey(conversationId, causeMessageId, {
            action: `refused:${call.name.slice(0, 40)}`,
            input: JSON.stringify(call.input ?? null).slice(0, 2000),
          });
          if (!actions.refused.some((r) => r.key === key))
            actions.refused.push({
              name: call.name,
              input: call.input,
              reason: verdict.reason,
              key,
            });
          return {
            type: "tool_result",
            tool_use_id: call.id,
            content: `Refused: ${verdict.reason}. Nothing was changed.`,
            is_error: true,
          };
        }
        const key = actionKey(conversationId, causeMessageId, verdict.request);
        if (!actions.accepted.some((a) => a.key === key))
          actions.accepted.push({ request: verdict.request, key });
        return {
          type: "tool_result",
          tool_use_id: call.id,
          content: `Accepted: ${describe(verdict.request)}. It is applied after your reply is sent; now answer the customer.`,
        };
      });
    },
  };
  return { tools, actions };
}

function describe(r: TurnActions["accepted"][number]["request"]): string {
  switch (r.action) {
    case "assign_team":
      return `the conversation goes to the ${r.team} team, a person of that team will take over`;
    case "close_conversation":
      return "the conversation will be closed";
    case "update_contact_field":
      return `${r.field} = ${r.value}`;
    case "set_lifecycle_stage":
      return `stage = ${r.stage}`;
  }
}
