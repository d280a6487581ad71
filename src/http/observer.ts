import { Counter, Histogram, type Registry } from "prom-client";

/** Where a webhook came from, as the `source` label of `jembatan_webhook_ack_seconds`. */
export type WebhookSource = "whatsapp" | "slack";

/**
 * What the service's moving parts report about latency and escalations. The composition root
 * (src/service.ts) passes one in; a part built directly (tests, tools) gets {@link noopObserver}.
 *
 * Each method is called once per real event, after the commit that records it (a retried job
 * must not observe twice), so callers never observe inside a transaction that may roll back.
 */
export interface Observer {
  /** A webhook request to one of our protocol routes was answered after `seconds`. */
  webhookAck(source: WebhookSource, seconds: number): void;
  /**
   * An AI reply was queued for sending, `seconds` after the turn's newest customer message
   * arrived; `tier` is where the text came from (fast, smart, kb, cache).
   */
  aiReply(tier: string, seconds: number): void;
  /** A person's first reply of a handoff was queued for the customer, `seconds` after the handoff. */
  firstHumanReply(seconds: number): void;
  /** A conversation was handed to a person, for `reason` (see HandoffReason). */
  escalation(reason: string): void;
}

/** An observer that records nothing: the default wherever none is passed in. */
export const noopObserver: Observer = {
  webhookAck() {},
  aiReply() {},
  firstHumanReply() {},
  escalation() {},
};

/** A webhook must be answered within seconds (Slack gives up after 3 s, Meta after about 20). */
export const WEBHOOK_ACK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Burst wait plus model calls: seconds to a minute, longer only when the model is struggling. */
export const AI_REPLY_BUCKETS = [0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300];
/** People answer in minutes to hours (the SLA reminders start at SLACK_SLA_MINUTES, 15). */
export const FIRST_HUMAN_REPLY_BUCKETS = [
  30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400,
];

/**
 * Registers the latency histograms and the escalation counter on `registry` and returns the
 * observer that feeds them.
 *
 * In-process, unlike the gauges of createMetrics that are read from the database: an event's
 * latency is known only at the moment it happens, and Prometheus expects histograms and
 * counters per instance (a scraper sums several processes sharing one database, and `rate()`
 * copes with the reset at a restart).
 *
 * Escalations are a counter here rather than a gauge read from `conversations` at scrape time:
 * `handoff_reason` keeps only a conversation's latest handoff (a conversation returned to the
 * AI and handed off again would count once), retention deletes old conversations (the figure
 * would go down), and grouping the whole table by reason is the full scan of the history that
 * /metrics avoids (no roll-up of reasons exists). `npm run ai -- status` shows the database's
 * view of today's handoffs.
 */
export function createObserver(registry: Registry): Observer {
  const ack = new Histogram({
    name: "jembatan_webhook_ack_seconds",
    help: "Time to answer a webhook request (WhatsApp /webhooks/whatsapp, Slack /slack/events over HTTP), seconds",
    labelNames: ["source"],
    buckets: WEBHOOK_ACK_BUCKETS,
    registers: [registry],
  });
  const aiReply = new Histogram({
    name: "jembatan_ai_reply_seconds",
    help: "From the arrival of a turn's newest customer message to the AI reply being queued for sending, seconds, by tier",
    labelNames: ["tier"],
    buckets: AI_REPLY_BUCKETS,
    registers: [registry],
  });
  const firstHuman = new Histogram({
    name: "jembatan_first_human_reply_seconds",
    help: "From a handoff to the first agent reply relayed to the customer, seconds",
    buckets: FIRST_HUMAN_REPLY_BUCKETS,
    registers: [registry],
  });
  const escalations = new Counter({
    name: "jembatan_escalations_total",
    help: "Conversations handed to a person since this process started, by reason",
    labelNames: ["reason"],
    registers: [registry],
  });
  // A clock step backwards could give a negative duration; Prometheus buckets start at zero.
  const s = (seconds: number) => Math.max(0, seconds);
  return {
    webhookAck: (source, seconds) => ack.observe({ source }, s(seconds)),
    aiReply: (tier, seconds) => aiReply.observe({ tier }, s(seconds)),
    firstHumanReply: (seconds) => firstHuman.observe(s(seconds)),
    escalation: (reason) => escalations.inc({ reason }),
  };
}
