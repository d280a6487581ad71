import type { ServerType } from "@hono/node-server";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { createAgentActionJob } from "./agent/action-job.ts";
import { createFollowUpJob, FOLLOW_UP_JOB, scheduleFollowUps } from "./agent/follow-ups.ts";
import { agentOf } from "./ai/agent-turn.ts";
import { createAnthropicModel } from "./ai/anthropic-client.ts";
import { storedBreakerState } from "./ai/breaker-store.ts";
import { CircuitBreaker } from "./ai/circuit-breaker.ts";
import { HANDOFF_JOB, requestHandoff, whenHandoffCommitted } from "./ai/handoff.ts";
import { createKnowledgeBase, type KnowledgeBase } from "./ai/knowledge-base.ts";
import type { Transcriber } from "./ai/media.ts";
import { PRICES } from "./ai/pricing.ts";
import { loadBusinessPrompt } from "./ai/prompt-file.ts";
import { createResponder } from "./ai/responder.ts";
import { type Config, databaseLocation } from "./config.ts";
import { AGENT_ACTION_JOB } from "./core/agent-config.ts";
import type { ConversationId, MessageId } from "./core/ids.ts";
import { serviceUpSince } from "./core/uptime.ts";
import { type AppEnv, createHttpApp } from "./http/app.ts";
import { createMetrics } from "./http/metrics.ts";
import { createObserver } from "./http/observer.ts";
import { enqueueJob, STALE_HEARTBEATS, workerLives } from "./jobs/repository.ts";
import { createJobRunner, type JobRunner } from "./jobs/runner.ts";
import type { ClaimedJob, JobHandler } from "./jobs/types.ts";
import type { Logger } from "./logger.ts";
import { createSendJob, sendJobDeadHandler } from "./outbound/send-job.ts";
import { clearAlert, type RateAlertSettings, raiseAlert, startRateAlerts } from "./slack/alerts.ts";
import { createSlackApp } from "./slack/app.ts";
import { createSlackBridge } from "./slack/bridge.ts";
import { takeCsatTap } from "./slack/csat.ts";
import { notifyFailure, onStatusApplied } from "./slack/delivery.ts";
import type { SlackDeps, SlackSettings } from "./slack/deps.ts";
import { enqueueThreadPost } from "./slack/enqueue.ts";
import { hasThread, showEvent } from "./slack/events.ts";
import { createHandoffSummaryJob, HANDOFF_SUMMARY_JOB } from "./slack/jobs/handoff-summary.ts";
import { notifyOptOutChange } from "./slack/opt-out.ts";
import { threadForConversation } from "./slack/store.ts";
import { templateStatusHandler } from "./slack/template-status.ts";
import { createJobWebClient } from "./slack/web.ts";
import { type Db, describeDatabase, listenForJobs, openDatabase } from "./store/db.ts";
import { startPruningTimer } from "./store/pruning.ts";
import { getMessage } from "./store/repositories/messages.ts";
import { startRetentionTimer } from "./store/retention.ts";
import { createSettingsReader } from "./store/runtime-settings.ts";
import { inTransaction } from "./store/tx.ts";
import { createTurnDeadHandler, mirrorDeadHandler } from "./turns/dead.ts";
import { routeTurns } from "./turns/router.ts";
import { createTurnJob } from "./turns/turn-job.ts";
import type { TurnProcessor } from "./turns/types.ts";
import { createGraphClient, type GraphClient } from "./whatsapp/graph/client.ts";
import { createWhatsAppRoutes } from "./whatsapp/routes.ts";

/** A started service. */
export interface Service {
  config: Config;
  db: Db;
  graph: GraphClient;
  runner: JobRunner;
  kb: KnowledgeBase;
  /** The bound HTTP port (useful with PORT=0). */
  port: number;
  url: string;
  /**
   * Answers webhooks with 503 (Meta and Slack retry them later), stops accepting requests, lets
   * running jobs finish for up to `timeoutMs` (default JOB_SHUTDOWN_MS) and releases the rest to
   * the queue, closes the database.
   */
  stop(timeoutMs?: number): Promise<void>;
  /** A second signal: releases running jobs at once, without waiting (the process then exits). */
  abandon(): void;
}

export interface ServiceOverrides {
  /** Replaces the AI responder as the turn processor. */
  processor?: TurnProcessor;
  /** Speech to text for voice notes (no default). */
  transcriber?: Transcriber;
  /** Extra route groups served by the same app (the sandbox's console), keyed by path. */
  mounts?: Record<string, Hono<AppEnv>>;
}

/**
 * Wires everything from a parsed Config: database (migrated), Graph client, job runner and its
 * handlers, HTTP routes; then listens. The one place that knows every module.
 */
export async function startService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<Service> {
  // This instance's start: the floor of the service's uninterrupted uptime (see createSendJob).
  const startedAt = Date.now();
  const db = openDatabase(databaseLocation(config), {
    warn: (fields, msg) => logger.warn({ component: "store", ...fields }, msg),
  });
  // /metrics: gauges read from the database with the business day, plus the latency histograms
  // and escalation counter the jobs and routes below feed through `observer`.
  const metricsRegistry = createMetrics(db, { utcOffsetMinutes: config.business.utcOffsetMinutes });
  const observer = createObserver(metricsRegistry);
  const graph = createGraphClient({
    baseUrl: config.whatsapp.graphUrl,
    version: config.whatsapp.graphVersion,
    accessToken: config.whatsapp.accessToken,
    phoneNumberId: config.whatsapp.phoneNumberId,
    businessAccountId: config.whatsapp.businessAccountId,
    timeoutMs: config.whatsapp.timeoutMs,
  });
  const aiLogger = logger.child({ component: "ai" });
  // The prompt is validated at start: a bad file stops the start with every problem listed.
  const business = loadBusinessPrompt(config.ai.promptFile);
  // Follow-ups (the prompt's `## Actions` → followUps): the first is scheduled with each AI reply.
  const followUps = agentOf(business).followUps;
  const kb = createKnowledgeBase({ dir: config.ai.knowledgeDir, logger: aiLogger });
  const model = config.anthropic.apiKey
    ? createAnthropicModel({
        apiKey: config.anthropic.apiKey,
        baseUrl: config.anthropic.baseUrl,
        timeoutMs: config.ai.timeoutMs,
        maxRetries: config.ai.maxRetries,
      })
    : null;
  if (!model) {
    aiLogger.warn(
      "ANTHROPIC_API_KEY is not set: offline mode, answering strong knowledge-base matches only and handing off everything else",
    );
  }
  // Kept in the store, so that several instances share one view of a failing model.
  const breaker = (tier: "fast" | "smart") =>
    new CircuitBreaker({
      failures: config.ai.breakerFailures,
      cooldownMs: config.ai.breakerCooldownMs,
      store: storedBreakerState(db, tier),
      // A trial outlives its slowest call (all retries), so a killed instance's trial is freed.
      trialLeaseMs: Math.max(
        config.ai.breakerCooldownMs,
        config.ai.timeoutMs * (config.ai.maxRetries + 1) + 10_000,
      ),
    });
  const alertSettings = {
    channel: config.slack.alertChannel,
    cooldownMs: config.slack.alertCooldownMinutes * 60_000,
  };
  // Threshold, model ids, opening hours and SLA minutes: the environment's defaults, overridden
  // by managers from Slack.
  const defaults = {
    confidenceThreshold: config.ai.confidenceThreshold,
    models: { fast: config.anthropic.modelFast, smart: config.anthropic.modelSmart },
    businessHoursText: config.business.hoursText,
    slaMinutes: config.slack.sla.firstMinutes,
  };
  const runtimeSettings = createSettingsReader(db, defaults, {
    modelChoices: config.anthropic.modelChoices ?? [
      ...new Set([defaults.models.fast, defaults.models.smart, ...Object.keys(PRICES)]),
    ],
    utcOffsetMinutes: config.business.utcOffsetMinutes,
  });
  // Shared with the handoff summaries: an open circuit spares them the failing model too.
  const fastBreaker = breaker("fast");
  const responder = createResponder({
    runtime: runtimeSettings.values,
    db,
    graph,
    model,
    business,
    kb,
    breakers: { fast: fastBreaker, smart: breaker("smart") },
    settings: {
      models: { fast: config.anthropic.modelFast, smart: config.anthropic.modelSmart },
      confidenceThreshold: config.ai.confidenceThreshold,
      memoryTurns: config.ai.memoryTurns,
      answerCacheTtlMs: config.ai.answerCacheTtlMs,
      rateLimitPerMinute: config.ai.rateLimitPerMinute,
      dailyTokenBudget: config.ai.dailyTokenBudget,
      // The token budget's day is the business day, as on the Home tab and in /metrics.
      utcOffsetMinutes: config.business.utcOffsetMinutes,
    },
    transcriber: overrides.transcriber ?? null,
    logger: aiLogger,
    // A STOP or a lifted opt-out is announced in the conversation's thread, when it has one.
    onOptOutChange: (conversationId, change) => notifyOptOutChange(db, conversationId, change),
    onAiReply: (conversationId, _replyId, at) =>
      scheduleFollowUps(db, followUps, { conversationId, at }),
  });
  // The runner is created after its handlers; they reach it through this late-bound wake.
  let runner: JobRunner | null = null;
  const wake = () => runner?.wake();
  const slackLogger = logger.child({ component: "slack" });
  const slackDeps: SlackDeps = {
    db,
    web: createJobWebClient(config.slack.botToken, config.slack.apiUrl),
    graph,
    logger: slackLogger,
    settings: slackSettings(config),
    runtimeSettings,
    wake,
    now: Date.now,
    observer,
  };
  const bridge = createSlackBridge(slackDeps, {
    timezoneOffsetMinutes: config.business.utcOffsetMinutes,
  });
  const slack = createSlackApp({
    botToken: config.slack.botToken,
    signingSecret: config.slack.signingSecret,
    appToken: config.slack.appToken,
    apiUrl: config.slack.apiUrl,
    logger: slackLogger,
    // Listeners call the Web API while someone waits for the click to take effect: a few quick
    // retries, not the SDK's default half hour.
    clientOptions: { retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 } },
    ...(config.slack.botId && config.slack.botUserId
      ? { botId: config.slack.botId, botUserId: config.slack.botUserId }
      : {}),
  });
  bridge.register(slack.app);

  const sendDeps = {
    db,
    onFailed: (messageId: MessageId, code: number | null, reason: string) => {
      const msg = getMessage(db, messageId);
      if (msg) notifyFailure(db, msg.conversationId, messageId, code, reason);
    },
  };
  const turnLogger = logger.child({ component: "turn" });
  const handlers: Record<string, JobHandler<never>> = {
    ...bridge.jobs,
    [HANDOFF_SUMMARY_JOB]: createHandoffSummaryJob({
      db,
      model,
      breaker: fastBreaker,
      fastModel: () => runtimeSettings.values().models.fast,
      dailyTokenBudget: config.ai.dailyTokenBudget,
      utcOffsetMinutes: config.business.utcOffsetMinutes,
      logger: slackLogger,
      now: Date.now,
      wake,
    }),
    // The agent's actions the model asked for (issue 12): applied once each, shown in the thread.
    [AGENT_ACTION_JOB]: createAgentActionJob({
      db,
      web: slackDeps.web,
      agent: () => agentOf(business),
      csatSurvey: config.csatSurvey,
      logger: logger.child({ component: "agent" }),
      now: Date.now,
      wake,
    }),
    // Follow-ups: sent on time, cancelled by a reply, a handoff, a close or an opt-out.
    [FOLLOW_UP_JOB]: createFollowUpJob({
      db,
      followUps,
      customFields: agentOf(business).fields.map((f) => f.name),
      logger: logger.child({ component: "agent" }),
      now: Date.now,
      wake,
    }),
    turn: createTurnJob({
      db,
      graph,
      processor: routeTurns({ bot: overrides.processor ?? responder, human: bridge.mirror }),
      logger: turnLogger,
      burst: { burstMs: config.jobs.burstMs, maxBurstMs: config.jobs.burstMs * 4 },
      observer,
    }),
    send: createSendJob({
      ...sendDeps,
      unknownOutcomeWaitMs: config.whatsapp.unknownOutcomeWaitMs,
      upSince: () =>
        serviceUpSince(workerLives(db, Date.now() - STALE_HEARTBEATS * config.jobs.heartbeatMs)) ??
        startedAt,
      graph,
      alerts: {
        raise: (key, text) => raiseAlert(db, alertSettings, key, text, Date.now()),
        clear: (key, text) => clearAlert(db, alertSettings, key, text, Date.now()),
      },
      logger: logger.child({ component: "send" }),
      onStatusApplied,
    }),
  };
  const mirrorDead = mirrorDeadHandler({ logger: slackLogger }) as (
    job: ClaimedJob<never>,
    error: string,
  ) => void;
  runner = createJobRunner({
    // Every dead job is work that did not happen: the operators hear of it (one line per kind
    // and cool-down), besides the kind's own handler.
    onAnyDead: (job, error) =>
      raiseAlert(
        db,
        alertSettings,
        `dead:${job.kind}`,
        `A \`${job.kind}\` job was given up after ${job.attempt} attempt(s): ${error.slice(0, 300)}`,
        Date.now(),
      ),
    db,
    logger: logger.child({ component: "jobs" }),
    handlers,
    leaseMs: config.jobs.leaseMs,
    pollMs: config.jobs.pollMs,
    concurrency: config.jobs.concurrency,
    backoff: { baseMs: Math.min(1_000, config.jobs.backoffMaxMs), maxMs: config.jobs.backoffMaxMs },
    retryBudgetMs: config.jobs.retryBudgetMs,
    // A handoff is never given up (nobody would see the conversation): it retries until its
    // attempts (HANDOFF_MAX_ATTEMPTS) run out, days at the backoff cap.
    retryBudgetByKind: { [HANDOFF_JOB]: Number.POSITIVE_INFINITY },
    heartbeatMs: config.jobs.heartbeatMs,
    onDead: {
      send: sendJobDeadHandler(sendDeps),
      // A turn that died (model or Graph down past the retry budget) hands the customer to a
      // person instead of leaving them unanswered.
      turn: createTurnDeadHandler({
        db,
        logger: turnLogger,
        handOff: (t) => {
          const payload = {
            conversationId: t.conversation.id as ConversationId,
            reason: "model_unavailable" as const,
            detail: `the automatic answer failed for longer than the retry budget: ${t.error}`,
            confidence: null,
            summary: null,
            lastCustomerText: t.customerText,
            language: t.language,
            customerNotified: false,
            at: t.at,
          };
          const handed = requestHandoff(db, payload);
          // Inside the death transaction: counted only once it has committed.
          if (handed) whenHandoffCommitted(db, payload, () => observer.escalation(payload.reason));
          return handed;
        },
        notifyThread: (conversationId, text) => {
          if (!threadForConversation(db, conversationId)?.rootTs) return false;
          enqueueThreadPost(db, { conversationId, text });
          return true;
        },
      }) as (job: ClaimedJob<never>, error: string) => void,
      "slack.post": mirrorDead,
      "slack.mirror_media": mirrorDead,
      ...bridge.onDead,
    },
  });
  // True from the first SIGTERM: webhooks get 503 (retried later by Meta and Slack) and /healthz
  // says "draining", while the running jobs finish or are released.
  let draining = false;
  const app = createHttpApp({
    logger,
    db,
    draining: () => draining,
    metrics: metricsRegistry,
    metricsToken: config.metricsToken,
    observer,
    mounts: {
      "/webhooks/whatsapp": createWhatsAppRoutes({
        db,
        appSecret: config.whatsapp.appSecret,
        verifyToken: config.whatsapp.verifyToken,
        ingest: {
          burstMs: config.jobs.burstMs,
          maxAttempts: config.jobs.maxAttempts,
          onStatusApplied,
          groupMessages: config.whatsapp.groupMessages,
          hasThread,
          onEvent: showEvent,
          // Announced in the escalation channel; rejected/paused/disabled also alert operators.
          onTemplateStatus: templateStatusHandler(alertSettings),
          // CSAT: a tap on a survey button is a rating, not a new question.
          intercept: takeCsatTap,
        },
        onIngested: (r) => {
          if (
            r.nextTurnAt !== null ||
            r.statuses.applied + r.statuses.unknown_message > 0 ||
            r.events > 0 ||
            r.intercepted > 0
          )
            jobRunner.wake(r.nextTurnAt ?? Date.now());
        },
      }),
      ...(slack.routes ? { "/slack/events": slack.routes } : {}),
      ...overrides.mounts,
    },
  });
  const jobRunner = runner;
  let listening: Awaited<ReturnType<typeof listen>>;
  try {
    await slack.start();
    listening = await listen(app.fetch, config.port);
  } catch (err) {
    // Nothing is running yet: release what is open so a caller that handles the error (a test,
    // a supervisor in the same process) is not left with a locked database and a file watcher.
    await slack.stop().catch(() => {});
    kb.close();
    db.$client.close();
    throw err;
  }
  const { server, port } = listening;
  jobRunner.start();
  // Several instances on one PostgreSQL database: a job queued (or put back) by another instance
  // wakes this runner at once (NOTIFY from a trigger on jobs), instead of at its next poll.
  const stopListening = listenForJobs(db, () => jobRunner.wake());
  const stopSweeper = bridge.startSweeper(config.slack.sweepSeconds * 1000);
  // Rate alerts (send and model errors, answer p95, escalations): evaluated every minute.
  const stopRateAlerts = startRateAlerts({
    db,
    settings: alertSettings,
    rates: rateAlertSettings(config),
    intervalMs: 60_000,
    logger: logger.child({ component: "alerts" }),
    wake: () => jobRunner.wake(),
  });
  // Data retention (RETENTION_*): shortly after start, then daily; unref'd timers.
  const retention = startRetentionTimer({
    db,
    settings: config.retention,
    logger: logger.child({ component: "retention" }),
  });
  // Finished jobs and old status events (JOB_DONE_RETENTION_HOURS, STATUS_EVENT_RETENTION_DAYS):
  // shortly after start, then hourly; unref'd timers.
  const pruning = startPruningTimer({
    db,
    settings: { ...config.pruning, unknownOutcomeWaitMs: config.whatsapp.unknownOutcomeWaitMs },
    logger: logger.child({ component: "pruning" }),
  });
  // Templates for the Send template modal: refreshed once at start when the WABA is known.
  if (config.whatsapp.businessAccountId) {
    inTransaction(db, () =>
      enqueueJob(db, {
        kind: "templates.sync",
        payload: null,
        // One refresh per start, and one for instances that start in the same minute together.
        dedupeKey: `templates.sync:start:${Math.floor(Date.now() / 60_000)}`,
      }),
    );
  }
  logger.info(
    { port, database: describeDatabase(databaseLocation(config)), worker: runner.workerId },
    "jembatan started",
  );

  return {
    config,
    db,
    graph,
    runner: jobRunner,
    kb,
    port,
    url: `http://127.0.0.1:${port}`,
    async stop(timeoutMs = config.jobs.shutdownMs) {
      draining = true;
      stopSweeper();
      stopListening();
      stopRateAlerts();
      await retention.stop();
      await pruning.stop();
      // Jobs first: they finish or are released while the server still answers (503 for
      // webhooks), so a slow keep-alive client cannot hold the release back.
      await jobRunner.stop(timeoutMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const http = server as Partial<Pick<import("node:http").Server, "closeAllConnections">>;
      // A client holding a request open must not keep the process from exiting.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2_000).unref())]);
      http.closeAllConnections?.();
      await slack.stop();
      kb.close();
      db.$client.close();
      logger.info("jembatan stopped");
    },
    abandon() {
      draining = true;
      jobRunner.abandon();
    },
  };
}

/** The Slack side's settings as the service derives them from Config (tests run the sweeper with them). */
export function slackSettings(config: Config): SlackSettings {
  const min = 60_000;
  return {
    botToken: config.slack.botToken,
    escalationChannel: config.slack.escalationChannel,
    routing: config.slack.routing,
    notePrefix: config.slack.notePrefix,
    signature: config.slack.replySignature,
    slaMention: config.slack.sla.mention,
    sla: {
      firstReminderMs: config.slack.sla.firstMinutes * min,
      reminderEveryMs: config.slack.sla.repeatMinutes * min,
      maxReminders: config.slack.sla.maxReminders,
      windowWarningMs: config.slack.windowWarningMinutes * min,
    },
    bridgeMessage: config.bridge,
    businessHours: config.business.hours,
    businessHoursText: config.business.hoursText,
    operatorRetryMs: 5 * min,
    rootRefreshMs: config.slack.rootRefreshSeconds * 1000,
    outageReturnMs: config.ai.returnAfterOutageMinutes * min,
    roles: { managers: config.slack.managers, managerGroup: config.slack.managerGroup },
    alertChannel: config.slack.alertChannel,
    alertCooldownMs: config.slack.alertCooldownMinutes * min,
    csatSurvey: config.csatSurvey,
  };
}

/** The rate alerts' thresholds and windows from Config (tests evaluate them with these). */
export function rateAlertSettings(config: Config): RateAlertSettings {
  const r = config.slack.alertRates;
  return {
    thresholds: {
      sendErrorRate: r.sendErrorRate,
      modelErrorRate: r.modelErrorRate,
      aiP95Ms: r.aiP95Ms,
      escalationRate: r.escalationRate,
      minVolume: r.minVolume,
      windowMinutes: r.windowMinutes,
      escalationWindowMinutes: 60,
    },
    windows: {
      windowMs: r.windowMinutes * 60_000,
      escalationWindowMs: 60 * 60_000,
      // A send is decided within its job's retry budget of its first failure.
      sendLookbackMs: config.jobs.retryBudgetMs,
    },
  };
}

function listen(
  fetch: Parameters<typeof serve>[0]["fetch"],
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port }, (info) => resolve({ server, port: info.port }));
    server.once("error", reject);
  });
}
