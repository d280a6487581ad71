import { asc } from "drizzle-orm";
import {
  checkTemplateDraft,
  type TemplateDraftField,
  type TemplateDraftInput,
} from "../core/template-draft.ts";
import type { Logger } from "../logger.ts";
import type { Db } from "../store/db.ts";
import { templates } from "../store/schema.ts";
import type { GraphClient } from "../whatsapp/graph/client.ts";
import { GraphApiError, GraphValidationError } from "../whatsapp/graph/errors.ts";

/** What happened to a template submitted from the modal. */
export type TemplateSubmitOutcome =
  /** Our own checks refused it: nothing was sent to Meta. */
  | { kind: "invalid"; errors: Partial<Record<TemplateDraftField, string>> }
  /** Meta refused it (or it cannot be sent at all): the message goes next to `field`. */
  | { kind: "refused"; field: TemplateDraftField; message: string }
  | { kind: "submitted"; name: string; language: string; status: string }
  /** Meta had not answered within the modal's time; the answer is stored when it comes. */
  | { kind: "pending"; name: string; language: string };

export interface TemplateSubmitDeps {
  db: Db;
  graph: Pick<GraphClient, "createTemplate">;
  logger: Logger;
  now: () => number;
}

// Meta's subcode for "a template with this name already exists in this language".
const DUPLICATE_SUBCODE = 2388024;

/**
 * Checks a draft, submits it to Meta and stores the new template (usually `PENDING`) so that the
 * list shows it; the status webhook later moves it on. Slack wants a modal answered within 3 s,
 * so the result is awaited for `waitMs` at most: after that the call goes on, its outcome is
 * logged and stored, and the caller says so. Never retried by itself: a template submission is
 * a person's deliberate act, and Meta refuses a second one with the same name anyway.
 */
export async function submitTemplate(
  deps: TemplateSubmitDeps,
  draft: TemplateDraftInput,
  by: string,
  waitMs = 2500,
): Promise<TemplateSubmitOutcome> {
  const checked = checkTemplateDraft(draft);
  if (!checked.ok) return { kind: "invalid", errors: checked.errors };
  const { request } = checked;
  const call = deps.graph.createTemplate(request).then(
    (created): TemplateSubmitOutcome => {
      deps.db
        .insert(templates)
        .values({
          templateId: created.id,
          name: request.name,
          language: request.language,
          status: created.status,
          category: created.category || request.category,
          components: request.components,
          updatedAt: deps.now(),
        })
        .onConflictDoUpdate({
          target: [templates.name, templates.language],
          set: { templateId: created.id, status: created.status, components: request.components },
        })
        .run();
      deps.logger.warn(
        { by, template: request.name, language: request.language, status: created.status },
        "template submitted to Meta for review",
      );
      return {
        kind: "submitted",
        name: request.name,
        language: request.language,
        status: created.status,
      };
    },
    (err: unknown): TemplateSubmitOutcome => {
      deps.logger.warn({ err, by, template: request.name }, "Meta refused the template");
      if (err instanceof GraphValidationError)
        return { kind: "refused", field: "name", message: err.message };
      if (err instanceof GraphApiError) {
        const message = err.userMessage ?? err.details ?? err.message;
        return {
          kind: "refused",
          field: err.subcode === DUPLICATE_SUBCODE ? "name" : "body",
          message: err.retryable
            ? `WhatsApp is not reachable right now (${message}); try again.`
            : message,
        };
      }
      throw err;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<TemplateSubmitOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: "pending", name: request.name, language: request.language }),
      waitMs,
    );
  });
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
    call.catch((err) => deps.logger.error({ err }, "template submission failed"));
  }
}

/** The stored templates for `/jembatan templates`, by name and language. */
export function listStoredTemplates(db: Db) {
  return db.select().from(templates).orderBy(asc(templates.name), asc(templates.language)).all();
}
