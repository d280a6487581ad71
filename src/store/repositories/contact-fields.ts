import type { ContactId } from "../../core/ids.ts";
import type { Db } from "../db.ts";
import { prepared } from "../prepared.ts";

/**
 * A contact's fields (the standard `name`, `email`, `company` and the custom fields declared in
 * the prompt file's `## Actions` section), as field → value. Fields never set are absent: the
 * prompt shows them as `[field]` so the model sees what is still missing.
 */
export function getContactFields(db: Db, contactId: ContactId): Record<string, string> {
  const rows = prepared(
    db,
    "SELECT field, value FROM contact_fields WHERE contact_id = ? ORDER BY field",
  ).all(contactId) as { field: string; value: string }[];
  const out: Record<string, string> = {};
  for (const r of rows) out[r.field] = r.value;
  return out;
}

/**
 * Sets one field of a contact (insert or replace). The value is stored as given: checking it
 * against the field's declared type is the caller's job (the update_contact_field action).
 */
export function setContactField(
  db: Db,
  contactId: ContactId,
  field: string,
  value: string,
  now: number,
): void {
  prepared(
    db,
    `INSERT INTO contact_fields (contact_id, field, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (contact_id, field) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(contactId, field, value, now);
}
