import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId, WaId } from "../../core/ids.ts";
import { openTestDatabase, type TestDatabase } from "../testing.ts";
import { upsertContact } from "./contacts.ts";
import { findOrOpenConversation } from "./conversations.ts";
import { latestReferral, REFERRAL_LOOKBACK } from "./messages.ts";

let t: TestDatabase;
let conversation: ConversationId;
beforeEach(() => {
  t = openTestDatabase();
  const contact = upsertContact(
    t.db,
    { waId: "628111" as WaId, userId: null, profileName: null },
    1,
  )!;
  conversation = findOrOpenConversation(t.db, contact.id, 1).id;
});
afterEach(() => t.cleanup());

let n = 0;
function inbound(referral?: Record<string, unknown>) {
  n++;
  t.db.$client
    .prepare(
      `INSERT INTO messages (conversation_id, direction, wa_message_id, kind, text, payload, status, created_at, updated_at)
       VALUES (?, 'in', ?, 'text', 'hi', ?, 'handled', ?, ?)`,
    )
    .run(
      conversation,
      `wamid.${n}`,
      JSON.stringify({ content: { kind: "text" }, ...(referral ? { referral } : {}) }),
      n,
      n,
    );
}

describe("latestReferral", () => {
  it("finds the newest ad referral among the recent customer messages", () => {
    inbound({ headline: "old ad" });
    inbound();
    inbound({ headline: "new ad" });
    inbound();
    expect(latestReferral(t.db, conversation)).toEqual({ headline: "new ad" });
  });

  it("looks back a bounded number of messages, so a turn's cost does not grow with the chat", () => {
    inbound({ headline: "long ago" });
    for (let i = 0; i < REFERRAL_LOOKBACK - 1; i++) inbound();
    expect(latestReferral(t.db, conversation)).toEqual({ headline: "long ago" });
    inbound();
    expect(latestReferral(t.db, conversation)).toBeNull();
  });
});
