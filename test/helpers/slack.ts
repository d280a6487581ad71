import { expect } from "vitest";
import { textMessage } from "../../src/emulators/meta-webhook.ts";
import type { SlackMessage } from "../../src/emulators/slack.ts";
import {
  blockActionsPayload,
  eventCallback,
  messageEvent,
  type SlackRequestBody,
  sendSlackRequest,
} from "../../src/emulators/slack-requests.ts";
import { type Harness, SLACK_SIGNING_SECRET } from "./harness.ts";

/** The escalation channel of the test harness and the emulator's default agent. */
export const CHANNEL = "C0ESCALATE";
export const AGENT = "U0AGENT";

/** A handoff thread's root, as opposed to a reply or a channel announcement. */
export const isThreadRoot = (m: SlackMessage) => !m.thread_ts && m.metadata !== undefined;

/** Small helpers over one harness for the Slack end-to-end tests. */
export function slackFlow(h: Harness) {
  const rows = <T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] =>
    h.service.db.$client.prepare(sql).all(...params) as T[];
  // Thread roots: top-level posts carrying the handoff job's metadata (announcements such as a
  // template's review are top-level too, without it).
  const roots = () => h.slack.messages(CHANNEL).filter(isThreadRoot);
  const replies = (root: SlackMessage) => h.slack.threadReplies(CHANNEL, root.ts);
  const sentTexts = () =>
    h.graph.sent
      .filter((s) => s.type === "text")
      .map((s) => (s.body.text as { body: string }).body);
  const conversationId = () =>
    rows<{ id: number }>("select id from conversations order by id desc limit 1")[0]!.id;

  /** Signed Slack request to the app. */
  const request = (body: SlackRequestBody) =>
    sendSlackRequest(h.slackEventsUrl, SLACK_SIGNING_SECRET, body);

  return {
    rows,
    roots,
    replies,
    sentTexts,
    conversationId,
    request,

    /** A customer asks for a person: the responder hands off and the thread's root appears. */
    async handoff(text = "saya mau bicara dengan orang beneran"): Promise<SlackMessage> {
      const before = roots().length;
      expect((await h.meta.send(textMessage(text))).status).toBe(200);
      await h.slack.waitFor(() => roots().length > before, 8000);
      return roots().at(-1)!;
    },

    /** An Events API callback carrying `event`. */
    event: (event: Record<string, unknown>) => request(eventCallback(event)),

    /** A person's reply in the thread: it exists in Slack (the emulator) and arrives as an event. */
    agentReply(
      root: SlackMessage,
      text: string,
      extra: Partial<Parameters<typeof messageEvent>[0]> = {},
    ) {
      const user = extra.user ?? AGENT;
      const posted = h.slack.addMessage(CHANNEL, { user, text, thread_ts: root.ts });
      return messageEvent({
        channel: CHANNEL,
        user,
        text,
        threadTs: root.ts,
        ts: posted.ts,
        ...extra,
      });
    },

    /** Presses a button on the thread's root message. */
    press: (root: SlackMessage, actionId: string) =>
      request(
        blockActionsPayload({
          actionId,
          value: String(conversationId()),
          user: AGENT,
          channel: CHANNEL,
          messageTs: root.ts,
        }),
      ),

    /** Waits until no job is pending or running. */
    async settle(timeout = 8000) {
      await expect
        .poll(
          () =>
            rows<{ n: number }>(
              "select count(*) n from jobs where state in ('pending', 'running')",
            )[0]!.n,
          { timeout, interval: 20 },
        )
        .toBe(0);
    },
  };
}
