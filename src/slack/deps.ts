import type { WebClient } from "@slack/web-api";
import type { BusinessHours } from "../core/business-hours.ts";
import type { RoutingRule } from "../core/channel-routing.ts";
import type {
  BridgeRuntimeSettings,
  EffectiveSetting,
  SettingRules,
} from "../core/runtime-settings.ts";
import type { SlaPolicy } from "../core/sla.ts";
import type { Observer } from "../http/observer.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import type { GraphClient } from "../whatsapp/graph/client.ts";
import type { RoleSettings } from "./roles.ts";

/** The Slack side's settings, taken from Config by the composition root. */
export interface SlackSettings {
  botToken: string;
  escalationChannel: string;
  routing: RoutingRule[];
  notePrefix: string;
  /** e.g. `*{name}*: `; empty = no signature. */
  signature: string;
  /** Mention used in SLA reminders: `<!here>` or `<!subteam^S123>`. */
  slaMention: string;
  sla: SlaPolicy;
  /** Bridge messages by language; `{minutes}` is the expected wait, `{hours}` the opening hours. */
  bridgeMessage: { id: string; en: string; closedId: string; closedEn: string };
  /** Opening hours (null = always staffed): outside them the "closed" bridge message is sent. */
  businessHours: BusinessHours | null;
  businessHoursText: string | null;
  /** How long to wait before retrying a call refused for a configuration problem. */
  operatorRetryMs: number;
  /**
   * The least time between two redraws of a thread's root by the sweeper (window end moved,
   * closing, closed); default `ROOT_REFRESH_MIN_INTERVAL_MS` (5 min).
   */
  rootRefreshMs?: number;
  /**
   * How long after a handoff for a model outage the conversation may still go back to the AI
   * once the model answers again (`AI_RETURN_AFTER_OUTAGE_MINUTES`); 0 or absent: never.
   */
  outageReturnMs?: number;
  /** Who may use the controls; nobody when absent (SLACK_MANAGERS, SLACK_MANAGER_GROUP). */
  roles?: RoleSettings;
  /** Where control changes are announced; the escalation channel when absent. */
  alertChannel?: string;
  /** A continuing operator alert is repeated at most this often (ALERT_COOLDOWN_MINUTES; 30 min when absent). */
  alertCooldownMs?: number;
  /** CSAT_SURVEY: Close asks the customer for a one-tap rating (src/slack/csat.ts); off when absent. */
  csatSurvey?: boolean;
}

/** What the Slack jobs and listeners need. */
export interface SlackDeps {
  db: Db;
  web: WebClient;
  graph: Pick<
    GraphClient,
    "downloadMedia" | "uploadMedia" | "listTemplates" | "markRead" | "createTemplate"
  >;
  logger: Logger;
  settings: SlackSettings;
  /**
   * The runtime settings in force (threshold, models, opening hours, SLA minutes) and what they
   * may be, read from the database on every call; absent in some tests (then `settings` rules).
   */
  runtimeSettings?: {
    list(): EffectiveSetting[];
    values(): BridgeRuntimeSettings;
    rules: SettingRules;
  };
  /** Wakes the job runner after enqueueing outside a job. */
  wake: () => void;
  now: () => number;
  /** Told of each handoff's first agent reply relayed (`/metrics`); absent: nobody. */
  observer?: Pick<Observer, "firstHumanReply">;
}

/**
 * The Slack settings with the runtime settings in force laid over the environment's: opening
 * hours and the first SLA reminder as a manager set them. Called at use time (each handoff, each
 * sweep), never kept, so a change applies without a restart.
 */
export function liveSettings(deps: Pick<SlackDeps, "settings" | "runtimeSettings">): SlackSettings {
  const live = deps.runtimeSettings?.values();
  if (!live) return deps.settings;
  return {
    ...deps.settings,
    businessHours: live.businessHours,
    businessHoursText: live.businessHoursText,
    sla: { ...deps.settings.sla, firstReminderMs: live.slaMinutes * 60_000 },
  };
}
