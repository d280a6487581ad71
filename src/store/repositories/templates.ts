import type { TemplateStatusUpdate } from "../../whatsapp/webhook/types.ts";
import type { Db } from "../db.ts";
import { templates } from "../schema.ts";

export type TemplateRow = typeof templates.$inferSelect;

/** Stores a template's latest review status (one row per name + language). */
export function upsertTemplateStatus(db: Db, t: TemplateStatusUpdate, now: number): void {
  const values = {
    templateId: t.templateId,
    name: t.name,
    language: t.language,
    status: t.event,
    category: t.category,
    reason: t.reason,
    updatedAt: t.at ?? now,
  };
  db.insert(templates)
    .values(values)
    .onConflictDoUpdate({ target: [templates.name, templates.language], set: values })
    .run();
}
