import { deterministicSummary } from "../core/handoff-summary.ts";
import type { ConversationId } from "../core/ids.ts";
import { getContact } from "../store/repositories/contacts.ts";
import { getConversation } from "../store/repositories/conversations.ts";
import { latestReferral } from "../store/repositories/messages.ts";
import { type HandoffRootInput, handoffRootMessage, type ThreadStatus } from "./blocks/index.ts";
import type { SlackDeps } from "./deps.ts";
import {
  previousThreadOf,
  type RootShown,
  recentTranscript,
  summaryLines,
  type ThreadRow,
  threadForConversation,
} from "./store.ts";

const TRANSCRIPT_LINES = 10;

function statusLine(thread: ThreadRow): ThreadStatus {
  switch (thread.status) {
    case "waiting":
      return { kind: "waiting" };
    case "in_progress":
      return {
        kind: "in_progress",
        agentName: thread.agentName ?? "",
        agentUserId: thread.agentUserId,
      };
    case "closed":
      return { kind: "closed", by: thread.agentName };
    case "returned_to_ai":
      return { kind: "returned_to_ai", by: thread.agentName ?? "an agent" };
  }
}

/** The model's handoff summary once written; until then (or offline) the deterministic one. */
function handoffSummaryOf(
  deps: Pick<SlackDeps, "db">,
  thread: ThreadRow,
): HandoffRootInput["handoffSummary"] {
  if (thread.handoffSummary) return { text: thread.handoffSummary, source: "ai" };
  const text = deterministicSummary(summaryLines(deps.db, thread.conversationId));
  return text === null ? null : { text, source: "automatic" };
}

/**
 * The root message of a conversation's thread as it should look now (from the database), and
 * what its window field shows (`shown`, to record once it is posted or updated).
 */
export function buildRoot(
  deps: Pick<SlackDeps, "db" | "now">,
  conversationId: ConversationId,
  summary?: string | null,
) {
  const thread = threadForConversation(deps.db, conversationId);
  const conversation = getConversation(deps.db, conversationId);
  if (!thread || !conversation) return null;
  const contact = getContact(deps.db, conversation.contactId);
  const previous = previousThreadOf(deps.db, conversation.previousConversationId);
  const input: HandoffRootInput = {
    conversationId,
    customerName: contact?.profileName ?? null,
    phone: contact?.waId ?? null,
    reason: thread.reason,
    confidence: thread.confidence,
    summary: summary ?? conversation.summary ?? null,
    handoffSummary: handoffSummaryOf(deps, thread),
    transcript: recentTranscript(
      deps.db,
      conversationId,
      TRANSCRIPT_LINES,
      conversation.handoffAt,
    ).map((m) => ({
      from: m.direction === "in" ? "customer" : m.author === "agent" ? "agent" : "bot",
      text: m.text,
      at: m.at,
    })),
    windowEndsAt: conversation.windowEndsAt,
    language: thread.language,
    status: statusLine(thread),
    previousThread: previous?.rootTs ? { channel: previous.channel, ts: previous.rootTs } : null,
    referral: latestReferral(deps.db, conversationId),
    now: deps.now(),
  };
  const shown: RootShown = { windowEndsAt: input.windowEndsAt, at: input.now };
  return { thread, conversation, contact, shown, message: handoffRootMessage(input) };
}
