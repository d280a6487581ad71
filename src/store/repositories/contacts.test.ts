import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BsuId, WaId } from "../../core/ids.ts";
import { openTestDatabase, type TestDatabase } from "../testing.ts";
import { upsertContact } from "./contacts.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const sender = (waId: string | null, userId: string | null) => ({
  waId: waId as WaId | null,
  userId: userId as BsuId | null,
  profileName: null,
});

describe("upsertContact", () => {
  it("learns the other id when a later message carries both", () => {
    const a = upsertContact(t.db, sender("628111", null), 1)!;
    const b = upsertContact(t.db, sender("628111", "ID.1"), 2)!;
    expect(b).toMatchObject({ id: a.id, waId: "628111", userId: "ID.1" });
  });

  it("does not take over an id another contact holds (found by fuzzing: it was a 500)", () => {
    const phone = upsertContact(t.db, sender("628111", null), 1)!;
    const user = upsertContact(t.db, sender(null, "ID.1"), 1)!;
    expect(phone.id).not.toBe(user.id);
    // A delivery naming both: the phone's contact is used, the user id stays with its own.
    const both = upsertContact(t.db, sender("628111", "ID.1"), 2)!;
    expect(both).toMatchObject({ id: phone.id, waId: "628111", userId: null });
    expect(t.db.$client.prepare("select wa_id, user_id from contacts order by id").all()).toEqual([
      { wa_id: "628111", user_id: null },
      { wa_id: null, user_id: "ID.1" },
    ]);
  });
});
