import { asc, eq } from "drizzle-orm";
import type { JobHandler } from "../jobs/types.ts";
import type { Db } from "../store/db.ts";
import { templates } from "../store/schema.ts";
import type { GraphClient } from "../whatsapp/graph/client.ts";
import { GraphValidationError } from "../whatsapp/graph/errors.ts";
import type { TemplateChoice } from "./blocks/index.ts";

/** The body text of a template's components and how many `{{n}}` parameters it has. */
export function templateBody(components: unknown): {
  bodyText: string | null;
  parameterCount: number;
} {
  if (!Array.isArray(components)) return { bodyText: null, parameterCount: 0 };
  const body = components.find((c) => (c as { type?: string })?.type?.toUpperCase() === "BODY") as
    | { text?: string }
    | undefined;
  const text = body?.text ?? null;
  const params = new Set([...(text ?? "").matchAll(/\{\{\s*([\w]+)\s*\}\}/g)].map((m) => m[1]));
  return { bodyText: text, parameterCount: params.size };
}

/** Approved templates, for the Send template modal. */
export function approvedTemplates(db: Db): TemplateChoice[] {
  return db
    .select()
    .from(templates)
    .where(eq(templates.status, "APPROVED"))
    .orderBy(asc(templates.name), asc(templates.language))
    .all()
    .map((t) => ({
      name: t.name,
      language: t.language,
      category: t.category,
      ...templateBody(t.components),
    }));
}

/**
 * `templates.sync`: refreshes the stored templates from the Graph API (names, languages, status,
 * components). Status webhooks keep them current between syncs.
 */
export function createTemplateSyncJob(deps: {
  db: Db;
  graph: Pick<GraphClient, "listTemplates">;
}): JobHandler<null> {
  return async (_job, ctx) => {
    let list: Awaited<ReturnType<GraphClient["listTemplates"]>>;
    try {
      list = await deps.graph.listTemplates();
    } catch (err) {
      // No WABA id configured: nothing to sync, the webhook-fed statuses are all we have.
      if (err instanceof GraphValidationError) return;
      throw err;
    }
    const now = Date.now();
    ctx.commit(() => {
      for (const t of list) {
        const values = {
          templateId: t.id,
          name: t.name,
          language: t.language,
          status: t.status,
          category: t.category,
          components: t.components,
          updatedAt: now,
        };
        deps.db
          .insert(templates)
          .values(values)
          .onConflictDoUpdate({ target: [templates.name, templates.language], set: values })
          .run();
      }
    });
  };
}
