import { describe, expect, it } from "vitest";
import type { InboundEvent, InboundMessage } from "../../core/inbound.ts";
import {
  audioMessage,
  buttonReplyMessage,
  contactsMessage,
  delivery,
  documentMessage,
  envelope,
  imageMessage,
  inboundMessage,
  listReplyMessage,
  locationMessage,
  META_DEFAULTS,
  type MetaWebhookPayload,
  REENGAGEMENT_ERROR,
  reactionMessage,
  serializeLikeMeta,
  statusUpdate,
  stickerMessage,
  systemErrors,
  templateButtonMessage,
  templateStatusUpdate,
  textMessage,
  unsupportedMessage,
  videoMessage,
} from "../../emulators/meta-webhook.ts";
import { parseDelivery } from "./normalize.ts";

const TS = 1_749_416_383;

/** What the route will do: parse the exact bytes Meta sends. */
function parse(payload: MetaWebhookPayload) {
  const result = parseDelivery(JSON.parse(serializeLikeMeta(payload)));
  if (!result.ok) throw new Error(`unexpected failure: ${result.error}`);
  return result;
}

function parseOne(payload: MetaWebhookPayload): InboundMessage {
  const { delivery, issues } = parse(payload);
  expect(issues).toEqual([]);
  expect(delivery.messages).toHaveLength(1);
  return delivery.messages[0]!;
}

function parseEvent(payload: MetaWebhookPayload): InboundEvent {
  const { delivery, issues } = parse(payload);
  expect(issues).toEqual([]);
  expect(delivery.messages).toEqual([]);
  expect(delivery.events).toHaveLength(1);
  return delivery.events[0]!;
}

describe("parseDelivery: inbound message types", () => {
  it("text, with sender, phone number id, timestamp in ms and the raw message", () => {
    const payload = textMessage("Ada warna lain? 😀", { id: "wamid.T1", timestamp: TS });
    const m = parseOne(payload);
    expect(m).toMatchObject({
      waMessageId: "wamid.T1",
      sentAt: TS * 1000,
      sender: { waId: META_DEFAULTS.customerWaId, userId: null, profileName: "Sheena Nelson" },
      phoneNumberId: META_DEFAULTS.phoneNumberId,
      context: null,
      content: { kind: "text", body: "Ada warna lain? 😀" },
      text: "Ada warna lain? 😀",
    });
    expect(m.raw).toEqual((payload.entry[0]!.changes[0]!.value.messages as unknown[])[0]);
  });

  it("interactive button reply", () => {
    const m = parseOne(buttonReplyMessage("human", "Talk to a person"));
    expect(m.content).toEqual({ kind: "button_reply", id: "human", title: "Talk to a person" });
    expect(m.text).toBe("Talk to a person");
  });

  it("interactive list reply, with and without description", () => {
    const m = parseOne(listReplyMessage("size-m", "Medium", "Chest 96-101 cm"));
    expect(m.content).toEqual({
      kind: "list_reply",
      id: "size-m",
      title: "Medium",
      description: "Chest 96-101 cm",
    });
    expect(m.text).toBe("Medium");
    expect(parseOne(listReplyMessage("x", "X")).content).toMatchObject({ description: null });
  });

  it("template quick-reply button, quoting the template message", () => {
    const m = parseOne(
      templateButtonMessage("Yes, reschedule", "RESCHEDULE", {
        context: { quotedId: "wamid.TPL" },
      }),
    );
    expect(m.content).toEqual({
      kind: "template_button",
      payload: "RESCHEDULE",
      text: "Yes, reschedule",
    });
    expect(m.text).toBe("Yes, reschedule");
    expect(m.context).toEqual({
      quotedId: "wamid.TPL",
      forwarded: false,
      frequentlyForwarded: false,
    });
  });

  it("image with caption, and without", () => {
    const m = parseOne(imageMessage({ mediaId: "1234", caption: "rusak", sha256: "abc=" }));
    expect(m.content).toEqual({
      kind: "image",
      media: {
        mediaId: "1234",
        mimeType: "image/jpeg",
        sha256: "abc=",
        caption: "rusak",
        filename: null,
      },
    });
    expect(m.text).toBe("rusak");
    expect(parseOne(imageMessage()).text).toBe("[image]");
  });

  it("voice note and plain audio", () => {
    const voice = parseOne(audioMessage({ mediaId: "55" }));
    expect(voice.content).toMatchObject({
      kind: "audio",
      voice: true,
      media: { mediaId: "55", mimeType: "audio/ogg; codecs=opus" },
    });
    expect(voice.text).toBe("[voice note]");
    const file = parseOne(audioMessage({ voice: false, mimeType: "audio/mpeg" }));
    expect(file.content).toMatchObject({ kind: "audio", voice: false });
    expect(file.text).toBe("[audio]");
  });

  it("video", () => {
    const m = parseOne(videoMessage({ mediaId: "77" }));
    expect(m.content).toMatchObject({
      kind: "video",
      media: { mediaId: "77", mimeType: "video/mp4" },
    });
    expect(m.text).toBe("[video]");
  });

  it("document keeps its filename", () => {
    const m = parseOne(documentMessage({ filename: "faktur-0042.pdf" }));
    expect(m.content).toMatchObject({
      kind: "document",
      media: { filename: "faktur-0042.pdf", mimeType: "application/pdf", caption: null },
    });
    expect(m.text).toBe("[document: faktur-0042.pdf]");
    expect(parseOne(documentMessage({ caption: "my invoice" })).text).toBe("my invoice");
  });

  it("sticker, static and animated", () => {
    expect(parseOne(stickerMessage()).content).toMatchObject({ kind: "sticker", animated: false });
    const animated = parseOne(stickerMessage({ animated: true }));
    expect(animated.content).toMatchObject({
      kind: "sticker",
      animated: true,
      media: { mimeType: "image/webp" },
    });
    expect(animated.text).toBe("[sticker]");
  });

  it("location as numbers", () => {
    const m = parseOne(
      locationMessage({
        latitude: -6.2,
        longitude: 106.816666,
        name: "Monas",
        address: "Gambir, Jakarta",
      }),
    );
    expect(m.content).toEqual({
      kind: "location",
      latitude: -6.2,
      longitude: 106.816666,
      name: "Monas",
      address: "Gambir, Jakarta",
      url: null,
    });
    expect(m.text).toBe("📍 Monas, Gambir, Jakarta (-6.2,106.816666)");
    expect(parseOne(locationMessage({ latitude: 1, longitude: 2 })).text).toBe("📍 (1,2)");
  });

  it("contact cards", () => {
    const m = parseOne(
      contactsMessage([
        {
          name: "Budi Santoso",
          phones: [{ phone: "+62 812 3456 7890", waId: "6281234567890", type: "CELL" }],
          emails: ["budi@example.com"],
        },
        { name: "Siti" },
      ]),
    );
    expect(m.content).toEqual({
      kind: "contacts",
      cards: [
        {
          formattedName: "Budi Santoso",
          phones: [{ phone: "+62 812 3456 7890", waId: "6281234567890", type: "CELL" }],
          emails: ["budi@example.com"],
        },
        { formattedName: "Siti", phones: [], emails: [] },
      ],
    });
    expect(m.text).toBe("[contact: Budi Santoso +62 812 3456 7890] [contact: Siti]");
  });

  it("reaction, and a removed reaction (no emoji) as null, are events", () => {
    const m = parseEvent(reactionMessage("wamid.OUT1", "👍"));
    expect(m.event).toEqual({ kind: "reaction", targetId: "wamid.OUT1", emoji: "👍" });
    expect(m.text).toBe("reacted 👍");
    const removed = parseEvent(reactionMessage("wamid.OUT1", null));
    expect(removed.event).toEqual({ kind: "reaction", targetId: "wamid.OUT1", emoji: null });
    expect(removed.text).toBe("removed a reaction");
    // Some API versions send an empty emoji instead of leaving it out.
    const empty = reactionMessage("wamid.OUT1", "👍");
    const message = (empty.entry[0]!.changes[0]!.value.messages as Record<string, unknown>[])[0]!;
    message.reaction = { message_id: "wamid.OUT1", emoji: "" };
    expect(parseEvent(empty).event).toMatchObject({ emoji: null });
  });

  it("unsupported is an event carrying the first error, and Meta's own type name when given", () => {
    const plain = parseEvent(unsupportedMessage());
    expect(plain.event).toEqual({
      kind: "unsupported",
      originalType: "unsupported",
      errorCode: 131051,
      errorTitle: "Message type unknown",
    });
    const poll = parseEvent(unsupportedMessage({ unsupportedType: "poll_creation" }));
    expect(poll.event).toMatchObject({ originalType: "poll_creation", errorCode: 131051 });
    expect(poll.text).toBe("sent something WhatsApp cannot show (poll_creation)");
  });

  it("an edit or deletion Meta can only name (unsupported.type) is an edit or revoke event", () => {
    expect(parseEvent(unsupportedMessage({ unsupportedType: "edit" })).event).toEqual({
      kind: "edit",
      targetId: null,
      newText: null,
    });
    expect(parseEvent(unsupportedMessage({ unsupportedType: "revoke" })).event).toEqual({
      kind: "revoke",
      targetId: null,
    });
  });

  it("an unknown future type becomes an unsupported event with its type name", () => {
    const m = parseEvent(inboundMessage({ type: "hologram", content: { beam: true } }));
    expect(m.event).toEqual({
      kind: "unsupported",
      originalType: "hologram",
      errorCode: null,
      errorTitle: null,
    });
  });

  it("a Flow reply (nfm_reply) is a message with its answers as field/value pairs", () => {
    const m = parseOne(
      inboundMessage({
        type: "interactive",
        content: {
          type: "nfm_reply",
          nfm_reply: {
            name: "flow",
            body: "Sent",
            response_json: JSON.stringify({
              flow_token: "TOKEN",
              screen_0_Nama_0: "Budi",
              address: { city: "Bandung", zip: 40111 },
              sizes: ["M", "L"],
            }),
          },
        },
      }),
    );
    expect(m.content).toEqual({
      kind: "flow_reply",
      flow: {
        name: "flow",
        body: "Sent",
        fields: [
          { field: "screen_0_Nama_0", value: "Budi" },
          { field: "address.city", value: "Bandung" },
          { field: "address.zip", value: "40111" },
          { field: "sizes", value: "M, L" },
        ],
      },
    });
    expect(m.text).toBe(
      "📋 Form reply: screen_0_Nama_0: Budi; address.city: Bandung; address.zip: 40111; sizes: M, L",
    );
  });

  it("a Flow reply with broken or hostile JSON keeps what it can, bounded", () => {
    const broken = parseOne(
      inboundMessage({
        type: "interactive",
        content: { type: "nfm_reply", nfm_reply: { response_json: "{not json" } },
      }),
    );
    expect(broken.content).toMatchObject({ flow: { fields: [{ field: "response" }] } });
    const deep = `${'{"d":'.repeat(10_000)}"bottom"${"}".repeat(10_000)}`;
    const nested = parseOne(
      inboundMessage({
        type: "interactive",
        content: { type: "nfm_reply", nfm_reply: { response_json: deep } },
      }),
    );
    const fields = (nested.content as { flow: { fields: unknown[] } }).flow.fields;
    expect(fields.length).toBeLessThanOrEqual(1);
  });

  it("an order is a message with its items, catalog and note", () => {
    const m = parseOne(
      inboundMessage({
        type: "order",
        content: {
          catalog_id: "194836987003835",
          text: "Love these!",
          product_items: [
            { product_retailer_id: "di9ozbzfi4", quantity: 2, item_price: 30, currency: "USD" },
            {
              product_retailer_id: "nqryix03ez",
              quantity: "1",
              item_price: "12.5",
              currency: "USD",
            },
          ],
        },
      }),
    );
    expect(m.content).toEqual({
      kind: "order",
      order: {
        catalogId: "194836987003835",
        note: "Love these!",
        items: [
          { productId: "di9ozbzfi4", quantity: 2, itemPrice: 30, currency: "USD" },
          { productId: "nqryix03ez", quantity: 1, itemPrice: 12.5, currency: "USD" },
        ],
      },
    });
    expect(m.text).toBe(
      '🛒 Order (catalog 194836987003835): 2 × di9ozbzfi4 at 30 USD; 1 × nqryix03ez at 12.50 USD. Total 72.50 USD. Note: "Love these!"',
    );
  });
});

describe("parseDelivery: senders and context", () => {
  it("a BSUID-only sender (username user) is matched to its contact by user_id", () => {
    const m = parseOne(
      textMessage("hi", { from: null, userId: "ID.1234567890", name: null, username: "@budi" }),
    );
    expect(m.sender).toEqual({ waId: null, userId: "ID.1234567890", profileName: "@budi" });
    expect((m.raw as Record<string, unknown>).from).toBeUndefined();
  });

  it("phone and BSUID together", () => {
    const m = parseOne(textMessage("hi", { userId: "ID.42", name: "Sheena" }));
    expect(m.sender).toEqual({
      waId: META_DEFAULTS.customerWaId,
      userId: "ID.42",
      profileName: "Sheena",
    });
  });

  it("each message gets the profile of its own contact", () => {
    const { delivery: d } = parse(
      envelope(
        textMessage("a", { from: "111", name: "Ani" }),
        textMessage("b", { from: "222", name: "Bayu" }),
      ),
    );
    expect(d.messages.map((m) => [m.sender.waId, m.sender.profileName])).toEqual([
      ["111", "Ani"],
      ["222", "Bayu"],
    ]);
  });

  it("a message without a matching contact has no profile name", () => {
    const payload = textMessage("a", { from: "111" });
    payload.entry[0]!.changes[0]!.value.contacts = [{ profile: { name: "Other" }, wa_id: "999" }];
    expect(parseOne(payload).sender).toEqual({ waId: "111", userId: null, profileName: null });
  });

  it("a quoted reply and a forwarded message", () => {
    const quoted = parseOne(textMessage("this one", { context: { quotedId: "wamid.Q" } }));
    expect(quoted.context).toEqual({
      quotedId: "wamid.Q",
      forwarded: false,
      frequentlyForwarded: false,
    });
    const forwarded = parseOne(
      textMessage("fwd", { context: { forwarded: true, frequentlyForwarded: true } }),
    );
    expect(forwarded.context).toEqual({
      quotedId: null,
      forwarded: true,
      frequentlyForwarded: true,
    });
  });
});

describe("parseDelivery: several items in one delivery", () => {
  it("returns every message and status of every change of every entry, in order", () => {
    const payload = delivery(
      envelope(
        textMessage("one", { id: "wamid.1" }),
        imageMessage({ id: "wamid.2" }),
        statusUpdate({ id: "wamid.OUT", status: "read" }),
      ),
      textMessage("three", { id: "wamid.3", wabaId: "999", phoneNumberId: "PN2" }),
      delivery(statusUpdate({ id: "wamid.OUT", status: "delivered" })),
    );
    // A second change inside the first entry too.
    payload.entry[0]!.changes.push(textMessage("four", { id: "wamid.4" }).entry[0]!.changes[0]!);
    const { delivery: d, issues } = parse(payload);
    expect(issues).toEqual([]);
    expect(d.messages.map((m) => m.waMessageId)).toEqual([
      "wamid.1",
      "wamid.2",
      "wamid.4",
      "wamid.3",
    ]);
    expect(d.messages[3]!.phoneNumberId).toBe("PN2");
    expect(d.statuses.map((s) => s.status)).toEqual(["read", "delivered"]);
  });
});

describe("parseDelivery: statuses", () => {
  it("a delivered status with pricing and our callback data", () => {
    const { delivery: d } = parse(
      statusUpdate({
        id: "wamid.OUT",
        status: "delivered",
        recipientId: "16505551234",
        timestamp: TS,
        callbackData: "msg:42",
        pricingCategory: "utility",
      }),
    );
    expect(d.statuses).toEqual([
      expect.objectContaining({
        waMessageId: "wamid.OUT",
        status: "delivered",
        at: TS * 1000,
        recipientId: "16505551234",
        callbackData: "msg:42",
        errors: [],
        pricingCategory: "utility",
      }),
    ]);
  });

  it("a failed status carries the 131047 error", () => {
    const { delivery: d } = parse(
      statusUpdate({ id: "wamid.OUT", status: "failed", errors: [REENGAGEMENT_ERROR] }),
    );
    expect(d.statuses[0]).toMatchObject({ status: "failed", pricingCategory: null });
    expect(d.statuses[0]!.errors).toEqual([
      {
        code: 131047,
        title: "Re-engagement message",
        message: "Re-engagement message",
        details:
          "More than 24 hours have passed since the recipient last replied to the sender number.",
      },
    ]);
  });

  it("falls back to recipient_user_id for a BSUID recipient", () => {
    const { delivery: d } = parse(
      statusUpdate({ id: "wamid.OUT", status: "read", recipientId: null, recipientUserId: "ID.7" }),
    );
    expect(d.statuses[0]!.recipientId).toBe("ID.7");
  });

  it("drops a status with an unknown value and says so, keeping the others", () => {
    const { delivery: d, issues } = parse(
      envelope(
        statusUpdate({ id: "wamid.A", status: "deleted" }),
        statusUpdate({ id: "wamid.B", status: "sent" }),
      ),
    );
    expect(d.statuses.map((s) => s.waMessageId)).toEqual(["wamid.B"]);
    expect(issues).toEqual([
      {
        path: "entry[0].changes[0].value.statuses[0].status",
        message: expect.stringContaining("deleted"),
      },
    ]);
  });
});

describe("parseDelivery: templates, system errors, other fields", () => {
  it("a template status update with id as string and entry time in ms", () => {
    const { delivery: d } = parse(
      templateStatusUpdate({
        templateId: 806312974732579,
        name: "order_update",
        language: "id",
        event: "REJECTED",
        reason: "INVALID_FORMAT",
        category: "UTILITY",
        time: TS,
      }),
    );
    expect(d.templates).toEqual([
      {
        templateId: "806312974732579",
        name: "order_update",
        language: "id",
        event: "REJECTED",
        category: "UTILITY",
        reason: "INVALID_FORMAT",
        at: TS * 1000,
      },
    ]);
    expect(d.messages).toEqual([]);
  });

  it("a template update without entry time, and reason NONE, gives nulls", () => {
    const payload = templateStatusUpdate({ name: "hello", event: "APPROVED" });
    delete payload.entry[0]!.time;
    const { delivery: d } = parse(payload);
    expect(d.templates[0]).toMatchObject({ event: "APPROVED", reason: null, at: null });
  });

  it("system errors carry the phone number id", () => {
    const { delivery: d } = parse(
      systemErrors([{ code: 131000, title: "Something went wrong", details: "try later" }]),
    );
    expect(d.errors).toEqual([
      {
        code: 131000,
        title: "Something went wrong",
        message: "Something went wrong",
        details: "try later",
        phoneNumberId: META_DEFAULTS.phoneNumberId,
      },
    ]);
  });

  it("lists other fields as ignored, once each", () => {
    const payload = delivery(textMessage("x"));
    payload.entry[0]!.changes.push(
      { field: "account_update", value: { event: "VERIFIED_ACCOUNT" } },
      { field: "phone_number_quality_update", value: {} },
      { field: "account_update", value: {} },
    );
    const { delivery: d } = parse(payload);
    expect(d.ignoredFields).toEqual(["account_update", "phone_number_quality_update"]);
    expect(d.messages).toHaveLength(1);
  });
});

describe("parseDelivery: malformed input", () => {
  it.each([
    ["null", null],
    ["an array", []],
    ["an empty object", {}],
    ["a string", "whatsapp_business_account"],
    ["the wrong object", { object: "page", entry: [] }],
    ["entry not an array", { object: "whatsapp_business_account", entry: {} }],
    ["no entry", { object: "whatsapp_business_account" }],
  ])("rejects %s", (_, input) => {
    const result = parseDelivery(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).not.toBe("");
  });

  it("says what was wrong", () => {
    const result = parseDelivery({ object: "page", entry: [] });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/^object: /) });
    expect(parseDelivery(null)).toEqual({ ok: false, error: expect.stringMatching(/^\(root\): /) });
  });

  it("accepts an envelope with no entries as an empty delivery", () => {
    const result = parseDelivery({ object: "whatsapp_business_account", entry: [] });
    expect(result).toEqual({
      ok: true,
      issues: [],
      delivery: {
        messages: [],
        events: [],
        statuses: [],
        templates: [],
        errors: [],
        ignoredFields: [],
      },
    });
  });

  it("drops a message without id, timestamp or sender, keeps the rest, and reports each", () => {
    const payload = envelope(
      textMessage("no id"),
      textMessage("good", { id: "wamid.GOOD" }),
      textMessage("no sender", { from: null }),
      textMessage("bad time"),
    );
    const messages = payload.entry[0]!.changes[0]!.value.messages as Record<string, unknown>[];
    delete messages[0]!.id;
    messages[3]!.timestamp = "yesterday";
    const { delivery: d, issues } = parse(payload);
    expect(d.messages.map((m) => m.waMessageId)).toEqual(["wamid.GOOD"]);
    expect(issues.map((i) => i.path)).toEqual([
      "entry[0].changes[0].value.messages[0].id",
      "entry[0].changes[0].value.messages[2].from",
      "entry[0].changes[0].value.messages[3]",
    ]);
    expect(issues[0]!.message).toContain("messages[0].id:");
    expect(issues[1]!.message).toContain("no sender");
    expect(issues[2]!.message).toContain("messages[3].timestamp:");
  });

  it("keeps a message whose content does not match its type as an unsupported event", () => {
    const payload = imageMessage({ id: "wamid.IMG" });
    const message = (payload.entry[0]!.changes[0]!.value.messages as Record<string, unknown>[])[0]!;
    message.image = { caption: "no id" };
    const { delivery: d, issues } = parse(payload);
    expect(d.events[0]).toMatchObject({
      waMessageId: "wamid.IMG",
      event: { kind: "unsupported", originalType: "image" },
    });
    expect(issues).toEqual([
      {
        path: "entry[0].changes[0].value.messages[0].image",
        message: expect.stringContaining("kept as unsupported"),
      },
    ]);
  });

  it("skips malformed entries, changes and statuses without losing good siblings", () => {
    const good = textMessage("ok", { id: "wamid.OK" });
    const payload = {
      object: "whatsapp_business_account",
      entry: [
        "garbage",
        { id: "1" },
        { id: "2", changes: [null, { field: "messages", value: "nope" }, { value: {} }] },
        { id: "3", changes: [{ field: "messages", value: { statuses: [{ status: "read" }] } }] },
        ...good.entry,
      ],
    };
    const result = parseDelivery(JSON.parse(JSON.stringify(payload)));
    if (!result.ok) throw new Error(result.error);
    expect(result.delivery.messages.map((m) => m.waMessageId)).toEqual(["wamid.OK"]);
    expect(result.issues.map((i) => i.path)).toEqual([
      "entry[0]",
      "entry[1]",
      "entry[2].changes[0]",
      "entry[2].changes[1].value",
      "entry[2].changes[2]",
      "entry[3].changes[0].value.statuses[0]",
    ]);
  });

  it("refuses an id far longer than WhatsApp's, which no unique index could hold, keeping siblings", () => {
    const huge = `wamid.${"x".repeat(600)}`;
    const payload = envelope(
      textMessage("too long", { id: huge }),
      textMessage("fine", { id: `wamid.${"y".repeat(200)}` }),
    );
    const value = payload.entry[0]!.changes[0]!.value;
    value.statuses = [
      { id: huge, status: "read", timestamp: "1700000000", recipient_id: "6281" },
      { id: "wamid.S", status: "r".repeat(200), timestamp: "1700000000", recipient_id: "6281" },
      { id: "wamid.S", status: "delivered", timestamp: "1700000000", recipient_id: "6281" },
    ];
    const result = parseDelivery(JSON.parse(JSON.stringify(payload)));
    if (!result.ok) throw new Error(result.error);
    expect(result.delivery.messages.map((m) => m.waMessageId)).toEqual([
      `wamid.${"y".repeat(200)}`,
    ]);
    expect(result.delivery.statuses.map((s) => s.status)).toEqual(["delivered"]);
    expect(result.issues.length).toBe(3);
  });

  it("tolerates unknown fields and nulls in optional places", () => {
    const payload = textMessage("hi", {
      id: "wamid.X",
      referral: { source_type: "ad", ctwa_clid: "c" },
    });
    const value = payload.entry[0]!.changes[0]!.value;
    value.brand_new_field = { nested: [1, 2] };
    (value.messages as Record<string, unknown>[])[0]!.context = null;
    const m = parseOne(payload);
    expect(m.content).toEqual({ kind: "text", body: "hi" });
    expect(m.context).toBeNull();
  });
});
