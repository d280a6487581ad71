import type { App } from "@slack/bolt";
import { getAiSwitch } from "../../ai/kill-switch.ts";
import { templateCreateModal, templateListText } from "../blocks/index.ts";
import { MANAGERS_ONLY } from "../roles.ts";
import { changeSetting, settingsText } from "../runtime-settings.ts";
import { switchAi } from "../switch-ai.ts";
import { listStoredTemplates } from "../template-create.ts";
import type { ListenerDeps } from "./context.ts";

const HELP =
  "Usage: `/jembatan status` · `/jembatan ai on|off` · `/jembatan settings` · `/jembatan set <key> <value>` · `/jembatan reset <key>` · `/jembatan templates` · `/jembatan template new` (managers also change the settings with *Settings* in the Home tab)";

/** `/jembatan status | ai on | ai off`: the kill switch without a deploy. */
export function registerCommandListeners(app: App, deps: ListenerDeps): void {
  app.command("/jembatan", async ({ ack, command, client }) => {
    const words = command.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (words[0] === "settings") {
      const list = deps.runtimeSettings?.list() ?? [];
      await ack({ response_type: "ephemeral", text: settingsText(list) });
      return;
    }
    if ((words[0] === "set" && words.length >= 3) || (words[0] === "reset" && words.length === 2)) {
      if (!(await deps.isManager(command.user_id))) {
        await ack({ response_type: "ephemeral", text: MANAGERS_ONLY });
        return;
      }
      // The value is everything after the key, as typed: opening hours have spaces
      // ("Mon-Fri 09:00-17:00") and are shown to customers with their capitals.
      const value = command.text.trim().replace(/^\S+\s+\S+\s+/, "");
      const text = changeSetting(
        deps,
        command.user_id,
        words[1]!,
        words[0] === "set" ? value : null,
      );
      await ack({ response_type: "ephemeral", text });
      deps.wake();
      return;
    }
    if (words[0] === "templates") {
      await ack({
        response_type: "ephemeral",
        text: templateListText(listStoredTemplates(deps.db)),
      });
      return;
    }
    if (words[0] === "template" && words[1] === "new") {
      if (!(await deps.isManager(command.user_id))) {
        await ack({ response_type: "ephemeral", text: MANAGERS_ONLY });
        return;
      }
      await ack();
      // The trigger id is valid for 3 s: the modal opens right after the ack.
      try {
        await client.views.open({ trigger_id: command.trigger_id, view: templateCreateModal() });
      } catch (err) {
        deps.logger.warn({ err }, "could not open the new-template modal");
      }
      return;
    }
    if (words[0] === "ai" && (words[1] === "on" || words[1] === "off")) {
      if (!(await deps.isManager(command.user_id))) {
        await ack({ response_type: "ephemeral", text: MANAGERS_ONLY });
        return;
      }
      switchAi(deps, command.user_id, words[1]);
      deps.logger.warn(
        { by: command.user_id, ai: words[1] },
        `AI switched ${words[1]} by /jembatan`,
      );
      await ack({
        response_type: "ephemeral",
        text: `AI is now *${words[1]}*. It applies to the next customer message.`,
      });
      return;
    }
    if (words.length === 0 || words[0] === "status") {
      const open = deps.db.$client
        .prepare("SELECT count(*) AS n FROM conversations WHERE state IN ('escalated', 'agent')")
        .get() as { n: number };
      await ack({
        response_type: "ephemeral",
        text: `AI is *${getAiSwitch(deps.db)}*. Open conversations with humans: ${open.n}.`,
      });
      return;
    }
    await ack({ response_type: "ephemeral", text: HELP });
  });
}
