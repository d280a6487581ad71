import type { App, BlockAction, ButtonAction, StaticSelectAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { AiSwitch } from "../../ai/kill-switch.ts";
import type { ConversationId } from "../../core/ids.ts";
import { enqueueJob } from "../../jobs/repository.ts";
import { getConversation } from "../../store/repositories/conversations.ts";
import { inTransaction } from "../../store/tx.ts";
import {
  AI_TOGGLE_ACTION,
  CONVERSATION_ACTIONS,
  parseTemplateModalMetadata,
  parseTemplateOptionValue,
  TEMPLATE_MODAL,
  templatePickerModal,
} from "../blocks/index.ts";
import {
  type ControlResult,
  claimConversation,
  closeConversation,
  customerOptedOut,
  returnToAi,
} from "../controls.ts";
import { switchAi } from "../switch-ai.ts";
import { approvedTemplates } from "../templates.ts";
import { displayName, type ListenerDeps } from "./context.ts";
import { homeStateOfView, publishHome } from "./home.ts";

type Control = (
  db: ListenerDeps["db"],
  id: ConversationId,
  actor: { userId: string; name: string },
) => ControlResult;

/** Buttons on the thread root, the template picker's select, and the Home tab's AI toggle. */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  const controls: [string, Control][] = [
    [CONVERSATION_ACTIONS.claim, claimConversation],
    [CONVERSATION_ACTIONS.returnToAi, returnToAi],
    [
      CONVERSATION_ACTIONS.close,
      (db, id, actor) =>
        closeConversation(db, id, actor, Date.now(), { csatSurvey: deps.settings.csatSurvey }),
    ],
  ];
  for (const [actionId, control] of controls) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const id = Number(action.value) as ConversationId;
      const name = await displayName(deps, client, body.user.id);
      const result = control(deps.db, id, { userId: body.user.id, name });
      deps.wake();
      if (!result.ok) await tellUser(deps, client, body, result.message);
    });
  }

  app.action<BlockAction<ButtonAction>>(
    CONVERSATION_ACTIONS.sendTemplate,
    async ({ ack, body, action, client }) => {
      await ack();
      const conversationId = Number(action.value);
      // Refresh the stored templates in the background for the next opening.
      inTransaction(deps.db, () =>
        enqueueJob(deps.db, {
          kind: "templates.sync",
          payload: null,
          dedupeKey: `templates.sync:${Math.floor(deps.now() / 60_000)}`,
        }),
      );
      deps.wake();
      try {
        await client.views.open({
          trigger_id: body.trigger_id,
          view: templatePickerModal({
            conversationId,
            templates: approvedTemplates(deps.db),
            ...windowState(deps, conversationId),
          }),
        });
      } catch (err) {
        deps.logger.warn({ err }, "could not open the template picker");
        await tellUser(deps, client, body, "Could not open the template picker; please try again.");
      }
    },
  );

  app.action<BlockAction<StaticSelectAction>>(
    TEMPLATE_MODAL.selectActionId,
    async ({ ack, body, action, client }) => {
      await ack();
      const view = body.view;
      const meta = parseTemplateModalMetadata(view?.private_metadata);
      const selected = parseTemplateOptionValue(action.selected_option?.value);
      if (!view || !meta) return;
      try {
        await client.views.update({
          view_id: view.id,
          hash: view.hash,
          view: templatePickerModal({
            conversationId: meta.conversationId,
            templates: approvedTemplates(deps.db),
            selected,
            ...windowState(deps, meta.conversationId),
          }),
        });
      } catch (err) {
        deps.logger.warn({ err }, "could not update the template picker");
      }
    },
  );

  app.action<BlockAction<ButtonAction>>(AI_TOGGLE_ACTION, async ({ ack, body, action, client }) => {
    await ack();
    const manager = await deps.isManager(body.user.id);
    const value: AiSwitch = action.value === "off" ? "off" : "on";
    if (manager) {
      switchAi(deps, body.user.id, value);
      deps.logger.warn(
        { by: body.user.id, ai: value },
        `AI switched ${value} from the Slack Home tab`,
      );
    } else {
      // A stale Home tab or a forged click: refused, and the view redrawn without the switch.
      deps.logger.warn({ by: body.user.id, ai: value }, "AI switch refused: not a manager");
    }
    // Redrawn in the state it showed (range, filter, page), read back from its refresh button.
    await publishHome(deps, client, body.user.id, homeStateOfView(body.view));
  });
}

/** The conversation's 24-hour window and the customer's opt-out, as the template picker shows them. */
function windowState(deps: ListenerDeps, conversationId: number) {
  const conversation = getConversation(deps.db, conversationId as ConversationId);
  return {
    windowEndsAt: conversation?.windowEndsAt ?? null,
    now: deps.now(),
    optedOut: customerOptedOut(deps.db, conversationId as ConversationId),
  };
}

async function tellUser(deps: ListenerDeps, client: WebClient, body: BlockAction, text: string) {
  const channel = body.channel?.id;
  if (!channel) return;
  try {
    await client.chat.postEphemeral({
      channel,
      user: body.user.id,
      text,
      ...(body.message?.thread_ts ? { thread_ts: body.message.thread_ts } : {}),
    });
  } catch (err) {
    deps.logger.warn({ err }, "could not post an ephemeral answer");
  }
}
