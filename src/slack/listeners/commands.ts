import type { App } from "@slack/bolt";
import { getAiSwitch, setAiSwitch } from "../../ai/kill-switch.ts";
import type { ListenerDeps } from "./context.ts";

const HELP = "Usage: `/jembatan status` · `/jembatan ai on` · `/jembatan ai off`";

/** `/jembatan status | ai on | ai off`: the kill switch without a deploy. */
export function registerCommandListeners(app: App, deps: ListenerDeps): void {
  app.command("/jembatan", async ({ ack, command }) => {
    const words = command.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (words[0] === "ai" && (words[1] === "on" || words[1] === "off")) {
      setAiSwitch(deps.db, words[1], deps.now());
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
