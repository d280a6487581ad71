import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import type { ConversationState } from "../core/conversation.ts";
import type { ContactId, ConversationId, JobId, MessageId } from "../core/ids.ts";
import type { OutboundStatus } from "../core/status.ts";

// Timestamps are Unix milliseconds in INTEGER columns: cheap to compare and index in SQLite.
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

/** WhatsApp users we have heard from, keyed on whichever id WhatsApp gave us. */
export const contacts = sqliteTable(
  "contacts",
  {
    id: integer("id").$type<ContactId>().primaryKey({ autoIncrement: true }),
    waId: text("wa_id"),
    userId: text("user_id"),
    profileName: text("profile_name"),
    language: text("language"),
    optedOutAt: integer("opted_out_at"),
    /** The business's lifecycle stage (agent config `stages`), set by the agent's action. */
    lifecycleStage: text("lifecycle_stage"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("contacts_wa_id_unique").on(t.waId),
    uniqueIndex("contacts_user_id_unique").on(t.userId),
  ],
);

/** A customer's conversation; at most one that is not closed per contact. */
export const conversations = sqliteTable(
  "conversations",
  {
    id: integer("id").$type<ConversationId>().primaryKey({ autoIncrement: true }),
    contactId: integer("contact_id")
      .$type<ContactId>()
      .notNull()
      .references(() => contacts.id),
    state: text("state").$type<ConversationState>().notNull().default("bot"),
    /** When the 24-hour customer-service window closes (Unix ms). */
    windowEndsAt: integer("window_ends_at"),
    lastCustomerMessageAt: integer("last_customer_message_at"),
    summary: text("summary"),
    previousConversationId: integer("previous_conversation_id").$type<ConversationId>(),
    /** The newest message the rolling `summary` covers (older turns are summarised, not replayed). */
    summaryThroughMessageId: integer("summary_through_message_id").$type<MessageId>(),
    /** Why the conversation was last handed to a human (see src/ai/handoff.ts). */
    handoffReason: text("handoff_reason"),
    handoffAt: integer("handoff_at"),
    /** The confidence of the AI's last decision; a low one sends the next turn to the smart tier. */
    lastConfidence: real("last_confidence"),
    /** Model calls made for this conversation and what they cost (US$). */
    aiCalls: integer("ai_calls").notNull().default(0),
    aiCostUsd: real("ai_cost_usd").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    closedAt: integer("closed_at"),
    /** The team (agent config `teams`) the conversation was assigned to, by the agent's action. */
    team: text("team"),
  },
  (t) => [
    uniqueIndex("conversations_one_open_per_contact")
      .on(t.contactId)
      .where(sql`${t.state} <> 'closed'`),
    // Covering for the Home tab's escalation rate: it reads the last 7 days' entries only.
    index("conversations_created_idx").on(t.createdAt, t.handoffAt),
    // Partial: the Home tab's queue reads the few hundred open handoffs, not every conversation.
    index("conversations_queue_idx").on(t.state).where(sql`${t.state} IN ('escalated', 'agent')`),
  ],
);

/** Every message in both directions. */
export const messages = sqliteTable(
  "messages",
  {
    id: integer("id").$type<MessageId>().primaryKey({ autoIncrement: true }),
    conversationId: integer("conversation_id")
      .$type<ConversationId>()
      .notNull()
      .references(() => conversations.id),
    /** `event`: a reaction, edit, deletion or system notice (never answered, see core/events.ts). */
    direction: text("direction").$type<"in" | "out" | "event">().notNull(),
    /** Outbound only: who wrote it. */
    author: text("author").$type<"bot" | "agent" | "system">(),
    /** WhatsApp's `wamid.…`; null for outbound messages not yet accepted by the Graph API. */
    waMessageId: text("wa_message_id"),
    kind: text("kind").notNull(),
    text: text("text").notNull().default(""),
    /** JSON: the normalised inbound content, or the outbound request we send. */
    payload: text("payload", { mode: "json" }).notNull(),
    /**
     * Inbound: `received` until a turn has handled it, `group` for group messages kept without a
     * turn. Events: `event`. Outbound: see OutboundStatus.
     */
    status: text("status")
      .$type<OutboundStatus | "received" | "handled" | "group" | "event">()
      .notNull(),
    errorCode: integer("error_code"),
    errorTitle: text("error_title"),
    errorDetail: text("error_detail"),
    quotedWaMessageId: text("quoted_wa_message_id"),
    /** Inbound: the message's own WhatsApp timestamp (Unix ms). */
    waTimestamp: integer("wa_timestamp"),
    statusAt: integer("status_at"),
    /** Outbound: when the last Graph API call for it started (to judge an unknown outcome). */
    sendStartedAt: integer("send_started_at"),
    /** The Slack message that shows (mirrored customer message) or originated (agent reply) it. */
    slackChannel: text("slack_channel"),
    slackTs: text("slack_ts"),
    /** Inbound: the text tried to override the assistant's instructions (never obeyed). */
    injection: integer("injection", { mode: "boolean" }).notNull().default(false),
    /** Outbound AI replies: the tier that answered (fast, smart, kb, cache) and its confidence. */
    aiTier: text("ai_tier"),
    aiConfidence: real("ai_confidence"),
    /** Cost (US$) of the model calls of the turn: on its newest customer message and its reply. */
    costUsd: real("cost_usd"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("messages_wa_message_id_unique").on(t.waMessageId),
    index("messages_conversation_idx").on(t.conversationId, t.id),
    // Partial: only the few messages linked to Slack pay for this index on insert.
    index("messages_slack_idx").on(t.slackChannel, t.slackTs).where(sql`${t.slackTs} IS NOT NULL`),
    // The Home tab's "messages today" counts today's entries instead of scanning the table.
    index("messages_created_idx").on(t.createdAt),
  ],
);

/**
 * Status reports as received, deduplicated on (message id, status). Kept even when the message is
 * unknown: a status can arrive before our send has recorded its wamid.
 */
export const statusEvents = sqliteTable(
  "status_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    waMessageId: text("wa_message_id").notNull(),
    status: text("status").notNull(),
    at: integer("at").notNull(),
    callbackData: text("callback_data"),
    errorCode: integer("error_code"),
    errorTitle: text("error_title"),
    errorDetail: text("error_detail"),
    payload: text("payload", { mode: "json" }).notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("status_events_unique").on(t.waMessageId, t.status)],
);

/** Message templates and their review status, from status webhooks and Graph API syncs. */
export const templates = sqliteTable(
  "templates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    templateId: text("template_id"),
    name: text("name").notNull(),
    language: text("language").notNull(),
    status: text("status").notNull(),
    category: text("category"),
    reason: text("reason"),
    components: text("components", { mode: "json" }),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("templates_name_language_unique").on(t.name, t.language)],
);

/** Durable jobs: written in the same transaction as the data they act on. */
export const jobs = sqliteTable(
  "jobs",
  {
    id: integer("id").$type<JobId>().primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    /** Jobs sharing a key run one at a time, in id order (e.g. `conversation:12`). */
    orderKey: text("order_key"),
    /** Optional idempotency key: a second enqueue with the same key is a no-op. */
    dedupeKey: text("dedupe_key"),
    payload: text("payload", { mode: "json" }),
    state: text("state")
      .$type<"pending" | "running" | "done" | "dead">()
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull(),
    runAt: integer("run_at").notNull(),
    leaseUntil: integer("lease_until"),
    lockedBy: text("locked_by"),
    lastError: text("last_error"),
    /**
     * When the job first failed (or was taken over from a dead worker): the start of its retry
     * time budget (JOB_RETRY_BUDGET_MS). Null while it never failed.
     */
    firstFailedAt: integer("first_failed_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    uniqueIndex("jobs_dedupe_key_unique").on(t.dedupeKey),
    index("jobs_due_idx").on(t.state, t.runAt),
    // By key and state: "is an earlier job of this key unfinished", "is a turn waiting" and "what
    // comes next for this key" read only the open jobs of a key, however many it finished.
    index("jobs_order_key_state_idx").on(t.orderKey, t.state, t.id),
    // Partial and covering: `/metrics` counts the unfinished jobs by kind and state without
    // reading the finished ones (most of the table until they are pruned).
    index("jobs_open_kind_state_idx").on(t.kind, t.state).where(sql`${t.state} <> 'done'`),
  ],
);

/** Operator settings that change without a restart (e.g. the AI kill switch). */
/** Who changed which control, from what to what, and when (roles: managers only). */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The Slack user id of who made the change (or `cli` for an operator command). */
    actor: text("actor").notNull(),
    /** e.g. `ai`, `template.create`. */
    action: text("action").notNull(),
    oldValue: text("old_value"),
    newValue: text("new_value"),
    at: integer("at").notNull(),
  },
  (t) => [index("audit_log_at_idx").on(t.at)],
);

/** Operator alerts posted to the alert channel: one row per key, for cool-down and recovery. */
export const alerts = sqliteTable("alerts", {
  key: text("key").primaryKey(),
  active: integer("active", { mode: "boolean" }).notNull().default(false),
  raisedAt: integer("raised_at"),
  lastSentAt: integer("last_sent_at"),
  occurrences: integer("occurrences").notNull().default(0),
});

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** Every model call with its token usage and cost: the source of the daily token budget. */
export const aiCalls = sqliteTable(
  "ai_calls",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    conversationId: integer("conversation_id").$type<ConversationId>(),
    /** The newest customer message of the turn that made the call (calls per turn). */
    turnMessageId: integer("turn_message_id").$type<MessageId>(),
    purpose: text("purpose").$type<"answer" | "summary">().notNull(),
    tier: text("tier").$type<"fast" | "smart">().notNull(),
    model: text("model").notNull(),
    /** ok | error | refusal | max_tokens | malformed */
    outcome: text("outcome").notNull(),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    cacheWriteTokens: integer("cache_write_tokens").notNull().default(0),
    cacheReadTokens: integer("cache_read_tokens").notNull().default(0),
    costUsd: real("cost_usd").notNull().default(0),
    latencyMs: integer("latency_ms").notNull().default(0),
    error: text("error"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    // Covering: the cost of today and of the last 7 days sums the index without reading rows.
    index("ai_calls_created_cost_idx").on(t.createdAt, t.costUsd),
    index("ai_calls_conversation_idx").on(t.conversationId),
    // The roll-up triggers (db/migrations/0011) ask "is this the first call of its turn".
    index("ai_calls_turn_idx").on(t.turnMessageId).where(sql`${t.turnMessageId} IS NOT NULL`),
  ],
);

/**
 * Reusable fast-tier answers to commodity questions, keyed on the normalised question, the
 * knowledge-base version and the prompt version. Never holds personal data.
 */
export const answerCache = sqliteTable(
  "answer_cache",
  {
    key: text("key").primaryKey(),
    question: text("question").notNull(),
    answer: text("answer").notNull(),
    language: text("language").notNull(),
    hits: integer("hits").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("answer_cache_expires_idx").on(t.expiresAt)],
);

/** Monotonic counters for operators (e.g. answer-cache lookups and hits). */
export const counters = sqliteTable("counters", {
  name: text("name").primaryKey(),
  value: integer("value").notNull().default(0),
  updatedAt: integer("updated_at").notNull().default(now),
});

/** The Slack thread opened for a conversation's handoff (one per conversation). */
export const slackThreads = sqliteTable(
  "slack_threads",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    conversationId: integer("conversation_id").$type<ConversationId>().notNull(),
    channel: text("channel").notNull(),
    /** The root message's ts: the thread's id in Slack. Null until the root is posted. */
    rootTs: text("root_ts"),
    status: text("status")
      .$type<"waiting" | "in_progress" | "closed" | "returned_to_ai">()
      .notNull(),
    agentUserId: text("agent_user_id"),
    agentName: text("agent_name"),
    reason: text("reason").notNull(),
    confidence: real("confidence"),
    language: text("language").$type<"id" | "en">(),
    /** When the customer's oldest unanswered message arrived; null when nobody is waiting. */
    customerWaitingSince: integer("customer_waiting_since"),
    remindersSent: integer("reminders_sent").notNull().default(0),
    lastReminderAt: integer("last_reminder_at"),
    windowWarnedFor: integer("window_warned_for"),
    /** The 24-hour window end the root message last showed (or was queued to show). */
    rootWindowEndsAt: integer("root_window_ends_at"),
    /** When the root message was last drawn or queued for redrawing: the refresh throttle. */
    rootUpdatedAt: integer("root_updated_at"),
    bridgeSentAt: integer("bridge_sent_at"),
    /**
     * The fast tier's summary written for the agents at handoff; null until it is written (the
     * root shows a deterministic summary meanwhile, and for good when the model is unavailable).
     */
    handoffSummary: text("handoff_summary"),
    firstHumanReplyAt: integer("first_human_reply_at"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("slack_threads_conversation_unique").on(t.conversationId),
    uniqueIndex("slack_threads_root_unique").on(t.channel, t.rootTs),
    index("slack_threads_status_idx").on(t.status),
    // Covering for the Home tab's first replies, SLA breaches and per-agent figures of a range
    // (db/migrations/0011): reads the range's threads only, never the rows.
    index("slack_threads_created_agent_idx").on(t.createdAt, t.firstHumanReplyAt, t.agentUserId),
  ],
);

/**
 * The satisfaction survey sent after a conversation a human handled was closed (one per
 * conversation): asked with WhatsApp reply buttons, answered with one tap.
 */
export const csatSurveys = sqliteTable(
  "csat_surveys",
  {
    conversationId: integer("conversation_id").$type<ConversationId>().primaryKey(),
    /** The agent who handled the conversation, for CSAT per agent. */
    agentUserId: text("agent_user_id"),
    agentName: text("agent_name"),
    /** When the question was queued. */
    askedAt: integer("asked_at").notNull(),
    /** 1 (bad) .. 3 (good); null until the customer answers. */
    rating: integer("rating"),
    ratedAt: integer("rated_at"),
  },
  (t) => [
    // CSAT over a range, overall and per agent, reads only the rated rows of that range.
    index("csat_surveys_rated_idx").on(t.ratedAt, t.agentUserId, t.rating),
  ],
);

/** Contact fields the agent filled (standard: name, email, company; custom: agent config). */
export const contactFields = sqliteTable(
  "contact_fields",
  {
    contactId: integer("contact_id")
      .$type<ContactId>()
      .notNull()
      .references(() => contacts.id),
    field: text("field").notNull(),
    value: text("value").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.contactId, t.field] })],
);

/**
 * Every action the agent asked for (a model tool call or a follow-up's final action), with the
 * message that caused it and what became of it: the record Slack shows and an audit of the AI.
 * `idempotency_key` makes a retried turn or job record (and apply) it once.
 */
export const agentActions = sqliteTable(
  "agent_actions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    conversationId: integer("conversation_id").$type<ConversationId>().notNull(),
    causeMessageId: integer("cause_message_id").$type<MessageId>(),
    source: text("source").$type<"model" | "follow_up">().notNull(),
    action: text("action").notNull(),
    args: text("args", { mode: "json" }).notNull(),
    outcome: text("outcome").$type<"applied" | "refused">().notNull(),
    /** Why it was refused, or what it did ("assigned to Sales, mentioned @ayu"). */
    detail: text("detail"),
    idempotencyKey: text("idempotency_key").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("agent_actions_idempotency_unique").on(t.idempotencyKey),
    index("agent_actions_conversation_idx").on(t.conversationId, t.id),
  ],
);

/** Slack users whose display name was resolved once (`users.info`) and kept. */
export const slackUsers = sqliteTable("slack_users", {
  userId: text("user_id").primaryKey(),
  displayName: text("display_name").notNull(),
  updatedAt: integer("updated_at").notNull().default(now),
});

/**
 * Job runners, each with a heartbeat: jobs locked by a runner whose heartbeat stopped (or that
 * announced a clean stop) are taken over at once instead of after their lease.
 */
export const workers = sqliteTable("workers", {
  id: text("id").primaryKey(),
  pid: integer("pid"),
  startedAt: integer("started_at").notNull(),
  heartbeatAt: integer("heartbeat_at").notNull(),
  /** Set by a clean stop: its jobs were released and nothing of it runs any more. */
  stoppedAt: integer("stopped_at"),
});

/**
 * Conversations by state, kept by triggers on `conversations` (db/migrations/0006): each change is
 * counted in the transaction that makes it, exactly once, whichever code path writes it, so
 * `/metrics` reads a handful of rows instead of counting the whole table.
 */
export const conversationStateCounts = sqliteTable("conversation_state_counts", {
  state: text("state").$type<ConversationState>().primaryKey(),
  n: integer("n").notNull().default(0),
});

/**
 * Outbound messages that ended `failed`, by WhatsApp error code (`none` when it had none), kept
 * by triggers on `messages` (db/migrations/0006) in the transaction that writes the message.
 */
export const failedSendCounts = sqliteTable("failed_send_counts", {
  code: text("code").primaryKey(),
  n: integer("n").notNull().default(0),
});

/**
 * The Home tab's figures per UTC hour, kept by triggers on `conversations`, `messages` and
 * `ai_calls` (db/migrations/0011) in the transaction of every write they count, so a range of
 * 30 days sums at most 720 hours per metric instead of reading its rows. Hours (not days) so that
 * a business day in any whole-hour UTC offset sums exactly. Metrics and keys:
 * `conversations` (by creation hour), `escalated` (conversations with a handoff, by creation
 * hour), `handoffs` (by handoff hour; key: the reason), `ai_calls` (key: tier; `total`: cost US$),
 * `ai_latency` (answer calls; key: the latency bin's upper bound in ms, see
 * src/slack/home/latency.ts), `ai_turns` (the first call of each turn), `replies` (AI replies;
 * key: the tier that answered: fast, smart, kb, cache), `failed` (failed sends; key: error
 * code or `none`), `messages` (key: direction).
 */
export const homeHourly = sqliteTable(
  "home_hourly",
  {
    metric: text("metric").notNull(),
    /** Unix ms / 3,600,000, rounded down. */
    hour: integer("hour").notNull(),
    key: text("key").notNull(),
    n: integer("n").notNull().default(0),
    total: real("total").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.metric, t.hour, t.key] })],
);

/**
 * `home_hourly` summed per UTC day (hour / 24), kept by triggers on `home_hourly` itself
 * (db/migrations/0011), so a range of 30 days reads about 30 daily rows and the hours of its two
 * ends instead of 720 hourly rows per metric and key.
 */
export const homeDaily = sqliteTable(
  "home_daily",
  {
    metric: text("metric").notNull(),
    /** Unix ms / 86,400,000, rounded down: the UTC day. */
    day: integer("day").notNull(),
    key: text("key").notNull(),
    n: integer("n").notNull().default(0),
    total: real("total").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.metric, t.day, t.key] })],
);
