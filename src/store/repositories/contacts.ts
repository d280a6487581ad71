import { eq, sql } from "drizzle-orm";
import type { Sender } from "../../core/inbound.ts";
import type { Db } from "../db.ts";
import { prepared, preparedQuery } from "../prepared.ts";
import { contacts } from "../schema.ts";

export type ContactRow = typeof contacts.$inferSelect;

const CONTACT_COLUMNS = `id, wa_id AS waId, user_id AS userId, profile_name AS profileName,
  language, opted_out_at AS optedOutAt, created_at AS createdAt, updated_at AS updatedAt`;

/**
 * Finds the contact by whichever WhatsApp id the sender carries (phone-based wa_id or the
 * business-scoped user id) and creates or updates it. Returns null when the sender has neither.
 */
export function upsertContact(db: Db, sender: Sender, now: number): ContactRow | null {
  if (!sender.waId && !sender.userId) return null;
  const existing = (
    sender.waId
      ? prepared(db, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE wa_id = ?`).get(sender.waId)
      : undefined
  ) as ContactRow | undefined;
  const found =
    existing ??
    ((sender.userId
      ? prepared(db, `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE user_id = ?`).get(sender.userId)
      : undefined) as ContactRow | undefined);
  if (!found) {
    return prepared(
      db,
      `INSERT INTO contacts (wa_id, user_id, profile_name, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?) RETURNING ${CONTACT_COLUMNS}`,
    ).get(sender.waId, sender.userId, sender.profileName, now, now) as ContactRow;
  }
  // Learn the other id when a later message carries both, and follow profile name changes. An
  // id another contact already holds is not taken over (the unique index would refuse it, and
  // merging two customers' histories is not ours to guess): the contact keeps what it has.
  const waId =
    found.waId ??
    (sender.waId && !heldByOther(db, "wa_id", sender.waId, found.id) ? sender.waId : null);
  const userId =
    found.userId ??
    (sender.userId && !heldByOther(db, "user_id", sender.userId, found.id) ? sender.userId : null);
  const profileName = sender.profileName ?? found.profileName;
  if (waId === found.waId && userId === found.userId && profileName === found.profileName)
    return found;
  return prepared(
    db,
    `UPDATE contacts SET wa_id = ?, user_id = ?, profile_name = ?, updated_at = ?
     WHERE id = ? RETURNING ${CONTACT_COLUMNS}`,
  ).get(waId, userId, profileName, now, found.id) as ContactRow;
}

function heldByOther(
  db: Db,
  column: "wa_id" | "user_id",
  value: string,
  id: ContactRow["id"],
): boolean {
  return (
    prepared(db, `SELECT 1 FROM contacts WHERE ${column} = ? AND id <> ?`).get(value, id) !==
    undefined
  );
}

/** Loads a contact by id. */
export function getContact(db: Db, id: ContactRow["id"]): ContactRow | undefined {
  return preparedQuery(db, "getContact", () =>
    db
      .select()
      .from(contacts)
      .where(eq(contacts.id, sql.placeholder("id")))
      .prepare(),
  ).get({ id });
}

/** Follows a number change: the contact keeps its history and open conversation on the new number. */
export function moveContact(db: Db, id: ContactRow["id"], newWaId: string, now: number): void {
  prepared(db, "UPDATE contacts SET wa_id = ?, updated_at = ? WHERE id = ?").run(newWaId, now, id);
}
