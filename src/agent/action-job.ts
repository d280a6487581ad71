import type { WebClient } from "@slack/web-api";
import { eq } from "drizzle-orm";
import { enqueueHandoffJob, type HandoffPayload, requestHandoff } from "../ai/handoff.ts";
import type { ActionRequest, AgentConfig, Team } from "../core/agent-config.ts";
import { checkToolCall, findTeam, pickFewestOpen, pickRoundRobin } from "../core/agent-tools.ts";
import type { ConversationId } from "../core/ids.ts";
import type { JobHandler } from "../jobs/types.ts";
import { lazyChild } from "../lazy-logger.ts";
import type { Logger } from "../logger.ts";
import { actionNotice } from "../slack/blocks/action-notice.ts";
import { closeConversation } from "../slack/controls.ts";
import { enqueueThreadPost } from "../slack/enqueue.ts";
import { createThread, threadForConversation, updateThread } from "../slack/store.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { setContactField } from "../store/repositories/contact-fields.ts";
import { getContact } from "../store/repositories/contacts.ts";
import {
  type ConversationRow,
  getConversation,
  transitionConversation,
} from "../store/repositories/conversations.ts";
import { contacts, conversations } from "../store/schema.ts";
import { actionRecorded, keyOf, type QueuedActionPayload, recordAgentAction } from "./record.ts";

/** What the `agent.action` job needs. */
export interface AgentActionDeps {
  db: Db;
  /** For a team's user group (usergroups.users.list); null: only `members` are picked from. */
  web: Pick<WebClient, "usergroups"> | null;
  /** The agent configuration in force (the prompt file's `## Actions`). */
  agent: () => AgentConfig;
  /** CSAT_SURVEY: a close by the AI asks for a rating like a close from Slack. */
  csatSurvey?: boolean;
  logger: Logger;
  now: () => number;
  wake: () => void;
}

/** Who closes a conversation in Slack's "closed" notice when the AI does it. */
export const AI_ACTOR = { userId: "jembatan-ai", name: "the AI" } as const;

const ROUND_ROBIN_KEY = (team: string) => `agent.round_robin.${team.toLowerCase()}`;

/**
 * `agent.action`: applies one action the model (or a follow-up) asked for, exactly once.
 *
 * Everything it changes is database state, written in the job's single commit together with the
 * agent_actions row (insert-or-skip on the idempotency key) and the job's completion: a crash
 * before the commit leaves nothing and the job runs again; a crash after it leaves the job done;
 * a second run (lease lost, retried turn) finds the key and does nothing. The only remote call,
 * reading a team's user group, happens before the commit and is a read. What Slack shows is
 * queued in the same commit as `slack.post` jobs on the thread's queue.
 *
 * The request is checked again against the configuration in force: an action disabled (or a team
 * removed) since the turn is refused, recorded as refused, and shown as such.
 */
export function createAgentActionJob(deps: AgentActionDeps): JobHandler<QueuedActionPayload> {
  return async (job, ctx) => {
    const p = job.payload;
    const { db } = deps;
    const key = keyOf(p, job.id);
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId: p.conversationId });
    if (actionRecorded(db, key)) {
      log.info({ key }, "agent action already applied: nothing to do");
      return;
    }
    const configured = deps.agent();
    // A follow-up's final action is configured with the follow-up itself, not offered as a tool.
    const config =
      p.source === "follow_up"
        ? { ...configured, actions: [...configured.actions, p.request.action] }
        : configured;
    const verdict = checkToolCall(config, { name: p.request.action, input: inputOf(p.request) });

    // A team's members, read before the commit (a remote read; the pick itself is in the commit).
    let members: string[] = [];
    let team: Team | undefined;
    if (verdict.ok && verdict.request.action === "assign_team") {
      team = findTeam(config, verdict.request.team);
      if (team && team.pick !== "none") members = await teamMembers(deps, team, log);
    }

    const now = deps.now();
    ctx.commit(() => {
      const conversation = getConversation(db, p.conversationId as ConversationId);
      if (!conversation) return;
      const outcome = verdict.ok
        ? apply(
            deps,
            conversation,
            verdict.request,
            { team, members, cause: p.causeMessageId },
            now,
          )
        : { applied: false as const, detail: verdict.reason };
      const request = verdict.ok ? verdict.request : p.request;
      const first = recordAgentAction(
        db,
        {
          conversationId: p.conversationId,
          causeMessageId: p.causeMessageId,
          source: p.source,
          action: request.action,
          args:
            outcome.applied && outcome.picked ? { ...request, picked: outcome.picked } : request,
          outcome: outcome.applied ? "applied" : "refused",
          detail: outcome.detail,
          idempotencyKey: key,
        },
        now,
      );
      // Recorded meanwhile by another run: throwing rolls this run's writes back.
      if (!first) throw new Error(`agent action ${key} was applied by another run`);
      if (threadForConversation(db, p.conversationId as ConversationId)) {
        const notice = actionNotice({
          request,
          outcome: outcome.applied ? "applied" : "refused",
          detail: outcome.detail,
          source: p.source,
          because: p.causeMessageId === null ? null : messageText(db, p.causeMessageId),
          ...(team && outcome.applied
            ? {
                team: {
                  channel: team.channel,
                  picked: outcome.picked ?? null,
                  userGroup: team.userGroup ?? null,
                },
              }
            : {}),
        });
        enqueueThreadPost(
          db,
          { conversationId: p.conversationId as ConversationId, ...notice },
          `agent-notice:${key}`,
          now,
        );
      }
      log.info(
        { action: request.action, applied: outcome.applied, detail: outcome.detail },
        "agent action done",
      );
    });
    deps.wake();
  };
}

type Applied = { applied: true; detail: string | null; picked?: string | null };
type Refused = { applied: false; detail: string };

function inputOf(r: ActionRequest): Record<string, unknown> {
  const { action: _a, ...input } = r;
  return input;
}

function messageText(db: Db, id: number): string | null {
  const row = prepared(db, "SELECT text FROM messages WHERE id = ?").get(id) as
    | { text: string }
    | undefined;
  return row?.text ? row.text : null;
}

/** The action's writes, inside the job's commit. */
function apply(
  deps: AgentActionDeps,
  c: ConversationRow,
  r: ActionRequest,
  ctx: { team: Team | undefined; members: string[]; cause: number | null },
  now: number,
): Applied | Refused {
  const { db } = deps;
  switch (r.action) {
    case "set_lifecycle_stage": {
      const contact = getContact(db, c.contactId);
      if (!contact) return { applied: false, detail: "the contact no longer exists" };
      db.update(contacts)
        .set({ lifecycleStage: r.stage, updatedAt: now })
        .where(eq(contacts.id, c.contactId))
        .run();
      return {
        applied: true,
        detail: contact.lifecycleStage ? `was ${contact.lifecycleStage}` : null,
      };
    }
    case "update_contact_field": {
      if (!getContact(db, c.contactId))
        return { applied: false, detail: "the contact no longer exists" };
      setContactField(db, c.contactId, r.field, r.value, now);
      return { applied: true, detail: null };
    }
    case "close_conversation": {
      if (c.state === "closed")
        return { applied: false, detail: "the conversation is already closed" };
      // The summary stays with the conversation: the customer's next conversation starts with it
      // as its previous summary, and the thread's "closed" notice shows it.
      db.update(conversations).set({ summary: r.summary }).where(eq(conversations.id, c.id)).run();
      if (threadForConversation(db, c.id)) {
        const res = closeConversation(db, c.id, AI_ACTOR, now, { csatSurvey: deps.csatSurvey });
        if (!res.ok) throw new Error(`close failed: ${res.message}`);
      } else if (!transitionConversation(db, c.id, c.state, "closed", now)) {
        throw new Error("the conversation changed while it was being closed");
      }
      return { applied: true, detail: null };
    }
    case "assign_team": {
      const team = ctx.team;
      if (!team) return { applied: false, detail: `unknown team "${r.team}"` };
      if (c.state === "closed") return { applied: false, detail: "the conversation is closed" };
      const picked = pickMember(db, team, ctx.members, now);
      db.update(conversations).set({ team: team.name }).where(eq(conversations.id, c.id)).run();
      let thread = threadForConversation(db, c.id);
      const language = getContact(db, c.contactId)?.language === "en" ? "en" : "id";
      if (!thread) {
        // The handoff job posts the root in the thread's channel: create it in the team's.
        thread = createThread(
          db,
          {
            conversationId: c.id,
            channel: team.channel,
            reason: `Assigned to team ${team.name} by the AI`,
            confidence: null,
            language,
          },
          now,
        );
      }
      const from = thread.channel !== team.channel ? thread : null;
      if (from) {
        // Moved: the old thread gets a pointer (posted there explicitly), the thread row moves
        // to the team's channel without a root, and the handoff job posts the new root there
        // (summary, transcript, buttons); later posts follow the row. Replies still written in
        // the old thread are not relayed (no row owns that root any more): the pointer says so.
        if (from.rootTs)
          enqueueThreadPost(
            db,
            {
              conversationId: c.id,
              text: `➡️ Moved to <#${team.channel}>: the AI assigned this conversation to team *${team.name}*. Continue there; replies here no longer reach the customer.`,
              at: { channel: from.channel, threadTs: from.rootTs },
            },
            `agent-move:${c.id}:${from.channel}:${from.rootTs}`,
            now,
          );
        updateThread(
          db,
          from.id,
          {
            channel: team.channel,
            rootTs: null,
            rootWindowEndsAt: null,
            rootUpdatedAt: null,
            // A new handoff from the AI tells the customer again; one already with a person not.
            ...(c.state === "bot" ? { bridgeSentAt: null } : {}),
          },
          now,
        );
      }
      const payload: HandoffPayload = {
        conversationId: c.id,
        reason: "model_decision",
        detail: `assigned to team ${team.name}`,
        confidence: null,
        summary: c.summary,
        lastCustomerText: ctx.cause === null ? "" : (messageText(db, ctx.cause) ?? ""),
        language,
        // Already with a person: the customer was told then; the move only opens the new root.
        customerNotified: c.state !== "bot",
        at: now,
      };
      if (from && c.state !== "bot") enqueueHandoffJob(db, payload);
      if (c.state === "bot") {
        if (!requestHandoff(db, payload))
          throw new Error("the conversation changed while it was being handed off");
      }
      return {
        applied: true,
        picked,
        // Shown as typed text (escaped), so no channel mention: the old thread links here.
        detail: from ? "the thread moved here from its earlier channel" : null,
      };
    }
  }
}

/** Picks a person of the team (round robin or fewest open), or null (`none`, nobody to pick). */
function pickMember(db: Db, team: Team, members: string[], now: number): string | null {
  if (team.pick === "none" || members.length === 0) return null;
  if (team.pick === "round_robin") {
    const key = ROUND_ROBIN_KEY(team.name);
    const last =
      (
        prepared(db, "SELECT value FROM settings WHERE key = ?").get(key) as
          | { value: string }
          | undefined
      )?.value ?? null;
    const picked = pickRoundRobin(members, last);
    if (picked)
      prepared(
        db,
        `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ).run(key, picked, now);
    return picked;
  }
  return pickFewestOpen(members, openLoad(db));
}

/**
 * Open (escalated or agent) conversations per person: the thread's agent when someone claimed
 * it, else the person the AI last picked for it. Reads the open queue only (partial index).
 */
export function openLoad(db: Db): Map<string, number> {
  const rows = prepared(
    db,
    `SELECT coalesce(t.agent_user_id, (
         SELECT json_extract(a.args, '$.picked') FROM agent_actions a
         WHERE a.conversation_id = c.id AND a.action = 'assign_team' AND a.outcome = 'applied'
         ORDER BY a.id DESC LIMIT 1)) AS person
     FROM conversations c LEFT JOIN slack_threads t ON t.conversation_id = c.id
     WHERE c.state IN ('escalated', 'agent')`,
  ).all() as { person: string | null }[];
  const load = new Map<string, number>();
  for (const r of rows) if (r.person) load.set(r.person, (load.get(r.person) ?? 0) + 1);
  return load;
}

/**
 * The team's members: its user group's (when Slack answers), else its listed `members`. A failed
 * read is not retried: the assignment still happens and mentions the group instead of a person.
 */
async function teamMembers(deps: AgentActionDeps, team: Team, log: Logger): Promise<string[]> {
  if (team.userGroup && deps.web) {
    try {
      const res = await deps.web.usergroups.users.list({ usergroup: team.userGroup });
      if (res.ok && res.users && res.users.length > 0) return [...res.users].sort();
    } catch (err) {
      log.warn(
        { team: team.name, userGroup: team.userGroup, err: (err as Error).message },
        "could not read the team's user group; using its listed members",
      );
    }
  }
  return team.members ?? [];
}
