import { type AiSwitch, getAiSwitch, setAiSwitch } from "../ai/kill-switch.ts";
import { recordControlChange } from "./audit.ts";
import type { ListenerDeps } from "./listeners/context.ts";

/** A manager flips the AI switch: the change, its audit row and its alert line, in one commit. */
export function switchAi(
  deps: Pick<ListenerDeps, "db" | "settings" | "now">,
  actor: string,
  to: AiSwitch,
): void {
  const at = deps.now();
  const from = getAiSwitch(deps.db);
  if (from === to) return; // nothing changes, nothing to record
  recordControlChange(
    deps.db,
    { actor, action: "ai", from, to, at },
    deps.settings.alertChannel ?? deps.settings.escalationChannel,
    () => setAiSwitch(deps.db, to, at),
  );
}
