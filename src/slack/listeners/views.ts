import type { App } from "@slack/bolt";
import type { ConversationId } from "../../core/ids.ts";
import { inTransaction } from "../../store/tx.ts";
import { recordControlChange } from "../audit.ts";
import {
  parseTemplateCreateSubmission,
  parseTemplateModalMetadata,
  parseTemplateSubmission,
  TEMPLATE_CREATE_MODAL,
  TEMPLATE_MODAL,
  templateCreatedView,
  threadNotice,
  type ViewStateValues,
} from "../blocks/index.ts";
import { customerOptedOut, sendTemplate, TEMPLATE_OPTED_OUT_MESSAGE } from "../controls.ts";
import { enqueueThreadPost } from "../enqueue.ts";
import { MANAGERS_ONLY } from "../roles.ts";
import { submitTemplate } from "../template-create.ts";
import { approvedTemplates } from "../templates.ts";
import { displayName, type ListenerDeps } from "./context.ts";

/** The Send template and New template modals' submissions. */
export function registerViewListeners(app: App, deps: ListenerDeps): void {
  app.view(TEMPLATE_CREATE_MODAL.callbackId, async ({ ack, body, view }) => {
    if (!(await deps.isManager(body.user.id))) {
      await ack({ response_action: "errors", errors: { name: MANAGERS_ONLY } });
      return;
    }
    const draft = parseTemplateCreateSubmission(view.state.values as ViewStateValues);
    const outcome = await submitTemplate(deps, draft, body.user.id);
    if (outcome.kind === "submitted" || outcome.kind === "pending")
      recordControlChange(
        deps.db,
        {
          actor: body.user.id,
          action: "template.create",
          from: null,
          to: `${outcome.name} (${outcome.language})`,
          at: deps.now(),
        },
        deps.settings.alertChannel ?? deps.settings.escalationChannel,
      );
    switch (outcome.kind) {
      case "invalid":
        await ack({ response_action: "errors", errors: outcome.errors as Record<string, string> });
        return;
      case "refused":
        await ack({
          response_action: "errors",
          errors: { [outcome.field]: outcome.message.slice(0, 2000) },
        });
        return;
      case "submitted":
        await ack({ response_action: "update", view: templateCreatedView(outcome) });
        return;
      case "pending":
        await ack({
          response_action: "update",
          view: templateCreatedView({
            ...outcome,
            status: null,
            note: "Meta has not answered yet: `/jembatan templates` shows the template once it does (the log says if Meta refused it).",
          }),
        });
        return;
    }
  });

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
    const conversationId = meta.conversationId as ConversationId;
    // Refused in the modal itself while the customer is opted out (STOP), so the agent sees why.
    if (customerOptedOut(deps.db, conversationId)) {
      await ack({
        response_action: "errors",
        errors: { [TEMPLATE_MODAL.selectBlockId]: TEMPLATE_OPTED_OUT_MESSAGE },
      });
      return;
    }
    await ack();
    const name = await displayName(deps, client, body.user.id);
    const result = sendTemplate(deps.db, conversationId, parsed, {
      userId: body.user.id,
      name,
    });
    if (!result.ok) {
      deps.logger.warn(
        { conversationId: meta.conversationId, reason: result.message },
        "template not sent",
      );
      // The modal is gone by now (acknowledged before the name lookup): say it in the thread.
      if (result.message === TEMPLATE_OPTED_OUT_MESSAGE) {
        inTransaction(deps.db, () =>
          enqueueThreadPost(deps.db, {
            conversationId,
            ...threadNotice({
              kind: "not_sent_opted_out",
              what: "template",
              templateName: parsed.name,
            }),
          }),
        );
      }
    }
    deps.wake();
  });
}
