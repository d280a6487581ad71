import type { App, BlockAction, ButtonAction, StaticSelectAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { HOME_ACTIONS, homeView } from "../blocks/home.ts";
import { liveSettings } from "../deps.ts";
import { DEFAULT_HOME_STATE, type HomeState, parseHomeState } from "../home/state.ts";
import { homeInput } from "../stats.ts";
import type { ListenerDeps } from "./context.ts";

/**
 * The state a published Home tab shows, read back from its refresh button (which carries it):
 * lets a click elsewhere on the tab (the AI switch) redraw it as it was. Defaults when absent.
 */
export function homeStateOfView(view: { blocks?: unknown } | undefined): HomeState {
  const blocks = Array.isArray(view?.blocks) ? (view.blocks as unknown[]) : [];
  for (const block of blocks) {
    const elements = (block as { elements?: unknown }).elements;
    if (!Array.isArray(elements)) continue;
    for (const el of elements as { action_id?: unknown; value?: unknown }[]) {
      if (el?.action_id === HOME_ACTIONS.refresh && typeof el.value === "string") {
        return parseHomeState(el.value);
      }
    }
  }
  return DEFAULT_HOME_STATE;
}

/**
 * Computes and publishes one user's Home tab in the given state (`views.publish` per user: the
 * state lives in the tab's buttons, nothing is stored). A failure is logged, never thrown.
 */
export async function publishHome(
  deps: ListenerDeps,
  client: WebClient,
  userId: string,
  state: HomeState = DEFAULT_HOME_STATE,
): Promise<void> {
  try {
    const manager = await deps.isManager(userId);
    const input = {
      ...homeInput(deps.db, deps.now(), {
        utcOffsetMinutes: deps.timezoneOffsetMinutes,
        slaMinutes: liveSettings(deps).sla.firstReminderMs / 60_000,
        state,
        viewerUserId: userId,
      }),
      settings: deps.runtimeSettings?.list() ?? [],
    };
    await client.views.publish({ user_id: userId, view: homeView(input, { manager }) });
  } catch (err) {
    deps.logger.warn({ err, user: userId }, "could not publish the Home tab");
  }
}

/**
 * The Home tab's range buttons, refresh, queue filter and paging (every action id `home_…`):
 * ack, read the state the click carries (anything foreign falls back to the defaults), publish.
 */
export function registerHomeListeners(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction | StaticSelectAction>>(
    /^home_/,
    async ({ ack, body, action, client }) => {
      await ack();
      const value =
        action.type === "static_select"
          ? action.selected_option?.value
          : (action as ButtonAction).value;
      await publishHome(deps, client, body.user.id, parseHomeState(value));
    },
  );
}
