import { slackToWhatsApp } from "../../core/format/index.ts";
import type { ContactId, ConversationId } from "../../core/ids.ts";
import { classifyThreadReply, NEUTRAL_AGENT_NAME, planRelay, signReply } from "../../core/relay.ts";
import { isWindowOpen } from "../../core/window.ts";
import type { ClaimedJob, JobHandler } from "../../jobs/types.ts";
import { lazyChild } from "../../lazy-logger.ts";
import type { Logger } from "../../logger.ts";
import { queueOutbound } from "../../outbound/queue.ts";
import type { Db } from "../../store/db.ts";
import { getContact } from "../../store/repositories/contacts.ts";
import { getConversation, transitionConversation } from "../../store/repositories/conversations.ts";
import type { MediaKind } from "../../whatsapp/graph/client.ts";
import { threadNotice } from "../blocks/index.ts";
import type { SlackDeps } from "../deps.ts";
import { enqueueReaction, enqueueRootUpdate, enqueueThreadPost } from "../enqueue.ts";
import {
  knownUserName,
  linkSlackMessage,
  rememberUserName,
  threadByRoot,
  updateThread,
} from "../store.ts";
import { relayUnmatched } from "./unmatched-reply.ts";

/** A person's reply in a handoff thread, as the listener saw it. */
export interface RelayPayload {
  channel: string;
  ts: string;
  threadTs: string;
  user: string;
  text: string;
  files: { id: string; name: string | null; mimetype: string | null; urlPrivate: string | null }[];
}

const NOTE_REACTION = "lock";

const NOT_SENT = {
  closed:
    ":no_entry: This conversation is closed; the reply was not sent. The customer's next message opens a new thread.",
  bot: ":robot_face: This conversation was returned to the AI; the reply was not sent. Press Claim on the root message to take it back.",
} as const;

/** A notice in the thread saying why the reply was not sent. */
function notSent(why: "closed" | "bot" | "opted_out") {
  return why === "opted_out"
    ? threadNotice({ kind: "not_sent_opted_out", what: "reply" })
    : { text: NOT_SENT[why] };
}

/** The conversation's customer said STOP and has not written since (src/core/opt-out.ts). */
function optedOut(db: Db, contactId: number): boolean {
  return (getContact(db, contactId as ContactId)?.optedOutAt ?? null) !== null;
}

/**
 * What a dead relay leaves behind: a notice in the thread, so the agent knows the reply did not
 * reach the customer (for instance after Slack files could not be downloaded for minutes).
 */
export function relayDeadHandler(deps: Pick<SlackDeps, "db">) {
  return (job: ClaimedJob<RelayPayload>, error: string) => {
    const thread = threadByRoot(deps.db, job.payload.channel, job.payload.threadTs);
    if (!thread) return;
    enqueueThreadPost(deps.db, {
      conversationId: thread.conversationId as ConversationId,
      text: `:warning: This reply could not be sent to the customer: ${error}. Please send it again.`,
    });
  };
}

function mediaKind(mime: string | null): MediaKind {
  if (!mime) return "document";
  if (mime === "image/jpeg" || mime === "image/png") return "image";
  if (mime.startsWith("video/")) return "video";
  if (mime.startsWith("audio/")) return "audio";
  return "document";
}

/**
 * `slack.relay`: sends an agent's thread reply to the customer's WhatsApp chat. Notes stay
 * internal (marked with a reaction); outside the 24-hour window nothing is sent and the agent
 * is offered a template; Slack files become WhatsApp media. The WhatsApp sends are queued in the
 * same commit as the job's completion, so a retry never queues them twice.
 */
export function createRelayJob(deps: SlackDeps): JobHandler<RelayPayload> {
  return async (job, ctx) => {
    const p = job.payload;
    const thread = threadByRoot(deps.db, p.channel, p.threadTs);
    // Not a thread the service opened, or one whose root a handoff has not recorded yet.
    if (!thread) return relayUnmatched(deps, lazyChild(deps.logger, { jobId: job.id }), job);
    const conversationId = thread.conversationId as ConversationId;
    const log = lazyChild(deps.logger, { jobId: job.id, conversationId });
    const conversation = getConversation(deps.db, conversationId);
    if (!conversation) return;
    const reply = classifyThreadReply(p.text, deps.settings.notePrefix);
    const now = deps.now();
    const plan = planRelay(
      {
        reply,
        state: conversation.state,
        windowOpen: isWindowOpen(conversation.windowEndsAt, now),
        optedOut: optedOut(deps.db, conversation.contactId),
        hasFiles: p.files.some((f) => f.urlPrivate),
        signature: deps.settings.signature,
      },
      p.user,
    );

    switch (plan.type) {
      case "nothing":
        return;
      case "note":
        ctx.commit(() => {
          enqueueReaction(deps.db, {
            conversationId,
            channel: p.channel,
            ts: p.ts,
            name: NOTE_REACTION,
          });
        });
        deps.wake();
        return;
      case "not_sent":
        ctx.commit(() => {
          enqueueThreadPost(deps.db, { conversationId, ...notSent(plan.why) });
        });
        deps.wake();
        if (plan.why === "opted_out") log.info("agent reply not sent: the customer opted out");
        return;
      case "window_closed":
        ctx.commit(() => {
          enqueueThreadPost(deps.db, {
            conversationId,
            ...threadNotice({
              kind: "window_closed",
              windowEndsAt: conversation.windowEndsAt ?? now,
              conversationId,
            }),
          });
        });
        deps.wake();
        log.info("agent reply not sent: the 24-hour window is closed");
        return;
      case "send":
        break;
    }

    // Names are a courtesy: looked up only when the text needs them, and a failed lookup falls
    // back instead of holding the reply (see lookUpNames).
    const names = await lookUpNames(deps, log, plan.names);
    const agentName = names.get(p.user)?.name ?? null;
    const text = reply.text
      ? signReply(
          slackToWhatsApp(reply.text, { user: (id) => names.get(id)?.name ?? null }),
          agentName ?? NEUTRAL_AGENT_NAME,
          deps.settings.signature,
        )
      : "";
    const media: { kind: MediaKind; id: string; filename: string }[] = [];
    for (const f of p.files) {
      if (!f.urlPrivate) continue;
      const res = await fetch(f.urlPrivate, {
        headers: { authorization: `Bearer ${deps.settings.botToken}` },
        signal: AbortSignal.timeout(30_000),
      });
      if (!res.ok)
        throw Object.assign(new Error(`downloading Slack file ${f.id}: HTTP ${res.status}`), {
          retryable: res.status >= 500,
        });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const mime = f.mimetype ?? "application/octet-stream";
      const filename = f.name ?? f.id;
      const id = await deps.graph.uploadMedia(bytes, mime, filename);
      media.push({ kind: mediaKind(mime), id, filename });
    }

    // Set when this commit records the thread's first human reply: observed after the commit.
    const first: { afterMs: number | null } = { afterMs: null };
    ctx.commit(() => {
      const fresh = getConversation(deps.db, conversationId);
      if (!fresh || (fresh.state !== "escalated" && fresh.state !== "agent")) {
        // Closed or returned to the AI while the reply was being prepared: say so, as above.
        enqueueThreadPost(deps.db, {
          conversationId,
          ...notSent(fresh?.state === "bot" ? "bot" : "closed"),
        });
        return;
      }
      if (optedOut(deps.db, fresh.contactId)) {
        // The customer said STOP while the reply was being prepared.
        enqueueThreadPost(deps.db, { conversationId, ...notSent("opted_out") });
        return;
      }
      for (const [id, found] of names) {
        if (found.fresh && found.name) rememberUserName(deps.db, id, found.name, now);
      }
      const ids = [];
      if (text) {
        ids.push(
          queueOutbound(
            deps.db,
            { conversationId, author: "agent", content: { kind: "text", body: text } },
            now,
          ),
        );
      }
      for (const m of media) {
        ids.push(
          queueOutbound(
            deps.db,
            {
              conversationId,
              author: "agent",
              content: {
                kind: "media",
                media: {
                  kind: m.kind,
                  id: m.id,
                  ...(m.kind === "document" ? { filename: m.filename } : {}),
                },
              },
            },
            now,
          ),
        );
      }
      for (const id of ids) linkSlackMessage(deps.db, id, p.channel, p.ts);
      if (thread.firstHumanReplyAt === null)
        first.afterMs = now - (fresh.handoffAt ?? thread.createdAt);
      if (fresh.state === "escalated")
        transitionConversation(deps.db, conversationId, "escalated", "agent", now);
      updateThread(
        deps.db,
        thread.id,
        {
          status: "in_progress",
          agentUserId: thread.agentUserId ?? p.user,
          agentName: thread.agentName ?? agentName,
          customerWaitingSince: null,
          remindersSent: 0,
          lastReminderAt: null,
          firstHumanReplyAt: thread.firstHumanReplyAt ?? now,
        },
        now,
      );
      if (thread.status !== "in_progress") enqueueRootUpdate(deps.db, conversationId, now);
    });
    // After the commit that completed the job (a failed or retried run never gets here twice).
    if (first.afterMs !== null) deps.observer?.firstHumanReply(first.afterMs / 1000);
    deps.wake();
  };
}

/** A looked-up display name; `fresh` when it came from Slack now (to be remembered). */
interface FoundName {
  name: string | null;
  fresh: boolean;
}

/**
 * Display names of Slack users, from the ones remembered or with `users.info`. Any failure
 * (`user_not_found`, `missing_scope`, a rate limit, an outage) gives no name rather than holding
 * or failing the reply: the caller falls back to a neutral name or the mention's own label.
 */
async function lookUpNames(
  deps: SlackDeps,
  log: Logger,
  userIds: string[],
): Promise<Map<string, FoundName>> {
  const names = new Map<string, FoundName>();
  for (const id of userIds) {
    const known = knownUserName(deps.db, id);
    if (known) {
      names.set(id, { name: known, fresh: false });
      continue;
    }
    try {
      const res = await deps.web.users.info({ user: id });
      const u = res.user;
      const name = u?.profile?.display_name || u?.real_name || u?.name || null;
      names.set(id, { name, fresh: name !== null });
    } catch (err) {
      log.warn({ err, user: id }, "users.info failed; the reply goes out with a fallback name");
      names.set(id, { name: null, fresh: false });
    }
  }
  return names;
}
