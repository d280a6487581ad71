import {
  type ActionRequest,
  AGENT_ACTION_JOB,
  type AgentActionJobPayload,
  type AgentConfig,
} from "../core/agent-config.ts";
import { actionKey, findTeam } from "../core/agent-tools.ts";
import type { ConversationId } from "../core/ids.ts";
import { enqueueJob } from "../jobs/repository.ts";
import { actionNotice } from "../slack/blocks/action-notice.ts";
import { enqueueThreadPost } from "../slack/enqueue.ts";
import { createThread, threadForConversation } from "../slack/store.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { agentKey } from "./keys.ts";

/** An action job's payload as queued: the shared contract plus its idempotency key. */
export interface QueuedActionPayload extends AgentActionJobPayload {
  /** agent_actions.idempotency_key; {@link actionKey} of the payload when absent. */
  idempotencyKey?: string;
}

/**
 * The idempotency key of a payload: its own; else, for a model's action, derived from the
 * conversation, cause and request (what the turn used); else (a follow-up's action, queued once
 * by its own dedupe key) the job's id, the same on every run of that job.
 */
export function keyOf(p: QueuedActionPayload, jobId: number): string {
  if (p.idempotencyKey) return p.idempotencyKey;
  return p.source === "model"
    ? actionKey(p.conversationId, p.causeMessageId, p.request)
    : `agent:job:${jobId}`;
}

/** An action applied at most this many times before it is given up (a dead job raises an alert). */
export const AGENT_ACTION_MAX_ATTEMPTS = 50;

/**
 * Queues an accepted action as an `agent.action` job. Call inside the transaction that decided it
 * (the turn's commit): the job exists exactly when the decision does. The job's dedupe key is the
 * action's idempotency key, so a retried turn queues it once. Returns whether it was new.
 */
export function queueAgentAction(db: Db, p: QueuedActionPayload, now: number): boolean {
  const key = p.idempotencyKey ?? actionKey(p.conversationId, p.causeMessageId, p.request);
  const id = enqueueJob(
    db,
    {
      kind: AGENT_ACTION_JOB,
      payload: { ...p, idempotencyKey: key } satisfies QueuedActionPayload,
      // One conversation's actions apply in the order the model asked for them (assign, then
      // close), and never hold up its turns or its Slack thread.
      orderKey: agentKey(p.conversationId),
      dedupeKey: key,
      maxAttempts: AGENT_ACTION_MAX_ATTEMPTS,
    },
    now,
  );
  return id !== null;
}

/** One row of agent_actions, as {@link recordAgentAction} writes it. */
export interface AgentActionRecord {
  conversationId: number;
  causeMessageId: number | null;
  source: "model" | "follow_up";
  /** The action name (or the unknown tool's name, for a refused call). */
  action: string;
  args: unknown;
  outcome: "applied" | "refused";
  detail: string | null;
  idempotencyKey: string;
}

/**
 * Records an action's outcome once: insert-or-skip on the idempotency key. Returns false when it
 * was already recorded (a retried turn, or a job run whose commit already happened), in which
 * case the caller must not apply it again.
 */
export function recordAgentAction(db: Db, r: AgentActionRecord, now: number): boolean {
  const row = prepared(
    db,
    `INSERT INTO agent_actions
       (conversation_id, cause_message_id, source, action, args, outcome, detail, idempotency_key, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
  ).get(
    r.conversationId,
    r.causeMessageId,
    r.source,
    r.action.slice(0, 64),
    JSON.stringify(r.args ?? null).slice(0, 4000),
    r.outcome,
    r.detail?.slice(0, 1000) ?? null,
    r.idempotencyKey,
    now,
  ) as { id: number } | undefined;
  return row !== undefined;
}

/** Whether an action with this key was already recorded. */
export function actionRecorded(db: Db, idempotencyKey: string): boolean {
  return (
    prepared(db, "SELECT 1 FROM agent_actions WHERE idempotency_key = ?").get(idempotencyKey) !==
    undefined
  );
}

/** What a turn decided about the tool calls of its model answers. */
export interface TurnActions {
  accepted: { request: ActionRequest; key: string }[];
  refused: { name: string; input: unknown; reason: string; key: string }[];
}

/**
 * The turn's part: refused calls recorded (with their reason), accepted ones queued. Inside the
 * turn's commit, after it has checked that the AI still owns the conversation.
 */
export function commitTurnActions(
  db: Db,
  conversationId: number,
  causeMessageId: number | null,
  actions: TurnActions,
  now: number,
  /**
   * When the same turn also hands the conversation off, and it was assigned to a team, the
   * thread is created in the team's channel first: the handoff job then posts its root there
   * rather than in the routed channel (it reuses an existing thread row).
   */
  handoff?: { config: AgentConfig; language: "id" | "en"; reason: string },
  /** The customer's words of the turn, quoted in a refusal shown in the thread. */
  because: string | null = null,
): { queued: number; refused: number } {
  const assigned = actions.accepted.find((a) => a.request.action === "assign_team")?.request;
  if (handoff && assigned?.action === "assign_team") {
    const team = findTeam(handoff.config, assigned.team);
    if (team && !threadForConversation(db, conversationId as ConversationId))
      createThread(
        db,
        {
          conversationId: conversationId as ConversationId,
          channel: team.channel,
          reason: handoff.reason,
          confidence: null,
          language: handoff.language,
        },
        now,
      );
  }
  let refused = 0;
  for (const r of actions.refused) {
    if (
      recordAgentAction(
        db,
        {
          conversationId,
          causeMessageId,
          source: "model",
          action: r.name,
          args: r.input,
          outcome: "refused",
          detail: r.reason,
          idempotencyKey: r.key,
        },
        now,
      )
    ) {
      refused++;
      // Shown where agents look when the conversation has a thread (it was handed back to the AI).
      const known = (
        [
          "assign_team",
          "close_conversation",
          "update_contact_field",
          "set_lifecycle_stage",
        ] as const
      ).find((n) => n === r.name);
      if (known && threadForConversation(db, conversationId as ConversationId)) {
        const input = (typeof r.input === "object" && r.input !== null ? r.input : {}) as Record<
          string,
          unknown
        >;
        const str = (k: string) => String(input[k] ?? "?").slice(0, 200);
        const request: ActionRequest =
          known === "assign_team"
            ? { action: known, team: str("team") }
            : known === "close_conversation"
              ? { action: known, summary: str("summary") }
              : known === "update_contact_field"
                ? { action: known, field: str("field"), value: str("value") }
                : { action: known, stage: str("stage") };
        enqueueThreadPost(
          db,
          {
            conversationId: conversationId as ConversationId,
            ...actionNotice({
              request,
              outcome: "refused",
              detail: r.reason,
              source: "model",
              because,
            }),
          },
          `agent-notice:${r.key}`,
          now,
        );
      }
    }
  }
  let queued = 0;
  for (const a of actions.accepted) {
    if (
      queueAgentAction(
        db,
        {
          conversationId,
          causeMessageId,
          source: "model",
          request: a.request,
          idempotencyKey: a.key,
        },
        now,
      )
    )
      queued++;
  }
  return { queued, refused };
}
