import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId, WaId, WaMessageId } from "../core/ids.ts";
import type { InboundMessage } from "../core/inbound.ts";
import { SERVICE_WINDOW_MS } from "../core/window.ts";
import { upsertContact } from "../store/repositories/contacts.ts";
import {
  findOrOpenConversation,
  getConversation,
  transitionConversation,
} from "../store/repositories/conversations.ts";
import { surveyFor } from "../store/repositories/csat.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { claimConversation, closeConversation } from "./controls.ts";
import { takeCsatTap } from "./csat.ts";
import { createThread, updateThread } from "./store.ts";

let t: TestDatabase;
let id: ConversationId;
const NOW = 1_700_000_000_000;
const CUSTOMER = "628111222333";
const rina = { userId: "U1", name: "Rina" };

beforeEach(() => {
  t = openTestDatabase();
  const contact = upsertContact(
    t.db,
    { waId: CUSTOMER as WaId, userId: null, profileName: "Sari" },
    NOW,
  )!;
  id = findOrOpenConversation(t.db, contact.id, NOW).id;
  t.db.$client
    .prepare(
      "update conversations set window_ends_at = ?, last_customer_message_at = ? where id = ?",
    )
    .run(NOW + SERVICE_WINDOW_MS, NOW, id);
  transitionConversation(t.db, id, "bot", "escalated", NOW);
  const thread = createThread(
    t.db,
    { conversationId: id, channel: "C1", reason: "r", confidence: null, language: "id" },
    NOW,
  );
  updateThread(t.db, thread.id, { rootTs: "1.0" }, NOW);
});
afterEach(() => t.cleanup());

const rows = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) =>
  t.db.$client.prepare(sql).all(...params) as T[];
const outbound = () =>
  rows<{ kind: string; author: string; payload: string }>(
    "select kind, author, payload from messages where direction = 'out' order by id",
  ).map((r) => ({ kind: r.kind, author: r.author, payload: JSON.parse(r.payload) }));
const posts = () =>
  rows<{ payload: string }>("select payload from jobs where kind = 'slack.post' order by id").map(
    (r) => JSON.parse(r.payload).text as string,
  );

let seq = 0;
function tap(
  buttonId: string,
  opts: { from?: string; groupId?: string; wamid?: string; sentAt?: number } = {},
): InboundMessage {
  return {
    waMessageId: (opts.wamid ?? `wamid.T${++seq}`) as WaMessageId,
    sentAt: opts.sentAt ?? NOW + 60_000,
    sender: { waId: (opts.from ?? CUSTOMER) as WaId, userId: null, profileName: "Sari" },
    phoneNumberId: "1065",
    context: null,
    referral: null,
    groupId: opts.groupId ?? null,
    content: { kind: "button_reply", id: buttonId, title: "😊 Puas" },
    text: "😊 Puas",
    raw: {},
  };
}

/** Claimed by Rina and closed with the survey on. */
function claimAndClose(now = NOW + 1000) {
  expect(claimConversation(t.db, id, rina, now)).toEqual({ ok: true });
  expect(closeConversation(t.db, id, rina, now, { csatSurvey: true })).toEqual({ ok: true });
}

describe("asking on Close", () => {
  it("asks once, with the buttons message queued in the close's transaction, crediting the agent", () => {
    claimAndClose();
    expect(surveyFor(t.db, id)).toMatchObject({
      agentUserId: "U1",
      agentName: "Rina",
      rating: null,
    });
    const sent = outbound();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: "buttons", author: "system" });
    expect(sent[0]!.payload.buttons.map((b: { id: string }) => b.id)).toEqual([
      `csat:${id}:3`,
      `csat:${id}:2`,
      `csat:${id}:1`,
    ]);
    expect(rows("select count(*) n from jobs where kind = 'send'")).toEqual([{ n: 1 }]);
    // Closing again is refused and asks nothing more.
    expect(closeConversation(t.db, id, rina, NOW + 2000, { csatSurvey: true }).ok).toBe(false);
    expect(outbound()).toHaveLength(1);
  });

  it("asks nothing unless the survey is switched on", () => {
    claimConversation(t.db, id, rina, NOW + 1000);
    expect(closeConversation(t.db, id, rina, NOW + 1000)).toEqual({ ok: true });
    expect(surveyFor(t.db, id)).toBeUndefined();
    expect(outbound()).toEqual([]);
  });

  it("asks nothing of a customer who opted out", () => {
    t.db.$client.prepare("update contacts set opted_out_at = ?").run(NOW);
    claimAndClose();
    expect(surveyFor(t.db, id)).toBeUndefined();
    expect(outbound()).toEqual([]);
  });

  it("asks nothing when the close fails: the state change and the survey go together", () => {
    claimConversation(t.db, id, rina, NOW + 1000);
    transitionConversation(t.db, id, "agent", "closed", NOW + 1000);
    expect(closeConversation(t.db, id, rina, NOW + 1000, { csatSurvey: true }).ok).toBe(false);
    expect(surveyFor(t.db, id)).toBeUndefined();
  });
});

describe("taking a tap", () => {
  it("rates on the first tap: stored on the closed conversation, thanked once, shown in the thread", () => {
    claimAndClose();
    // Answered after the window closed: the tap itself reopens it, so the thank-you can go.
    t.db.$client.prepare("update conversations set window_ends_at = 1000 where id = ?").run(id);
    const at = NOW + 2 * SERVICE_WINDOW_MS;
    const postsBefore = posts().length;
    expect(takeCsatTap(t.db, tap(`csat:${id}:3`, { wamid: "wamid.A", sentAt: at }), at)).toBe(
      "taken",
    );
    expect(surveyFor(t.db, id)).toMatchObject({ rating: 3, ratedAt: at });
    expect(outbound().at(-1)).toMatchObject({
      kind: "text",
      author: "system",
      payload: { body: "Terima kasih atas penilaian Anda! 🙏" },
    });
    expect(posts().slice(postsBefore)).toEqual(["⭐ Customer rated this conversation: 😊 Good"]);
    expect(getConversation(t.db, id)).toMatchObject({
      state: "closed",
      windowEndsAt: at + SERVICE_WINDOW_MS,
      lastCustomerMessageAt: at,
    });
    expect(
      rows("select conversation_id, status from messages where wa_message_id = 'wamid.A'"),
    ).toEqual([{ conversation_id: id, status: "handled" }]);
    expect(rows("select count(*) n from jobs where kind = 'turn'")).toEqual([{ n: 0 }]);
    expect(rows("select count(*) n from conversations")).toEqual([{ n: 1 }]);

    // The same message again (a redelivered webhook): a duplicate, nothing changes.
    const before = [outbound().length, posts().length];
    expect(takeCsatTap(t.db, tap(`csat:${id}:3`, { wamid: "wamid.A", sentAt: at }), at + 5)).toBe(
      "duplicate",
    );
    // Another tap: kept, changes nothing, no second thank-you or notice.
    expect(takeCsatTap(t.db, tap(`csat:${id}:1`, { wamid: "wamid.B" }), at + 10)).toBe("taken");
    expect(surveyFor(t.db, id)).toMatchObject({ rating: 3, ratedAt: at });
    expect([outbound().length, posts().length]).toEqual(before);
    expect(rows("select status from messages where wa_message_id = 'wamid.B'")).toEqual([
      { status: "handled" },
    ]);
  });

  it("keeps the rating of a customer who opted out since, but sends them nothing", () => {
    claimAndClose();
    t.db.$client.prepare("update contacts set opted_out_at = ?").run(NOW + 5000);
    const sentBefore = outbound().length;
    expect(takeCsatTap(t.db, tap(`csat:${id}:1`), NOW + 6000)).toBe("taken");
    expect(surveyFor(t.db, id)?.rating).toBe(1);
    expect(outbound()).toHaveLength(sentBefore);
    expect(posts().at(-1)).toBe("⭐ Customer rated this conversation: 😞 Poor");
  });

  it("leaves everything else to the normal path, storing nothing", () => {
    claimAndClose();
    const messagesBefore = rows("select count(*) n from messages");
    const cases: InboundMessage[] = [
      tap("menu:refund"),
      tap(`csat:${id}:4`),
      tap(`csat:${id}:3`, { from: "628999000111" }), // another customer
      tap(`csat:${id}:3`, { groupId: "G1" }), // in a group
      tap("csat:424242:3"), // no such conversation
      { ...tap(`csat:${id}:3`), content: { kind: "text", body: `csat:${id}:3` } },
    ];
    for (const msg of cases) expect(takeCsatTap(t.db, msg, NOW + 3000)).toBeNull();
    expect(rows("select count(*) n from messages")).toEqual(messagesBefore);
    expect(surveyFor(t.db, id)?.rating).toBeNull();
  });

  it("does not rate a conversation that was never surveyed", () => {
    claimConversation(t.db, id, rina, NOW + 1000);
    closeConversation(t.db, id, rina, NOW + 1000); // survey off
    expect(takeCsatTap(t.db, tap(`csat:${id}:3`), NOW + 2000)).toBeNull();
    expect(surveyFor(t.db, id)).toBeUndefined();
  });
});
