import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import { getAiSwitch } from "../../ai/kill-switch.ts";
import { SETTINGS_MODAL, settingsModal, settingsRefusedModal } from "../blocks/settings-modal.ts";
import { MANAGERS_ONLY } from "../roles.ts";
import type { ListenerDeps } from "./context.ts";

/** The settings form as it stands now, for a manager. */
export function currentSettingsModal(deps: ListenerDeps): ModalView {
  const runtime = deps.runtimeSettings;
  if (!runtime) return settingsRefusedModal("Runtime settings are not available in this process.");
  return settingsModal({
    aiEnabled: getAiSwitch(deps.db) === "on",
    settings: runtime.list(),
    modelChoices: runtime.rules.modelChoices,
    utcOffsetMinutes: runtime.rules.utcOffsetMinutes,
  });
}

/**
 * The Home tab's Settings button (`settings_open`): a manager gets the settings modal; anyone
 * else (a stale Home tab, a forged click) a modal saying only managers may, and nothing changes.
 */
export function registerSettingsActions(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(
    SETTINGS_MODAL.openActionId,
    async ({ ack, body, client }) => {
      await ack();
      const manager = await deps.isManager(body.user.id);
      if (!manager) deps.logger.warn({ by: body.user.id }, "settings refused: not a manager");
      try {
        // The trigger id is valid for 3 s: the modal opens right after the role check.
        await client.views.open({
          trigger_id: body.trigger_id,
          view: manager ? currentSettingsModal(deps) : settingsRefusedModal(MANAGERS_ONLY),
        });
      } catch (err) {
        deps.logger.warn({ err }, "could not open the settings modal");
      }
    },
  );
}
