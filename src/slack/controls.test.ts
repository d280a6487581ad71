import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId } from "../core/ids.ts";
import { upsertContact } from "../store/repositories/contacts.ts";
import {
  findOrOpenConversation,
  getConversation,
  transitionConversation,
} from "../store/repositories/conversations.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import {
  claimConversation,
  closeConversation,
  returnToAi,
  sendTemplate,
  TEMPLATE_OPTED_OUT_MESSAGE,
} from "./controls.ts";
import { createThread, threadForConversation, updateThread } from "./store.ts";

let t: TestDatabase;
let id: ConversationId;
const rina = { userId: "U1", name: "Rina" };
const budi = { userId: "U2", name: "Budi" };

beforeEach(() => {
  t = openTestDatabase();
  const now = Date.now();
  const contact = upsertContact(
    t.db,
    { waId: "6281" as never, userId: null, profileName: null },
    now,
  )!;
  id = findOrOpenConversation(t.db, contact.id, now).id;
  transitionConversation(t.db, id, "bot", "escalated", now);
  const thread = createThread(
    t.db,
    { conversationId: id, channel: "C1", reason: "r", confidence: null, language: "id" },
    now,
  );
  updateThread(t.db, thread.id, { rootTs: "1.0" }, now);
});
afterEach(() => t.cleanup());

const notices = () =>
  (
    t.db.$client.prepare("select payload from jobs where kind = 'slack.post'").all() as {
      payload: string;
    }[]
  ).map((r) => JSON.parse(r.payload).text as string);

describe("thread controls", () => {
  it("lets the first of two simultaneous claims stand", () => {
    expect(claimConversation(t.db, id, rina)).toEqual({ ok: true });
    expect(claimConversation(t.db, id, budi)).toEqual({
      ok: false,
      message: "Rina already has this conversation.",
    });
    expect(threadForConversation(t.db, id)).toMatchObject({ agentUserId: "U1", agentName: "Rina" });
    expect(notices()).toHaveLength(1);
    // Claiming again as the owner is harmless.
    expect(claimConversation(t.db, id, rina)).toEqual({ ok: true });
  });

  it("returns to the AI and closes with compare-and-set state changes", () => {
    claimConversation(t.db, id, rina);
    expect(returnToAi(t.db, id, rina)).toEqual({ ok: true });
    expect(getConversation(t.db, id)?.state).toBe("bot");
    expect(returnToAi(t.db, id, rina).ok).toBe(false);
    expect(closeConversation(t.db, id, budi)).toEqual({ ok: true });
    expect(getConversation(t.db, id)?.state).toBe("closed");
    expect(closeConversation(t.db, id, budi)).toEqual({ ok: false, message: "Already closed." });
    expect(claimConversation(t.db, id, rina).ok).toBe(false);
  });

  it("queues a root redraw and records the window it will show, in the same transaction", () => {
    const windowEndsAt = 1_800_000_000_000;
    t.db.$client
      .prepare("update conversations set window_ends_at = ? where id = ?")
      .run(windowEndsAt, id);
    const at = windowEndsAt - 3_600_000 * 5;
    expect(claimConversation(t.db, id, rina, at)).toEqual({ ok: true });
    expect(threadForConversation(t.db, id)).toMatchObject({
      rootWindowEndsAt: windowEndsAt,
      rootUpdatedAt: at,
    });
    expect(
      t.db.$client.prepare("select count(*) n from jobs where kind = 'slack.update_root'").get(),
    ).toEqual({ n: 1 });
  });

  it("refuses a template to a customer who opted out, and sends it once they wrote again", () => {
    const template = { name: "follow_up", language: "id", parameters: [] };
    const templates = () =>
      t.db.$client.prepare("select count(*) n from messages where kind = 'template'").get();
    t.db.$client.prepare("update contacts set opted_out_at = ?").run(Date.now());
    expect(sendTemplate(t.db, id, template, rina)).toEqual({
      ok: false,
      message: TEMPLATE_OPTED_OUT_MESSAGE,
    });
    expect(templates()).toEqual({ n: 0 });
    expect(notices()).toHaveLength(0);
    t.db.$client.prepare("update contacts set opted_out_at = null").run();
    expect(sendTemplate(t.db, id, template, rina)).toEqual({ ok: true });
    expect(templates()).toEqual({ n: 1 });
  });

  it("stores a template's text as the customer reads it, parameters filled in", () => {
    t.db.$client
      .prepare(
        "insert into templates (template_id, name, language, status, category, components, updated_at) values ('1', 'order_update', 'id', 'APPROVED', 'UTILITY', ?, 1)",
      )
      .run(JSON.stringify([{ type: "BODY", text: "Halo {{1}}, pesanan {{2}} dikirim." }]));
    const send = (name: string, parameters: string[]) =>
      sendTemplate(t.db, id, { name, language: "id", parameters }, rina);
    expect(send("order_update", ["Sari", "INV-7"])).toEqual({ ok: true });
    // Unknown to the store (not synced yet): the name alone, as before.
    expect(send("follow_up", [])).toEqual({ ok: true });
    expect(
      t.db.$client.prepare("select text from messages where kind = 'template' order by id").all(),
    ).toEqual([
      { text: "[template order_update] Halo Sari, pesanan INV-7 dikirim." },
      { text: "[template follow_up]" },
    ]);
  });

  it("answers a click on an unknown conversation without changing anything", () => {
    expect(claimConversation(t.db, 999 as ConversationId, rina).ok).toBe(false);
    expect(notices()).toHaveLength(0);
  });
});
