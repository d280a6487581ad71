import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyMetaSignature } from "../whatsapp/webhook/signature.ts";
import {
  createMetaWebhookSender,
  delivery,
  envelope,
  imageMessage,
  newWamid,
  serializeLikeMeta,
  signLikeMeta,
  statusUpdate,
  templateStatusUpdate,
  textMessage,
  verifyHandshake,
} from "./meta-webhook.ts";
import { type RunningServer, startServer } from "./server.ts";

const SECRET = "app-secret-for-tests";
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("serializeLikeMeta", () => {
  it("escapes non-ASCII characters as lowercase \\u escapes", () => {
    expect(serializeLikeMeta({ body: "café" })).toBe('{"body":"caf\\u00e9"}');
    expect(serializeLikeMeta({ body: "Ñ ü" })).toBe('{"body":"\\u00d1 \\u00fc"}');
  });

  it("escapes emoji as a surrogate pair of escapes", () => {
    expect(serializeLikeMeta("😀")).toBe('"\\ud83d\\ude00"');
  });

  it("escapes slashes as Meta does", () => {
    expect(serializeLikeMeta({ url: "https://x/y" })).toBe('{"url":"https:\\/\\/x\\/y"}');
  });

  it("produces pure ASCII that parses back to the same value", () => {
    const payload = textMessage('Halo 👋 ça va? 日本 / done \u2028 "quoted" \\ back');
    const json = serializeLikeMeta(payload);
    expect(json).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(json)).toEqual(payload);
  });

  it("differs from JSON.stringify as soon as the text is not plain ASCII", () => {
    const payload = textMessage("é");
    expect(serializeLikeMeta(payload)).not.toBe(JSON.stringify(payload));
  });

  it("refuses values JSON cannot represent", () => {
    expect(() => serializeLikeMeta(undefined)).toThrow(TypeError);
  });
});

describe("signLikeMeta", () => {
  it("gives sha256=<64 lowercase hex> that verifyMetaSignature accepts", () => {
    const body = serializeLikeMeta(textMessage("terima kasih 🙏"));
    const signature = signLikeMeta(SECRET, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyMetaSignature(utf8(body), signature, SECRET)).toBe(true);
    expect(signLikeMeta(SECRET, utf8(body))).toBe(signature);
  });

  it("is rejected with another secret or another serialisation of the same payload", () => {
    const payload = textMessage("é");
    const signature = signLikeMeta(SECRET, serializeLikeMeta(payload));
    expect(verifyMetaSignature(utf8(serializeLikeMeta(payload)), signature, "other")).toBe(false);
    expect(verifyMetaSignature(utf8(JSON.stringify(payload)), signature, SECRET)).toBe(false);
  });
});

describe("builders", () => {
  it("build Meta's envelope", () => {
    const payload = textMessage("hi", { id: "wamid.A", timestamp: 1749416383 });
    expect(payload).toEqual({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: {
                  display_phone_number: "15550783881",
                  phone_number_id: "106540352242922",
                },
                contacts: [{ profile: { name: "Sheena Nelson" }, wa_id: "16505551234" }],
                messages: [
                  {
                    from: "16505551234",
                    id: "wamid.A",
                    timestamp: "1749416383",
                    type: "text",
                    text: { body: "hi" },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it("give every message a fresh wamid", () => {
    const ids = new Set(Array.from({ length: 50 }, () => newWamid()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^wamid\.[A-Za-z0-9_-]{32}$/);
  });

  it("envelope() batches messages, contacts and statuses into one change", () => {
    const batched = envelope(
      textMessage("a", { from: "1" }),
      imageMessage({ from: "2" }),
      statusUpdate({ id: "wamid.S", status: "sent" }),
    );
    expect(batched.entry).toHaveLength(1);
    expect(batched.entry[0]!.changes).toHaveLength(1);
    const value = batched.entry[0]!.changes[0]!.value;
    expect(value.messages).toHaveLength(2);
    expect(value.contacts).toHaveLength(2);
    expect(value.statuses).toHaveLength(1);
    expect(() => envelope()).toThrow();
    expect(() => envelope(templateStatusUpdate({ name: "t", event: "APPROVED" }))).toThrow();
  });

  it("delivery() keeps one entry per payload", () => {
    const combined = delivery(
      textMessage("a"),
      templateStatusUpdate({ name: "t", event: "APPROVED", time: 5 }),
    );
    expect(combined.entry.map((e) => e.changes[0]!.field)).toEqual([
      "messages",
      "message_template_status_update",
    ]);
    expect(combined.entry[1]!.time).toBe(5);
  });
});

interface Recorded {
  method: string;
  rawBody: Uint8Array;
  headers: Record<string, string>;
}

describe("createMetaWebhookSender and verifyHandshake against a live server", () => {
  const recorded: Recorded[] = [];
  let server: RunningServer;

  beforeAll(async () => {
    const app = new Hono();
    app.post("/webhooks/whatsapp", async (c) => {
      const rawBody = new Uint8Array(await c.req.arrayBuffer());
      const headers = Object.fromEntries(c.req.raw.headers.entries());
      recorded.push({ method: "POST", rawBody, headers });
      const ok = verifyMetaSignature(rawBody, c.req.header("x-hub-signature-256"), SECRET);
      return ok ? c.text("EVENT_RECEIVED") : c.text("bad signature", 401);
    });
    app.get("/webhooks/whatsapp", (c) => {
      const mode = c.req.query("hub.mode");
      const token = c.req.query("hub.verify_token");
      if (mode === "subscribe" && token === "verify-me")
        return c.text(c.req.query("hub.challenge") ?? "");
      return c.text("forbidden", 403);
    });
    server = await startServer(app);
  });

  afterAll(async () => {
    await server.close();
  });

  const target = () => `${server.url}/webhooks/whatsapp`;

  it("POSTs the escaped JSON, signed, with Meta's headers", async () => {
    const sender = createMetaWebhookSender({ targetUrl: target(), appSecret: SECRET });
    const payload = textMessage("Bisa kirim ke Bandung? 🚚");
    const answer = await sender.send(payload);
    expect(answer).toEqual({ status: 200, body: "EVENT_RECEIVED" });

    const last = recorded.at(-1)!;
    const text = new TextDecoder().decode(last.rawBody);
    expect(text).toBe(serializeLikeMeta(payload));
    expect(text).toContain("\\ud83d\\ude9a");
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.headers["x-hub-signature-256"]).toBe(signLikeMeta(SECRET, text));
  });

  it("signs with its own secret, so a receiver with another secret refuses", async () => {
    const sender = createMetaWebhookSender({ targetUrl: target(), appSecret: "wrong" });
    expect((await sender.send(textMessage("x"))).status).toBe(401);
  });

  it("lets a test omit or override the signature", async () => {
    const sender = createMetaWebhookSender({ targetUrl: target(), appSecret: SECRET });
    expect((await sender.send(textMessage("x"), { signature: null })).status).toBe(401);
    expect(recorded.at(-1)!.headers["x-hub-signature-256"]).toBeUndefined();
    expect((await sender.send(textMessage("x"), { signature: "sha256=00" })).status).toBe(401);
    expect(recorded.at(-1)!.headers["x-hub-signature-256"]).toBe("sha256=00");
  });

  it("sends a raw (malformed) body verbatim, signed", async () => {
    const sender = createMetaWebhookSender({ targetUrl: target(), appSecret: SECRET });
    const answer = await sender.send(null, { rawBody: '{"object":' });
    expect(answer.status).toBe(200);
    const last = recorded.at(-1)!;
    expect(new TextDecoder().decode(last.rawBody)).toBe('{"object":');
    expect(last.headers["x-hub-signature-256"]).toBe(signLikeMeta(SECRET, '{"object":'));
  });

  it("does the GET handshake, and is refused with a wrong token or mode", async () => {
    expect(await verifyHandshake(target(), "verify-me", "1158201444")).toEqual({
      status: 200,
      body: "1158201444",
    });
    expect((await verifyHandshake(target(), "nope", "1158201444")).status).toBe(403);
    expect((await verifyHandshake(target(), "verify-me", "1", "unsubscribe")).status).toBe(403);
  });
});
