import { aiMayAnswer } from "../core/conversation.ts";
import type { TurnProcessor } from "./types.ts";

/** Sends a turn to the AI while the conversation is `bot`, otherwise to the human side. */
export function routeTurns(p: { bot: TurnProcessor; human: TurnProcessor }): TurnProcessor {
  return {
    process(turn, signal) {
      return aiMayAnswer(turn.conversation.state)
        ? p.bot.process(turn, signal)
        : p.human.process(turn, signal);
    },
  };
}
