import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ContactId, WaId } from "../../core/ids.ts";
import { openTestDatabase, type TestDatabase } from "../testing.ts";
import { getContactFields, setContactField } from "./contact-fields.ts";
import { upsertContact } from "./contacts.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const contact = (waId: string) =>
  upsertContact(t.db, { waId: waId as WaId, userId: null, profileName: null }, 1)!.id;

describe("contact fields", () => {
  it("stores, replaces and reads a contact's fields, and keeps contacts apart", () => {
    const a = contact("628111");
    const b = contact("628222");
    expect(getContactFields(t.db, a)).toEqual({});
    setContactField(t.db, a, "email", "rina@example.com", 10);
    setContactField(t.db, a, "budget", "150000", 11);
    setContactField(t.db, b, "email", "budi@example.com", 12);
    setContactField(t.db, a, "email", "rina@work.example", 13);
    expect(getContactFields(t.db, a)).toEqual({ budget: "150000", email: "rina@work.example" });
    expect(getContactFields(t.db, b)).toEqual({ email: "budi@example.com" });
    const row = t.db.$client
      .prepare(
        "SELECT updated_at AS at FROM contact_fields WHERE contact_id = ? AND field = 'email'",
      )
      .get(a) as { at: number };
    expect(row.at).toBe(13);
  });

  it("refuses a contact that does not exist and stores nothing", () => {
    expect(() => setContactField(t.db, 999 as ContactId, "email", "x@example.com", 1)).toThrow(
      /FOREIGN KEY/,
    );
    expect(getContactFields(t.db, 999 as ContactId)).toEqual({});
  });
});
