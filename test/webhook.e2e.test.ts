import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SERVICE_WINDOW_MS } from "../src/core/window.ts";
import {
  audioMessage,
  buttonReplyMessage,
  contactsMessage,
  delivery,
  documentMessage,
  envelope,
  imageMessage,
  listReplyMessage,
  locationMessage,
  REENGAGEMENT_ERROR,
  reactionMessage,
  statusUpdate,
  stickerMessage,
  templateButtonMessage,
  templateStatusUpdate,
  textMessage,
  unsupportedMessage,
  verifyHandshake,
  videoMessage,
} from "../src/emulators/meta-webhook.ts";
import { queueOutbound } from "../src/outbound/queue.ts";
import { upsertContact } from "../src/store/repositories/contacts.ts";
import { findOrOpenConversation } from "../src/store/repositories/conversations.ts";
import { inTransaction } from "../src/store/tx.ts";
import { recordOnlyProcessor } from "../src/turns/types.ts";
import { type Harness, startHarness, tableCounts, VERIFY_TOKEN } from "./helpers/harness.ts";

let h: Harness;

function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
  return h.service.db.$client.prepare(sql).all(...params) as T[];
}

describe("WhatsApp webhook (service on 127.0.0.1, real SQLite file)", () => {
  beforeEach(async () => {
    // A long burst keeps turn jobs queued so the tests can look at them.
    h = await startHarness({ JOB_BURST_MS: "60000" });
  });
  afterEach(async () => h.close());

  it("answers /healthz once the database is migrated", async () => {
    const res = await fetch(`${h.service.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("exposes Prometheus metrics read from the database", async () => {
    await h.meta.send(textMessage("halo"));
    const res = await fetch(`${h.service.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain('jembatan_jobs{kind="turn",state="pending"} 1');
    expect(text).toContain('jembatan_conversations{state="bot"} 1');
    expect(text).toContain("jembatan_ai_cost_usd_today 0");
  });

  it("completes Meta's verification handshake and refuses a wrong token", async () => {
    expect(await verifyHandshake(h.webhookUrl, VERIFY_TOKEN, "1158201444")).toEqual({
      status: 200,
      body: "1158201444",
    });
    expect((await verifyHandshake(h.webhookUrl, "wrong", "1158201444")).status).toBe(403);
    expect((await verifyHandshake(h.webhookUrl, VERIFY_TOKEN, "1", "unsubscribe")).status).toBe(
      403,
    );
  });

  it("stores a text message with its contact, conversation, window and one turn job", async () => {
    const sentAt = Math.floor(Date.now() / 1000) - 2 * 3600;
    const res = await h.meta.send(
      textMessage("Halo kak, toko buka jam berapa? ☕", {
        id: "wamid.ONE",
        timestamp: sentAt,
        name: "Siti Ñúñez",
      }),
    );
    expect(res.status).toBe(200);
    const [msg] = rows<{
      text: string;
      kind: string;
      direction: string;
      status: string;
      wa_timestamp: number;
    }>("select * from messages");
    expect(msg).toMatchObject({
      text: "Halo kak, toko buka jam berapa? ☕",
      kind: "text",
      direction: "in",
      status: "received",
      wa_timestamp: sentAt * 1000,
    });
    expect(rows("select wa_id, profile_name from contacts")).toEqual([
      { wa_id: "16505551234", profile_name: "Siti Ñúñez" },
    ]);
    // The window runs from the message's own timestamp, not from when it arrived.
    expect(rows("select state, window_ends_at from conversations")).toEqual([
      { state: "bot", window_ends_at: sentAt * 1000 + SERVICE_WINDOW_MS },
    ]);
    expect(rows("select kind, state from jobs")).toEqual([{ kind: "turn", state: "pending" }]);
  });

  it("stores the same delivery posted 10 times concurrently once, with one job", async () => {
    const payload = textMessage("double tap", { id: "wamid.DUP" });
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.meta.send(payload)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(rows("select count(*) as n from messages")).toEqual([{ n: 1 }]);
    expect(rows("select count(*) as n from jobs")).toEqual([{ n: 1 }]);
    expect(rows("select count(*) as n from conversations")).toEqual([{ n: 1 }]);
  });

  it("treats a burst of messages from one customer as one turn", async () => {
    for (const text of ["halo", "mau tanya", "ongkir ke Surabaya berapa?"]) {
      expect((await h.meta.send(textMessage(text))).status).toBe(200);
    }
    expect(rows("select count(*) as n from messages")).toEqual([{ n: 3 }]);
    expect(rows("select count(*) as n from jobs where kind = 'turn'")).toEqual([{ n: 1 }]);
  });

  it("normalises every inbound type in one delivery", async () => {
    const payload = envelope(
      textMessage("hi"),
      buttonReplyMessage("yes", "Ya"),
      listReplyMessage("opt-2", "Premium", "Paket premium"),
      templateButtonMessage("Stop promotions"),
      imageMessage({ caption: "rusak" }),
      audioMessage(),
      videoMessage(),
      documentMessage({ filename: "invoice.pdf" }),
      stickerMessage(),
      locationMessage({
        latitude: -6.2,
        longitude: 106.8,
        name: "Kantor",
        address: "Jl. Sudirman",
      }),
      contactsMessage([
        { name: "Budi Santoso", phones: [{ phone: "+62 812 000", waId: "62812000" }] },
      ]),
      reactionMessage("wamid.OURS", "👍"),
      unsupportedMessage(),
      textMessage("quoted", { context: { quotedId: "wamid.QUOTED" } }),
    );
    expect((await h.meta.send(payload)).status).toBe(200);
    const kinds = rows<{ kind: string; direction: string }>(
      "select kind, direction from messages order by id",
    ).map((r) => `${r.direction}:${r.kind}`);
    // Messages first, in order; the reaction and the unsupported type are events, stored after.
    expect(kinds).toEqual([
      "in:text",
      "in:button_reply",
      "in:list_reply",
      "in:template_button",
      "in:image",
      "in:audio",
      "in:video",
      "in:document",
      "in:sticker",
      "in:location",
      "in:contacts",
      "in:text",
      "event:reaction",
      "event:unsupported",
    ]);
    expect(
      rows(
        "select quoted_wa_message_id q from messages where direction = 'in' and quoted_wa_message_id is not null",
      ),
    ).toEqual([{ q: "wamid.QUOTED" }]);
    expect(rows("select text from messages where kind = 'image'")).toEqual([
      { text: expect.stringContaining("rusak") },
    ]);
  });

  it("handles every entry and change of a delivery, and senders known only by a business-scoped id", async () => {
    const payload = delivery(
      textMessage("first", { from: "628111" }),
      textMessage("second", { from: "628222" }),
      textMessage("third", { from: null, userId: "ID.1234567890" }),
    );
    expect((await h.meta.send(payload)).status).toBe(200);
    expect(rows("select wa_id, user_id from contacts order by id")).toEqual([
      { wa_id: "628111", user_id: null },
      { wa_id: "628222", user_id: null },
      { wa_id: null, user_id: "ID.1234567890" },
    ]);
    expect(rows("select count(*) as n from jobs")).toEqual([{ n: 3 }]);
  });

  describe("rejections leave the database unchanged", () => {
    it("401 without a signature or with a wrong one", async () => {
      const before = tableCounts(h.service);
      expect((await h.meta.send(textMessage("x"), { signature: null })).status).toBe(401);
      expect((await h.meta.send(textMessage("x"), { signature: "sha256=deadbeef" })).status).toBe(
        401,
      );
      expect(
        (await h.meta.send(textMessage("x"), { signature: `sha256=${"0".repeat(64)}` })).status,
      ).toBe(401);
      expect(tableCounts(h.service)).toEqual(before);
    });

    it("401 when the body was changed after signing (signature covers the raw bytes)", async () => {
      const before = tableCounts(h.service);
      const { signLikeMeta, serializeLikeMeta } = await import("../src/emulators/meta-webhook.ts");
      const body = serializeLikeMeta(textMessage("café"));
      const signature = signLikeMeta("test-app-secret", body);
      // Same JSON value, different bytes: é unescaped instead of \u00e9.
      const res = await h.meta.send(null, { rawBody: JSON.stringify(JSON.parse(body)), signature });
      expect(res.status).toBe(401);
      expect(tableCounts(h.service)).toEqual(before);
    });

    it("400 for a correctly signed body that is not JSON, or not a WhatsApp delivery", async () => {
      const before = tableCounts(h.service);
      expect(
        (await h.meta.send(null, { rawBody: '{"object":"whatsapp_business_account","entry":[' }))
          .status,
      ).toBe(400);
      expect((await h.meta.send(null, { rawBody: '{"object":"page","entry":[]}' })).status).toBe(
        400,
      );
      expect((await h.meta.send(null, { rawBody: "[]" })).status).toBe(400);
      expect(tableCounts(h.service)).toEqual(before);
    });

    it("413 for a chunked body over 3 MB (no Content-Length to trust)", async () => {
      const before = tableCounts(h.service);
      const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 4; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      const res = await fetch(h.webhookUrl, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=00" },
        duplex: "half",
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(tableCounts(h.service)).toEqual(before);
    });

    it("413 for a body over 3 MB", async () => {
      const before = tableCounts(h.service);
      const res = await h.meta.send(textMessage("x".repeat(3 * 1024 * 1024 + 10)));
      expect(res.status).toBe(413);
      expect(tableCounts(h.service)).toEqual(before);
    });
  });

  describe("status updates", () => {
    function outbound(waMessageId: string) {
      const db = h.service.db;
      return inTransaction(db, () => {
        const contact = upsertContact(
          db,
          { waId: "16505551234" as never, userId: null, profileName: null },
          Date.now(),
        )!;
        const conv = findOrOpenConversation(db, contact.id, Date.now());
        const id = queueOutbound(db, {
          conversationId: conv.id,
          author: "agent",
          content: { kind: "text", body: "hello" },
        });
        db.$client
          .prepare("update messages set wa_message_id = ?, status = 'accepted' where id = ?")
          .run(waMessageId, id);
        return id;
      });
    }
    const statusOf = (id: number) =>
      rows(
        "select status, error_code, error_title, error_detail from messages where id = ?",
        id,
      )[0];

    it("never move a message backwards and ignore repeats", async () => {
      const id = outbound("wamid.OUT1");
      await h.meta.send(statusUpdate({ id: "wamid.OUT1", status: "sent" }));
      await h.meta.send(statusUpdate({ id: "wamid.OUT1", status: "read" }));
      expect(statusOf(id)).toMatchObject({ status: "read" });
      await h.meta.send(statusUpdate({ id: "wamid.OUT1", status: "delivered" }));
      await h.meta.send(statusUpdate({ id: "wamid.OUT1", status: "read" }));
      expect(statusOf(id)).toMatchObject({ status: "read" });
      expect(rows("select status from status_events order by id")).toEqual([
        { status: "sent" },
        { status: "read" },
        { status: "delivered" },
      ]);
    });

    it("keep a failure's code, title and details, and treat failed as final", async () => {
      const id = outbound("wamid.OUT2");
      await h.meta.send(
        statusUpdate({ id: "wamid.OUT2", status: "failed", errors: [REENGAGEMENT_ERROR] }),
      );
      await h.meta.send(statusUpdate({ id: "wamid.OUT2", status: "delivered" }));
      expect(statusOf(id)).toEqual({
        status: "failed",
        error_code: 131047,
        error_title: "Re-engagement message",
        error_detail: REENGAGEMENT_ERROR.details,
      });
    });

    it("keep a status for a message not known yet", async () => {
      expect(
        (await h.meta.send(statusUpdate({ id: "wamid.LATER", status: "delivered" }))).status,
      ).toBe(200);
      expect(rows("select wa_message_id, status from status_events")).toEqual([
        { wa_message_id: "wamid.LATER", status: "delivered" },
      ]);
    });
  });

  it("stores template status updates", async () => {
    await h.meta.send(
      templateStatusUpdate({ name: "order_update", event: "PENDING", language: "id" }),
    );
    await h.meta.send(
      templateStatusUpdate({
        name: "order_update",
        event: "REJECTED",
        language: "id",
        reason: "INVALID_FORMAT",
        category: "MARKETING",
      }),
    );
    expect(rows("select name, language, status, category, reason from templates")).toEqual([
      {
        name: "order_update",
        language: "id",
        status: "REJECTED",
        category: "MARKETING",
        reason: "INVALID_FORMAT",
      },
    ]);
  });
});

describe("turn job", () => {
  beforeEach(async () => {
    // The turn job's own mechanics, without the AI responder (tested in responder.e2e.test.ts).
    h = await startHarness({ JOB_BURST_MS: "0" }, { processor: recordOnlyProcessor });
  });
  afterEach(async () => h.close());

  it("marks the newest message of a turn read and records the turn as handled", async () => {
    await h.meta.send(
      envelope(textMessage("satu", { id: "wamid.A1" }), textMessage("dua", { id: "wamid.A2" })),
    );
    await expect
      .poll(() => rows("select state from jobs"), { timeout: 5000 })
      .toEqual([{ state: "done" }]);
    // The read receipt is sent beside the turn (fire and forget), so it may land just after.
    await expect.poll(() => h.graph.reads.map((r) => r.waMessageId)).toEqual(["wamid.A2"]);
    expect(rows("select status from messages")).toEqual([
      { status: "handled" },
      { status: "handled" },
    ]);
  });

  it("a Graph outage on the read receipt does not hold the turn (a courtesy, never a blocker)", async () => {
    h.graph.failNext({ route: "messages", httpStatus: 503 }, 1);
    await h.meta.send(textMessage("are you there?", { id: "wamid.B1" }));
    await expect
      .poll(() => rows("select state, attempts from jobs"), { timeout: 8000 })
      .toEqual([{ state: "done", attempts: 1 }]);
    expect(rows("select status from messages")).toEqual([{ status: "handled" }]);
  });
});

describe("turn job with a burst window", () => {
  beforeEach(async () => {
    h = await startHarness({ JOB_BURST_MS: "1000" }, { processor: recordOnlyProcessor });
  });
  afterEach(async () => h.close());

  it("waits until the customer stops typing, then answers the whole burst as one turn", async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Each message comes before the previous one's quiet time is over: the turn first due at
    // +1000 ms must see the customer is still typing and wait for the last one.
    for (const [i, text] of ["halo", "mau tanya", "ongkir ke Surabaya?"].entries()) {
      if (i > 0) await sleep(600);
      expect((await h.meta.send(textMessage(text, { id: `wamid.BURST${i}` }))).status).toBe(200);
    }
    expect(rows("select status from messages where status = 'handled'")).toEqual([]);
    await expect
      .poll(() => rows("select kind, state, attempts from jobs"), { timeout: 8000 })
      .toEqual([{ kind: "turn", state: "done", attempts: 1 }]);
    // The read receipt is sent beside the turn (fire and forget), so it may land just after.
    await expect.poll(() => h.graph.reads.map((r) => r.waMessageId)).toEqual(["wamid.BURST2"]);
    expect(rows("select status from messages")).toEqual(Array(3).fill({ status: "handled" }));
  });
});
