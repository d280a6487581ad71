import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import type { MessageRow } from "../store/repositories/messages.ts";
import { buildTurnContent, describeAsText } from "./media.ts";

const row = (content: unknown, text = ""): MessageRow =>
  ({ id: 1, text, kind: (content as { kind: string }).kind, payload: { content } }) as MessageRow;
const logger = createLogger("silent");

describe("media", () => {
  it("turns locations and contact cards into text", () => {
    expect(
      describeAsText({
        kind: "location",
        latitude: -6.2,
        longitude: 106.8,
        name: "Kantor",
        address: "Jl. Sudirman",
        url: null,
      }),
    ).toBe("[shared a location: Kantor, Jl. Sudirman (-6.2, 106.8)]");
    expect(
      describeAsText({
        kind: "contacts",
        cards: [
          {
            formattedName: "Budi",
            phones: [{ phone: "+62 812", waId: null, type: null }],
            emails: [],
          },
        ],
      }),
    ).toBe("[shared contact card(s): Budi +62 812]");
  });

  it("transcribes a voice note when a transcriber is plugged in", async () => {
    const c = await buildTurnContent(
      [row({ kind: "audio", voice: true, media: { mediaId: "m1", mimeType: "audio/ogg" } })],
      {
        graph: {
          downloadMedia: async () => ({ bytes: new Uint8Array([1]), mimeType: "audio/ogg" }),
        },
        transcriber: { transcribe: async () => "jam buka toko?" },
        logger,
      },
      new AbortController().signal,
    );
    expect(c).toMatchObject({ text: "jam buka toko?", readable: 1, unreadable: 0 });
  });

  it("counts stickers and voice notes without a transcriber as unreadable; ignores reactions", async () => {
    const c = await buildTurnContent(
      [
        row({ kind: "sticker", animated: false, media: { mediaId: "s" } }),
        row({ kind: "audio", voice: true, media: { mediaId: "a" } }),
        row({ kind: "reaction", targetId: "w", emoji: "👍" }),
      ],
      { graph: null, logger },
      new AbortController().signal,
    );
    expect(c).toMatchObject({ readable: 0, unreadable: 2, hasMedia: false });
  });

  it("gives a PDF to the model as a document block", async () => {
    const c = await buildTurnContent(
      [
        row({
          kind: "document",
          media: {
            mediaId: "d",
            mimeType: "application/pdf",
            caption: "invoice",
            filename: "inv.pdf",
          },
        }),
      ],
      {
        graph: {
          downloadMedia: async () => ({
            bytes: new Uint8Array([37, 80, 68, 70]),
            mimeType: "application/pdf",
          }),
        },
        logger,
      },
      new AbortController().signal,
    );
    expect(c.hasMedia).toBe(true);
    expect(c.blocks.map((b) => b.type)).toEqual(["text", "document"]);
  });

  it("gives the model an order and a Flow reply as text it can reason about", async () => {
    const c = await buildTurnContent(
      [
        row({
          kind: "order",
          order: {
            catalogId: "C1",
            note: "gift wrap",
            items: [{ productId: "SKU-1", quantity: 2, itemPrice: 15000, currency: "IDR" }],
          },
        }),
        row({
          kind: "flow_reply",
          flow: { name: "flow", body: "Sent", fields: [{ field: "city", value: "Bandung" }] },
        }),
      ],
      { graph: null, logger },
      new AbortController().signal,
    );
    expect(c.blocks).toEqual([
      {
        type: "text",
        text: '🛒 Order (catalog C1): 2 × SKU-1 at 15000 IDR. Total 30000 IDR. Note: "gift wrap"',
      },
      { type: "text", text: "📋 Form reply: city: Bandung" },
    ]);
    expect(c).toMatchObject({ readable: 2, unreadable: 0 });
  });
});
