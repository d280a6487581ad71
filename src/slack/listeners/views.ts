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
import {
  parseSettingsModalMetadata,
  parseSettingsSubmission,
  SETTINGS_MODAL,
} from "../blocks/settings-modal.ts";
import { customerOptedOut, sendTemplate, TEMPLATE_OPTED_OUT_MESSAGE } from "../controls.ts";
import { enqueueThreadPost } from "../enqueue.ts";
import { MANAGERS_ONLY } from "../roles.ts";
import { saveSettingsForm } from "../runtime-settings.ts";
import { submitTemplate } from "../template-create.ts";
import { approvedTemplates } from "../templates.ts";
import { displayName, type ListenerDeps } from "./context.ts";
import { publishHome } from "./home.ts";

/** The Send template, New template and Settings modals' submissions. */
export function registerViewListeners(app: App, deps: ListenerDeps): void {
  // Settings: refused for non-managers (nothing changes, nothing recorded); a bad value is shown
  // under its field and nothing is stored; else the changed fields are stored, audited and
  // announced, and the manager's Home tab shows the new values.
  app.view(SETTINGS_MODAL.callbackId, async ({ ack, body, view, client }) => {
    if (!(await deps.isManager(body.user.id))) {
      deps.logger.warn({ by: body.user.id }, "settings change refused: not a manager");
      await ack({
        response_action: "errors",
        errors: { [SETTINGS_MODAL.aiBlockId]: MANAGERS_ONLY },
      });
      return;
    }
    const result = saveSettingsForm(
      deps,
      body.user.id,
      parseSettingsSubmission(view.state.values as ViewStateValues),
      parseSettingsModalMetadata(view.private_metadata),
    );
    if (!result.ok) {
      const errors = Object.fromEntries(
        Object.entries(result.errors).map(([blockId, message]) => [
          blockId,
          message.slice(0, 2000),
        ]),
      );
      await ack({ response_action: "errors", errors });
      return;
    }
    await ack();
    if (result.changed.length > 0) {
      deps.logger.warn({ by: body.user.id, changed: result.changed }, "settings changed in Slack");
      deps.wake();
    }
    // The Home tab shows the new values and where they come from.
    await publishHome(deps, client, body.user.id);
  });

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
