import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../logger.ts";
import type { Db } from "../../store/db.ts";
import type { GraphClient } from "../../whatsapp/graph/client.ts";
import type { SlackDeps, SlackSettings } from "../deps.ts";
import type { RoleCheck } from "../roles.ts";
import { knownUserName, rememberUserName } from "../store.ts";

/** What every listener gets: thin handlers translate Slack payloads into these calls. */
export interface ListenerDeps {
  db: Db;
  logger: Logger;
  settings: SlackSettings;
  wake: () => void;
  now: () => number;
  /** Minutes east of UTC of the business, for "today" in the Home tab. */
  timezoneOffsetMinutes: number;
  /** Template creation from the modal. */
  graph: Pick<GraphClient, "createTemplate">;
  /** Whether a user may use the controls (AI switch, templates, settings). */
  isManager: RoleCheck;
  runtimeSettings?: SlackDeps["runtimeSettings"];
}

/** The display name of a Slack user: kept from earlier, else `users.info` once. */
export async function displayName(
  deps: ListenerDeps,
  client: WebClient,
  userId: string,
): Promise<string> {
  const known = knownUserName(deps.db, userId);
  if (known) return known;
  try {
    const res = await client.users.info({ user: userId });
    const u = res.user;
    const name = u?.profile?.display_name || u?.real_name || u?.name || userId;
    rememberUserName(deps.db, userId, name, deps.now());
    return name;
  } catch (err) {
    deps.logger.warn({ err, userId }, "users.info failed; showing the user id");
    return userId;
  }
}
