import { eq } from "drizzle-orm";
import { commitTurnActions, type TurnActions } from "../agent/record.ts";
import { analysisText, isCutForAnalysis } from "../core/analysis-text.ts";
import { aiMayAnswer } from "../core/conversation.ts";
import type { ConversationId, MessageId } from "../core/ids.ts";
import { detectLanguage } from "../core/language.ts";
import type { OptOutChange } from "../core/opt-out.ts";
import { routeTier } from "../core/router.ts";
import type { RuntimeSettings } from "../core/runtime-settings.ts";
import { detectTriggers } from "../core/triggers.ts";
import { lazyChild } from "../lazy-logger.ts";
import type { Logger } from "../logger.ts";
import { queueOutbound } from "../outbound/queue.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";
import { getContactFields } from "../store/repositories/contact-fields.ts";
import { type ContactRow, getContact } from "../store/repositories/contacts.ts";
import { type ConversationRow, getConversation } from "../store/repositories/conversations.ts";
import { latestReferral } from "../store/repositories/messages.ts";
import { contacts, conversations, messages } from "../store/schema.ts";
import { applyOptOutTurn } from "../turns/opt-out.ts";
import type { Turn, TurnEffects, TurnProcessor } from "../turns/types.ts";
import type { GraphClient } from "../whatsapp/graph/client.ts";
import { actionRulesOf, agentOf, turnTools } from "./agent-turn.ts";
import { cacheKey, hasPersonalData, lookupAnswer, storeAnswer } from "./answer-cache.ts";
import { type ModelPort, ModelUnavailableError } from "./anthropic-client.ts";
import { type CallRecord, failedCall, recordCall, type Tier, textCall } from "./call-log.ts";
import { type CannedText, canned, type Lang } from "./canned.ts";
import type { CircuitBreaker } from "./circuit-breaker.ts";
import { type AnswerOutcome, answerWithFallback } from "./fallback.ts";
import { checkGuards } from "./guards.ts";
import { type HandoffReason, requestHandoff } from "./handoff.ts";
import { getAiSwitch } from "./kill-switch.ts";
import type { KnowledgeBase } from "./knowledge-base.ts";
import { buildTurnContent, type Transcriber } from "./media.ts";
import { loadHistory, splitMemory, summaryRequest } from "./memory.ts";
import { buildPrompt, KB_INLINE_MAX_CHARS } from "./prompt.ts";
import type { BusinessPrompt } from "./prompt-file.ts";

/** The responder's settings (from Config.ai and the model ids). */
export interface ResponderSettings {
  models: Record<Tier, string>;
  confidenceThreshold: number;
  memoryTurns: number;
  answerCacheTtlMs: number;
  rateLimitPerMinute: number;
  dailyTokenBudget: number;
  /** BUSINESS_UTC_OFFSET in minutes: the token budget's day is the business day (default UTC). */
  utcOffsetMinutes?: number;
}

export interface ResponderDeps {
  db: Db;
  /** For customer images and PDFs; null to describe media as text only. */
  graph: Pick<GraphClient, "downloadMedia"> | null;
  /** Null = offline mode (no ANTHROPIC_API_KEY). */
  model: ModelPort | null;
  business: BusinessPrompt;
  kb: KnowledgeBase;
  breakers: Record<Tier, CircuitBreaker>;
  settings: ResponderSettings;
  transcriber?: Transcriber | null;
  logger: Logger;
  /**
   * Called inside the turn's commit when the turn opted the contact out or lifted the opt-out
   * (service.ts: a notice in the conversation's Slack thread, when it has one).
   */
  onOptOutChange?: (conversationId: ConversationId, change: OptOutChange) => void;
  /**
   * Called inside the turn's commit right after the AI's reply to the customer was queued
   * (service.ts: schedules the first follow-up, src/agent/follow-ups.ts), so the reply and what
   * follows it commit together, once.
   */
  onAiReply?: (conversationId: ConversationId, messageId: MessageId, at: number) => void;
  /**
   * The threshold and model ids in force, read on every turn (managers change them from Slack
   * without a restart); `settings` when absent.
   */
  runtime?: () => RuntimeSettings;
  now?: () => number;
}

/** What a turn ends with, applied in the turn job's commit. */
type Action =
  | { kind: "none" }
  | { kind: "optout" }
  | { kind: "notice"; text: string }
  | AnswerOutcome;

interface TurnFacts {
  conversation: ConversationRow;
  contact: ContactRow;
  ids: MessageId[];
  injectionIds: MessageId[];
  language: Lang;
  /** The texts of the turn's customer messages, one per message (for the opt-out rule). */
  texts: string[];
  customerText: string;
  calls: CallRecord[];
  summary: { text: string; through: MessageId } | null;
  firstReply: boolean;
  /** Where to store a fast-tier answer for reuse (null: not cacheable). */
  cacheKey: string | null;
  /** The agent's actions the model asked for (null: no tools offered). */
  actions: TurnActions | null;
}

/** A previous answer below this (threshold + margin) sends the next turn to the smart tier. */
const LOW_CONFIDENCE_MARGIN = 0.15;

/**
 * The AI responder: the turn processor for conversations in state `bot`.
 *
 * Everything remote (media downloads, model calls) happens in `process`; what the turn changes
 * (the reply or notice queued for sending, the handoff, the opt-out, flags, summary) is returned as
 * one function the turn job commits together with its completion. That function re-reads the
 * conversation: if a human took over while the model was thinking, nothing is sent. A crash
 * before the commit leaves no trace but the recorded model calls, and the turn runs again.
 *
 * Order of the checks, cheapest and most certain first: conversation state → opt-out → explicit
 * request for a person → kill switch → rate limit and token budget → media → memory → answer
 * cache → models with the fallback chain (see fallback.ts).
 */
export function createResponder(deps: ResponderDeps): TurnProcessor {
  const { db, logger, settings } = deps;
  const live_ = (): RuntimeSettings =>
    deps.runtime?.() ?? {
      confidenceThreshold: settings.confidenceThreshold,
      models: settings.models,
    };
  const clock = deps.now ?? Date.now;

  return {
    async process(turn: Turn, signal: AbortSignal) {
      const now = clock();
      const live = live_();
      const conversation = getConversation(db, turn.conversation.id);
      if (!conversation || !aiMayAnswer(conversation.state)) {
        logger.debug(
          { conversationId: turn.conversation.id, state: conversation?.state },
          "conversation is not with the AI: responder does nothing",
        );
        return undefined;
      }
      const contact = getContact(db, conversation.contactId);
      if (!contact) return undefined;
      const log = lazyChild(logger, { conversationId: conversation.id });

      // The analysers read at most the first ANALYSIS_MAX_CHARS characters of a text (see
      // src/core/analysis-text.ts); the full text is stored, mirrored and given to the model.
      const triggers = turn.messages.map((m) => ({
        id: m.id,
        t: detectTriggers(analysisText(m.text)),
      }));
      const customerText = turn.messages.map((m) => m.text).join("\n");
      const facts: TurnFacts = {
        conversation,
        contact,
        ids: turn.messages.map((m) => m.id),
        injectionIds: triggers.filter((x) => x.t.injection).map((x) => x.id),
        language: detectLanguage(
          analysisText(customerText),
          contact.language === "en" ? "en" : "id",
        ),
        texts: turn.messages.map((m) => m.text),
        customerText,
        calls: [],
        summary: null,
        firstReply: false,
        cacheKey: null,
        actions: null,
      };
      const handoff = (reason: HandoffReason, notice: CannedText, detail: string | null) =>
        commitFn(facts, {
          kind: "handoff",
          reason,
          detail,
          confidence: null,
          language: facts.language,
          notice,
        });

      if (triggers.some((x) => x.t.optOut)) return commitFn(facts, { kind: "optout" });
      const human = triggers.find((x) => x.t.humanRequest)?.t.humanRequest;
      if (human) return handoff("customer_request", "handoff", human.evidence);
      if (getAiSwitch(db) === "off") return handoff("ai_off", "aiOff", null);
      const trip = checkGuards(
        db,
        contact.id,
        {
          ratePerMinute: settings.rateLimitPerMinute,
          dailyTokenBudget: settings.dailyTokenBudget,
          utcOffsetMinutes: settings.utcOffsetMinutes ?? 0,
        },
        now,
      );
      if (trip) return handoff(trip, "busy", null);

      const content = await buildTurnContent(
        turn.messages,
        { graph: deps.graph, transcriber: deps.transcriber ?? null, logger: log },
        signal,
      );
      if (content.readable === 0) {
        return commitFn(
          facts,
          content.unreadable > 0
            ? { kind: "notice", text: canned("askForText", facts.language) }
            : { kind: "none" },
        );
      }

      deps.kb.refresh();
      const fullQuestion = content.text || customerText;
      const question = analysisText(fullQuestion);
      const onCall = (c: CallRecord) => {
        facts.calls.push(c);
        recordCall(db, conversation.id, facts.ids.at(-1) ?? null, c, clock());
      };

      // Memory: recent exchanges verbatim, older ones folded into the rolling summary.
      const history = loadHistory(db, conversation.id, new Set(facts.ids));
      const memory = splitMemory(
        history,
        settings.memoryTurns,
        conversation.summaryThroughMessageId,
      );
      let verbatim = memory.verbatim;
      let summary = conversation.summary;
      if (memory.toSummarise.length > 0) {
        const refreshed = await refreshSummary(summary, memory.toSummarise, signal, onCall);
        if (refreshed) {
          summary = refreshed;
          facts.summary = { text: refreshed, through: memory.toSummarise.at(-1)!.id };
        } else verbatim = [...memory.toSummarise, ...verbatim];
      }
      const previousSummary = conversation.previousConversationId
        ? (getConversation(db, conversation.previousConversationId)?.summary ?? null)
        : null;

      facts.firstReply = !prepared(
        db,
        "SELECT 1 FROM messages WHERE conversation_id = ? AND direction = 'out' AND author = 'bot' LIMIT 1",
      ).get(conversation.id);
      const route = routeTier({
        text: question,
        turnCount: history.filter((h) => h.role === "user").length + 1,
        previousLowConfidence:
          conversation.lastConfidence !== null &&
          conversation.lastConfidence < live.confidenceThreshold + LOW_CONFIDENCE_MARGIN,
        hasMedia: content.hasMedia,
      });

      // The answer cache: only standalone commodity questions without personal data.
      const names = [contact.profileName ?? ""];
      const scope = {
        language: facts.language,
        kbVersion: deps.kb.version,
        promptVersion: deps.business.version,
      };
      const reusable =
        settings.answerCacheTtlMs > 0 &&
        !content.hasMedia &&
        facts.injectionIds.length === 0 &&
        // A cut text is not cached: two long questions may share their first characters.
        !isCutForAnalysis(fullQuestion) &&
        !hasPersonalData(question, names);
      const key = reusable ? cacheKey(question, scope) : null;
      if (key && route.tier === "fast" && history.length === 0) {
        facts.cacheKey = key;
        const hit = lookupAnswer(db, key, now);
        if (hit) {
          log.info("answered from the answer cache");
          return commitFn(facts, {
            kind: "reply",
            text: hit,
            source: "cache",
            confidence: null,
            language: facts.language,
            reason: "answer_cache",
          });
        }
      }

      const injection = triggers.find((x) => x.t.injection)?.t.injection?.evidence ?? null;
      const prompt = buildPrompt({
        business: deps.business,
        contact,
        // Per turn: $contact.email, $contact.<field> … (the update_contact_field action sets them).
        fields: getContactFields(db, contact.id),
        language: facts.language,
        knowledge: deps.kb.fullText(KB_INLINE_MAX_CHARS),
        hits: deps.kb.search(question, { limit: 3, language: facts.language }),
        summary,
        previousSummary,
        history: verbatim,
        turn: content.blocks,
        firstReply: facts.firstReply,
        injection,
        referral: latestReferral(db, turn.conversation.id as ConversationId),
        now,
      });
      const strong = content.hasMedia ? null : deps.kb.strongMatch(question, facts.language);
      // The business's enabled actions as tools (src/ai/agent-turn.ts); none: the model only talks.
      const agent = turnTools(
        agentOf(deps.business),
        actionRulesOf(deps.business),
        conversation.id,
        facts.ids.at(-1) ?? null,
      );
      facts.actions = agent?.actions ?? null;
      const outcome = await answerWithFallback(
        {
          model: deps.model,
          models: live.models,
          breakers: deps.breakers,
          threshold: live.confidenceThreshold,
          logger: log,
        },
        {
          prompt,
          firstTier: route.tier,
          language: facts.language,
          kbAnswer: strong?.entry.answer ?? null,
          cachedAnswer: () => (key ? lookupAnswer(db, key, clock()) : null),
          signal,
          onCall,
          tools: agent?.tools ?? null,
        },
      );
      const cost = facts.calls.reduce((s, c) => s + c.costUsd, 0);
      log.info(
        {
          route: route.tier,
          routeReasons: route.reasons,
          outcome: outcome.kind,
          source: outcome.kind === "reply" ? outcome.source : undefined,
          reason: outcome.reason,
          calls: facts.calls.length,
          costUsd: cost,
        },
        "turn decided",
      );
      return commitFn(facts, outcome);
    },
  };

  async function refreshSummary(
    previous: string | null,
    items: Parameters<typeof summaryRequest>[2],
    signal: AbortSignal,
    onCall: (c: CallRecord) => void,
  ): Promise<string | null> {
    const breaker = deps.breakers.fast;
    if (!deps.model || !breaker.allow()) return null;
    const req = summaryRequest(live_().models.fast, previous, items);
    try {
      const r = await deps.model.text(req, signal);
      breaker.success();
      onCall(textCall("summary", "fast", req.model, r));
      return r.ok && r.text ? r.text : null;
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) {
        breaker.abandon();
        throw err;
      }
      breaker.failure();
      onCall(failedCall("summary", "fast", req.model, err));
      return null;
    }
  }

  /**
   * The turn's writes, committed by the turn job together with its completion; they report the
   * AI reply or handoff they queued, which the turn job counts after the commit.
   */
  function commitFn(f: TurnFacts, action: Action): () => TurnEffects | undefined {
    return () => {
      const now = clock();
      for (const id of f.injectionIds)
        db.update(messages).set({ injection: true }).where(eq(messages.id, id)).run();
      // The opt-out rule (src/core/opt-out.ts) holds whoever owns the conversation now: a STOP
      // marks the contact and is confirmed once; any other message lifts an earlier opt-out.
      const optOut = applyOptOutTurn(db, {
        conversationId: f.conversation.id as ConversationId,
        contactId: f.contact.id,
        texts: f.texts,
        language: f.language,
        now,
      });
      if (optOut.kind !== "none")
        deps.onOptOutChange?.(f.conversation.id as ConversationId, optOut);
      const fresh = getConversation(db, f.conversation.id);
      if (!fresh || !aiMayAnswer(fresh.state)) {
        logger.info(
          { conversationId: f.conversation.id, state: fresh?.state, action: action.kind },
          "a human took over while the AI was answering: its reply is not sent",
        );
        return undefined;
      }
      db.update(contacts)
        .set({ language: f.language, updatedAt: now })
        .where(eq(contacts.id, f.contact.id))
        .run();
      // The actions the model asked for: refusals recorded, the rest queued as agent.action jobs
      // (each once, by its idempotency key), only while the AI still has the conversation.
      if (f.actions)
        commitTurnActions(
          db,
          f.conversation.id,
          f.ids.at(-1) ?? null,
          f.actions,
          now,
          action.kind === "handoff"
            ? {
                config: agentOf(deps.business),
                language: action.language,
                reason: "Assigned to a team by the AI",
              }
            : undefined,
          f.customerText,
        );
      if (f.summary)
        db.update(conversations)
          .set({ summary: f.summary.text, summaryThroughMessageId: f.summary.through })
          .where(eq(conversations.id, f.conversation.id))
          .run();
      const cost = f.calls.reduce((s, c) => s + c.costUsd, 0);
      // The turn's model cost goes on the customer's newest message of the turn (and on the AI
      // reply it produced, below); the conversation's total was counted as each call returned.
      const turnMessage = f.ids.at(-1);
      if (f.calls.length > 0 && turnMessage !== undefined)
        db.update(messages).set({ costUsd: cost }).where(eq(messages.id, turnMessage)).run();
      const send = (text: string, author: "bot" | "system", extra = {}) => {
        const id = queueOutbound(
          db,
          { conversationId: f.conversation.id, author, content: { kind: "text", body: text } },
          now,
        );
        db.update(messages)
          .set({ costUsd: f.calls.length > 0 ? cost : null, ...extra })
          .where(eq(messages.id, id))
          .run();
        return id;
      };

      switch (action.kind) {
        case "none":
          return undefined;
        case "optout":
          // Marked and confirmed (once) by applyOptOutTurn above.
          return undefined;
        case "notice":
          send(action.text, "system");
          return undefined;
        case "reply": {
          const text = f.firstReply
            ? `${canned("disclosure", action.language)}\n\n${action.text}`
            : action.text;
          const replyId = send(text, "bot", {
            aiTier: action.source,
            aiConfidence: action.confidence,
          });
          deps.onAiReply?.(f.conversation.id as ConversationId, replyId, now);
          if (action.confidence !== null)
            db.update(conversations)
              .set({ lastConfidence: action.confidence })
              .where(eq(conversations.id, f.conversation.id))
              .run();
          if (
            action.source === "fast" &&
            f.cacheKey &&
            // An answer that came with actions belongs to this customer, not to the question.
            !f.actions?.accepted.length &&
            settings.answerCacheTtlMs > 0 &&
            !hasPersonalData(action.text, [f.contact.profileName ?? ""])
          ) {
            storeAnswer(
              db,
              {
                key: f.cacheKey,
                question: f.customerText,
                answer: action.text,
                language: action.language,
              },
              settings.answerCacheTtlMs,
              now,
            );
          }
          return { aiReply: { tier: action.source } };
        }
        case "handoff": {
          // A plain handoff's bridge message ("a person will reply") is the handoff job's: the
          // Slack side adds the expected wait. Special situations are explained here.
          if (action.notice !== "handoff") send(canned(action.notice, action.language), "system");
          if (action.confidence !== null)
            db.update(conversations)
              .set({ lastConfidence: action.confidence })
              .where(eq(conversations.id, f.conversation.id))
              .run();
          const handedOff = requestHandoff(db, {
            conversationId: f.conversation.id,
            reason: action.reason,
            detail: action.detail,
            confidence: action.confidence,
            summary: f.summary?.text ?? fresh.summary,
            lastCustomerText: f.customerText,
            language: action.language,
            customerNotified: action.notice !== "handoff",
            at: now,
          });
          return handedOff ? { handoff: { reason: action.reason } } : undefined;
        }
      }
    };
  }
}
