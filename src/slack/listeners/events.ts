import type { App } from "@slack/bolt";
import type { ConversationId } from "../../core/ids.ts";
import { ignoreReason } from "../../core/relay.ts";
import { slackKey } from "../../jobs/keys.ts";
import { enqueueJob } from "../../jobs/repository.ts";
import { inTransaction } from "../../store/tx.ts";
import { threadNotice } from "../blocks/index.ts";
import { enqueueThreadPost } from "../enqueue.ts";
import type { RelayPayload } from "../jobs/relay.ts";
import { unmatchedThreadKey } from "../jobs/unmatched-reply.ts";
import { hasOpenJobs, messageBySlackTs, threadByRoot, unrecordedRootIn } from "../store.ts";
import type { ListenerDeps } from "./context.ts";
import { publishHome, registerHomeListeners } from "./home.ts";

interface MessageEventLike {
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: { id: string; name?: string; mimetype?: string; url_private?: string }[];
  message?: {
    ts?: string;
    thread_ts?: string;
    user?: string;
    text?: string;
    edited?: { ts?: string };
  };
  previous_message?: { ts?: string; thread_ts?: string; user?: string; text?: string };
}

/** Message events (thread replies to relay) and the Home tab (opening it and its own actions). */
export function registerEventListeners(app: App, deps: ListenerDeps): void {
  app.event("message", async ({ event, context }) => {
    const m = event as unknown as MessageEventLike;
    const inner = m.message ?? m.previous_message;
    const threadTs = m.thread_ts ?? inner?.thread_ts;
    const reason = ignoreReason(
      { subtype: m.subtype, user: m.user ?? inner?.user, botId: m.bot_id, threadTs, ts: m.ts },
      { botUserId: context.botUserId ?? null, botId: context.botId ?? null },
    );
    // A message without a channel or with a non-string thread (never sent by Slack; found by
    // the fuzz campaign, which turned it into a database error and a 500) cannot be a reply.
    if (typeof threadTs !== "string" || typeof m.channel !== "string") return;
    const thread = threadByRoot(deps.db, m.channel, threadTs);
    // Only threads the service opened, in the channels it posted them to, are relayed. A thread
    // whose root a handoff posted but has not recorded yet (a crash or a lost answer right after
    // the post) is not known here: while such a handoff exists in the channel, the reply is kept
    // as a relay job that waits for the root to be recorded (see relayUnmatched).
    if (!thread) {
      if (reason === null && unrecordedRootIn(deps.db, m.channel)) {
        enqueueRelay(m, threadTs, unmatchedThreadKey(m.channel, threadTs));
      } else {
        deps.logger.debug(
          { reason, channel: m.channel, ts: m.ts, threadTs },
          "slack message not relayed: not a thread the service opened",
        );
      }
      return;
    }
    const conversationId = thread.conversationId as ConversationId;
    // Slack also sends message_changed when it adds a link preview: same text, not an edit.
    const unfurlOnly = reason === "edit" && m.message?.text === m.previous_message?.text;
    if ((reason === "edit" && !unfurlOnly) || reason === "delete") {
      const originalTs = inner?.ts;
      // Only edits of replies that were relayed matter: the customer already has the old text.
      // Mirrored customer messages are linked to their thread posts too; they were never sent.
      const original = originalTs ? messageBySlackTs(deps.db, m.channel, originalTs) : undefined;
      if (original?.direction === "out" && original.author === "agent") {
        const notice = threadNotice({
          kind: reason === "edit" ? "edit_not_resent" : "delete_not_resent",
        });
        inTransaction(deps.db, () =>
          enqueueThreadPost(
            deps.db,
            { conversationId, ...notice },
            `${reason}:${m.channel}:${originalTs}:${m.message?.edited?.ts ?? m.ts}`,
          ),
        );
        deps.wake();
      }
      return;
    }
    if (reason !== null) {
      deps.logger.debug({ reason, channel: m.channel, ts: m.ts }, "slack message not relayed");
      return;
    }
    // Replies of this thread still waiting from before its root was recorded go first.
    const waiting = unmatchedThreadKey(m.channel, threadTs);
    enqueueRelay(m, threadTs, hasOpenJobs(deps.db, waiting) ? waiting : slackKey(conversationId));
  });

  function enqueueRelay(m: MessageEventLike, threadTs: string, orderKey: string) {
    const payload: RelayPayload = {
      channel: m.channel,
      ts: m.ts,
      threadTs,
      user: m.user!,
      text: m.text ?? "",
      files: (m.files ?? []).map((f) => ({
        id: f.id,
        name: f.name ?? null,
        mimetype: f.mimetype ?? null,
        urlPrivate: f.url_private ?? null,
      })),
    };
    // The dedupe key makes Slack's retries and repeated deliveries of one message a no-op.
    inTransaction(deps.db, () =>
      enqueueJob(deps.db, {
        kind: "slack.relay",
        payload,
        orderKey,
        dedupeKey: `relay:${m.channel}:${m.ts}`,
      }),
    );
    deps.wake();
  }

  // Opening the tab draws it in the default state (today, all, first page); its own buttons
  // carry any other state (src/slack/listeners/home.ts).
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    await publishHome(deps, client, event.user);
  });
  registerHomeListeners(app, deps);
}
