import type { HomeView, KnownBlock, SectionBlock } from "@slack/types";
import type { EffectiveSetting } from "../../core/runtime-settings.ts";
import { customerLabel } from "./handoff.ts";
import {
  capBlocks,
  contextLine,
  escapeMrkdwn,
  formatDuration,
  LIMITS,
  maskPhone,
  mrkdwn,
  mrkdwnLink,
  oneLine,
  percent,
  plain,
  slackDate,
  threadUrl,
  truncateMrkdwn,
  userMrkdwn,
} from "./text.ts";

/** The action id of the AI on/off button; its value is the state the click asks for. */
export const AI_TOGGLE_ACTION = "ai_toggle";

/** How many open conversations the Home tab lists. */
export const HOME_QUEUE_LIMIT = 20;

/** One open conversation in the Home tab's queue. Times are Unix ms. */
export interface HomeQueueItem {
  conversationId: number;
  customerName: string | null;
  /** wa_id digits; shown masked. */
  phone: string | null;
  /** `escalated`: waiting for a human; `agent`: a human owns it. */
  state: "escalated" | "agent";
  /** The agent who owns it, when `agent`. */
  agentName: string | null;
  /** Since when the customer has been waiting for an answer; null when nobody is waiting. */
  waitingSince: number | null;
  /** The handoff thread's root message. */
  thread: { channel: string; ts: string } | null;
}

/** What the managers' Home tab shows; the figures are computed by the caller. */
export interface HomeInput {
  /** Whether the AI answers customers. */
  aiEnabled: boolean;
  /** The runtime settings in force and where each comes from (environment or set in Slack). */
  settings?: readonly EffectiveSetting[];
  /** Share (0..1) of conversations handed to humans; null when there were none. */
  escalationRate: number | null;
  /** The period the escalation rate covers, e.g. "last 7 days". */
  escalationPeriod?: string;
  /** Median time from handoff to the first human reply, in ms; null when there were none. */
  medianFirstResponseMs: number | null;
  /** AI cost in US dollars. */
  costTodayUsd: number;
  costWeekUsd: number;
  /** WhatsApp messages in and out today. */
  messagesToday: number;
  /** Open conversations, most urgent first; the first {@link HOME_QUEUE_LIMIT} are listed. */
  queue: HomeQueueItem[];
  /** How many conversations are open when `queue` was cut by the caller; defaults to its length. */
  queueTotal?: number;
  now: number;
}

/** US dollars for the Home tab: "US$12.34", "< US$0.01" for tiny non-zero amounts. */
export function formatUsd(amount: number): string {
  if (!Number.isFinite(amount) || amount <= 0) return "US$0.00";
  if (amount < 0.01) return "< US$0.01";
  return `US$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function queueItem(item: HomeQueueItem, now: number): SectionBlock {
  const who = userMrkdwn(customerLabel(item.customerName, item.phone), 200);
  const state =
    item.state === "agent"
      ? `🧑‍💻 with ${item.agentName === null ? "an agent" : userMrkdwn(item.agentName, 200)}`
      : "⏳ waiting for an agent";
  const waiting =
    item.waitingSince === null
      ? "nobody waiting"
      : `customer waiting ${formatDuration(now - item.waitingSince)}`;
  const link =
    item.thread === null
      ? "no thread"
      : mrkdwnLink(threadUrl(item.thread.channel, item.thread.ts), "Open thread");
  return {
    type: "section",
    block_id: `queue_${item.conversationId}`,
    text: mrkdwn(
      truncateMrkdwn(
        `*${who}* · ${maskPhone(item.phone)} · #${item.conversationId}\n${state} · ${waiting} · ${link}`,
        LIMITS.sectionText,
      ),
    ),
  };
}

const SETTING_LABELS: Record<string, string> = {
  "ai.threshold": "Handoff below confidence",
  "model.fast": "Fast model",
  "model.smart": "Smart model",
};

function settingsBlock(settings: readonly EffectiveSetting[] | undefined): KnownBlock[] {
  if (!settings || settings.length === 0) return [];
  const text = settings
    .map(
      (s) =>
        `${SETTING_LABELS[s.key] ?? s.key}: \`${escapeMrkdwn(oneLine(s.value)).slice(0, 80)}\` (${s.source === "set" ? "set in Slack" : "environment"})`,
    )
    .join(" · ");
  return [contextLine(`${text} · managers: \`/jembatan set\``)];
}

/**
 * The App Home: for managers the AI switch (button `ai_toggle`, value "on"|"off" = the state to
 * switch to), the figures, and the open queue with links to the threads.
 */
export function homeView(
  input: HomeInput,
  viewer: { manager: boolean } = { manager: true },
): HomeView {
  const status = mrkdwn(
    input.aiEnabled
      ? "🤖 *AI replies are on.* The AI answers customers first and hands off to this team."
      : "⏸️ *AI replies are off.* Every new customer message goes straight to this team.",
  );
  const blocks: KnownBlock[] = [
    { type: "header", text: plain("Jembatan: WhatsApp support", LIMITS.headerText) },
    viewer.manager
      ? {
          type: "section",
          block_id: "ai_status",
          text: status,
          accessory: input.aiEnabled
            ? {
                type: "button",
                action_id: AI_TOGGLE_ACTION,
                value: "off",
                style: "danger",
                text: plain("Turn AI off", LIMITS.buttonText),
                confirm: {
                  title: plain("Turn the AI off?", LIMITS.confirmTitle),
                  text: plain(
                    "Customers will wait for a human for every message until the AI is turned back on.",
                    LIMITS.confirmText,
                  ),
                  confirm: plain("Turn off", LIMITS.confirmButton),
                  deny: plain("Cancel", LIMITS.confirmButton),
                },
              }
            : {
                type: "button",
                action_id: AI_TOGGLE_ACTION,
                value: "on",
                style: "primary",
                text: plain("Turn AI on", LIMITS.buttonText),
              },
        }
      : // Agents see the state, not the switch (roles: SLACK_MANAGERS, SLACK_MANAGER_GROUP).
        { type: "section", block_id: "ai_status", text: status },
    ...settingsBlock(input.settings),
    { type: "divider" },
    {
      type: "section",
      block_id: "figures",
      fields: [
        `*Escalation rate*${input.escalationPeriod ? ` (${userMrkdwn(input.escalationPeriod, 100)})` : ""}\n${percent(input.escalationRate)}`,
        `*Median first human reply*\n${input.medianFirstResponseMs === null ? "n/a" : formatDuration(input.medianFirstResponseMs)}`,
        `*AI cost today*\n${formatUsd(input.costTodayUsd)}`,
        `*AI cost this week*\n${formatUsd(input.costWeekUsd)}`,
        `*Messages today*\n${Math.max(0, Math.round(input.messagesToday)).toLocaleString("en-US")}`,
      ].map((f) => mrkdwn(truncateMrkdwn(f, LIMITS.fieldText))),
    },
    contextLine(`Updated ${slackDate(input.now)}`),
    { type: "divider" },
  ];

  const total = Math.max(input.queueTotal ?? input.queue.length, input.queue.length);
  blocks.push({ type: "header", text: plain(`Open conversations (${total})`, LIMITS.headerText) });
  if (total === 0) {
    blocks.push(contextLine("Nobody is waiting. 🎉"));
  } else {
    const shown = input.queue.slice(0, HOME_QUEUE_LIMIT);
    for (const item of shown) blocks.push(queueItem(item, input.now));
    if (total > shown.length) {
      blocks.push(contextLine(`…and ${total - shown.length} more. The threads are in Slack.`));
    }
  }
  return { type: "home", blocks: capBlocks(blocks, LIMITS.viewBlocks) };
}
