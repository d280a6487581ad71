import type { App } from "@slack/bolt";
import type { ConversationId } from "../../core/ids.ts";
import {
  parseTemplateModalMetadata,
  parseTemplateSubmission,
  TEMPLATE_MODAL,
  type ViewStateValues,
} from "../blocks/index.ts";
import { sendTemplate } from "../controls.ts";
import { approvedTemplates } from "../templates.ts";
import { displayName, type ListenerDeps } from "./context.ts";

/** The Send template modal's submission. */
export function registerViewListeners(app: App, deps: ListenerDeps): void {
  app.view(TEMPLATE_MODAL.callbackId, async ({ ack, body, view, client }) => {
    const meta = parseTemplateModalMetadata(view.private_metadata);
    const values = view.state.values as ViewStateValues;
    const picked =
      values[TEMPLATE_MODAL.selectBlockId]?.[TEMPLATE_MODAL.selectActionId]?.selected_option?.value;
    const stored = approvedTemplates(deps.db).find((t) => `${t.name}|${t.language}` === picked);
    const parsed = parseTemplateSubmission(values, stored?.parameterCount);
    if (!meta || "error" in parsed) {
      const error =
        "error" in parsed
          ? parsed.error
          : {
              blockId: TEMPLATE_MODAL.selectBlockId,
              message: "This form is out of date; open it again.",
            };
      await ack({ response_action: "errors", errors: { [error.blockId]: error.message } });
      return;
    }
    if (!stored) {
      await ack({
        response_action: "errors",
        errors: { [TEMPLATE_MODAL.selectBlockId]: "This template is no longer approved." },
      });
      return;
    }
    await ack();
    const name = await displayName(deps, client, body.user.id);
    const result = sendTemplate(deps.db, meta.conversationId as ConversationId, parsed, {
      userId: body.user.id,
      name,
    });
    deps.wake();
    if (!result.ok)
      deps.logger.warn(
        { conversationId: meta.conversationId, reason: result.message },
        "template not sent",
      );
  });
}
