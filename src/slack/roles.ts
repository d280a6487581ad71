import type { WebClient } from "@slack/web-api";
import type { Logger } from "../logger.ts";

/** Who may use the controls: configured user ids and the members of one user group. */
export interface RoleSettings {
  managers: readonly string[];
  managerGroup: string | null;
  /** How long the group's member list is trusted before asking Slack again. */
  groupTtlMs?: number;
}

/** Whether a Slack user is a manager, checked when they act. */
export type RoleCheck = (userId: string) => Promise<boolean>;

/** What a refused user is told. */
export const MANAGERS_ONLY =
  "Only managers can change this. An admin lists them in SLACK_MANAGERS (user ids) or SLACK_MANAGER_GROUP (a user group).";

/**
 * The role check: a user is a manager when listed in `managers` or a member of `managerGroup`
 * (`usergroups.users.list`, cached for `groupTtlMs`, default 5 minutes, so a change in Slack
 * applies within minutes without a restart). With neither configured nobody is a manager: the
 * controls are refused rather than open to the whole workspace. A failed group lookup refuses
 * too (fails closed) and is logged; the cached list is kept for the next attempt.
 */
export function createRoleCheck(
  web: Pick<WebClient, "usergroups">,
  settings: RoleSettings,
  logger: Logger,
  now: () => number = Date.now,
): RoleCheck {
  const listed = new Set(settings.managers);
  const ttl = settings.groupTtlMs ?? 5 * 60_000;
  // A copy of Slack's own list, kept per process on purpose: every instance reads the same
  // source (Slack, not our database) and trusts its copy for at most `ttl`, so with several
  // instances a change in the group still applies everywhere within `ttl`, as with one. Nothing
  // this process writes is kept here, so no instance can act on another's stale decision.
  let members: { ids: Set<string>; at: number } | null = null;
  return async (userId) => {
    if (listed.has(userId)) return true;
    const group = settings.managerGroup;
    if (!group) return false;
    if (!members || now() - members.at > ttl) {
      try {
        const res = await web.usergroups.users.list({ usergroup: group });
        members = { ids: new Set(res.users ?? []), at: now() };
      } catch (err) {
        logger.warn({ err, group }, "could not read the manager user group; refusing the control");
        return false;
      }
    }
    return members.ids.has(userId);
  };
}
