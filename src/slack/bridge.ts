import type { App } from "@slack/bolt";
import type { ClaimedJob, JobHandler } from "../jobs/types.ts";
import { holdsSingleton } from "../store/singleton.ts";
import { liveSettings, type SlackDeps } from "./deps.ts";
import { createAnnounceJob } from "./jobs/announce.ts";
import { createHandoffJob } from "./jobs/handoff.ts";
import { createMarkMessageJob } from "./jobs/mark-message.ts";
import { createMirrorMediaJob } from "./jobs/mirror-media.ts";
import { createPostJob } from "./jobs/post.ts";
import { createReactJob } from "./jobs/react.ts";
import { createRelayJob, relayDeadHandler } from "./jobs/relay.ts";
import { createUpdateRootJob } from "./jobs/update-root.ts";
import {
  type ListenerDeps,
  registerActionListeners,
  registerCommandListeners,
  registerEventListeners,
  registerSettingsActions,
  registerViewListeners,
} from "./listeners/index.ts";

import { createMirrorProcessor } from "./mirror.ts";
import { returnAfterOutage } from "./outage-return.ts";
import { createRoleCheck } from "./roles.ts";
import { sweepThreads } from "./sweeper.ts";
import { createTemplateSyncJob } from "./templates.ts";

/** The Slack side as the composition root sees it. */
export interface SlackBridge {
  /** Job handlers by kind (`handoff` replaces the AI side's logging default). */
  jobs: Record<string, JobHandler<never>>;
  /** What to record when a Slack-side job is given up (runs with the job's death). */
  onDead: Record<string, (job: ClaimedJob<never>, error: string) => void>;
  /** The turn processor while a human owns a conversation. */
  mirror: ReturnType<typeof createMirrorProcessor>;
  register(app: App): void;
  /** Starts the SLA / window sweeper; returns a function that stops it. */
  startSweeper(intervalMs: number): () => void;
}

/** Builds the Slack side's jobs, listeners and sweeper from its dependencies. */
export function createSlackBridge(
  deps: SlackDeps,
  listenerExtra: Pick<ListenerDeps, "timezoneOffsetMinutes">,
): SlackBridge {
  const listenerDeps: ListenerDeps = {
    db: deps.db,
    logger: deps.logger,
    settings: deps.settings,
    wake: deps.wake,
    now: deps.now,
    graph: deps.graph,
    ...(deps.runtimeSettings ? { runtimeSettings: deps.runtimeSettings } : {}),
    isManager: createRoleCheck(
      deps.web,
      deps.settings.roles ?? { managers: [], managerGroup: null },
      deps.logger,
      deps.now,
    ),
    ...listenerExtra,
  };
  return {
    jobs: {
      handoff: createHandoffJob(deps) as JobHandler<never>,
      "slack.post": createPostJob(deps) as JobHandler<never>,
      "slack.announce": createAnnounceJob(deps) as JobHandler<never>,
      "slack.react": createReactJob(deps) as JobHandler<never>,
      "slack.mark_message": createMarkMessageJob(deps) as JobHandler<never>,
      "slack.update_root": createUpdateRootJob(deps) as JobHandler<never>,
      "slack.relay": createRelayJob(deps) as JobHandler<never>,
      "slack.mirror_media": createMirrorMediaJob(deps) as JobHandler<never>,
      "templates.sync": createTemplateSyncJob(deps) as JobHandler<never>,
    },
    onDead: {
      "slack.relay": relayDeadHandler(deps) as (job: ClaimedJob<never>, error: string) => void,
    },
    mirror: createMirrorProcessor(deps),
    register(app) {
      registerEventListeners(app, listenerDeps);
      registerActionListeners(app, listenerDeps);
      registerSettingsActions(app, listenerDeps);
      registerViewListeners(app, listenerDeps);
      registerCommandListeners(app, listenerDeps);
    },
    startSweeper(intervalMs) {
      const timer = setInterval(() => {
        try {
          // Several instances on one PostgreSQL database: one of them sweeps.
          if (!holdsSingleton(deps.db, "sla-sweeper")) return;
          const now = deps.now();
          const returned = returnAfterOutage(
            deps.db,
            { withinMs: deps.settings.outageReturnMs ?? 0 },
            now,
          );
          // The SLA minutes in force at this sweep (a manager may have changed them).
          if (sweepThreads(deps.db, liveSettings(deps), now) + returned > 0) deps.wake();
        } catch (err) {
          deps.logger.error({ err }, "slack sweeper failed");
        }
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
