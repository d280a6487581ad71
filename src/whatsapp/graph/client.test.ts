import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type GraphEmulator, startGraphEmulator } from "../../emulators/graph.ts";
import { startServer } from "../../emulators/server.ts";
import { createGraphClient, type GraphClientOptions, isBusinessScopedId } from "./client.ts";
import { GraphApiError, GraphValidationError } from "./errors.ts";

const TOKEN = "EAAG-secret-token-1234567890";
const PHONE = "106540352242922";
const WABA = "102290129340398";
const TO = "+16505551234";

let emu: GraphEmulator;

beforeAll(async () => {
  emu = await startGraphEmulator({
    accessToken: TOKEN,
    phoneNumberId: PHONE,
    businessAccountId: WABA,
    version: "v25.0",
  });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

function client(overrides: Partial<GraphClientOptions> = {}) {
  return createGraphClient({
    baseUrl: emu.url,
    version: "v25.0",
    accessToken: TOKEN,
    phoneNumberId: PHONE,
    businessAccountId: WABA,
    timeoutMs: 2000,
    ...overrides,
  });
}

/** Runs `fn`, expects a GraphApiError and returns it. */
async function graphError(fn: () => Promise<unknown>): Promise<GraphApiError> {
  const err = await fn().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphApiError);
  const graphErr = err as GraphApiError;
  expect(graphErr.message).not.toContain(TOKEN);
  return graphErr;
}

async function validationError(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await expect(fn()).rejects.toThrow(GraphValidationError);
  await expect(fn()).rejects.toThrow(pattern);
  expect(emu.requests).toHaveLength(0);
}

describe("sends", () => {
  it("addresses a username user by business-scoped id in `recipient`, a number in `to`", async () => {
    await client().sendText("US.13491208655302741918", "Halo");
    await client().sendText("user.93737abc", "Halo");
    await client().sendText(TO, "Halo");
    expect(emu.sent.map((s) => [s.body.to, s.body.recipient])).toEqual([
      [undefined, "US.13491208655302741918"],
      [undefined, "user.93737abc"],
      [TO, undefined],
    ]);
    expect(isBusinessScopedId("6281234567890")).toBe(false);
    expect(isBusinessScopedId("+1 650-555-1234")).toBe(false);
    expect(isBusinessScopedId("US.ENT.11815799212886844830")).toBe(true);
  });

  it("sends a text and returns the ids Meta assigned", async () => {
    const result = await client().sendText(TO, "Halo! Ada yang bisa dibantu?");
    expect(emu.sent).toHaveLength(1);
    expect(result).toEqual({ waMessageId: emu.sent[0]!.waMessageId, waId: "16505551234" });
    expect(result.waMessageId).toMatch(/^wamid\./);
    const request = emu.requests[0]!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe(`/v25.0/${PHONE}/messages`);
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: TO,
      type: "text",
      text: { body: "Halo! Ada yang bisa dibantu?", preview_url: false },
    });
  });

  it("puts replyTo, callbackData and previewUrl where Meta expects them", async () => {
    await client().sendText(TO, "see https://example.com", {
      replyTo: "wamid.quoted",
      callbackData: "msg-42",
      previewUrl: true,
    });
    const sent = emu.sent[0]!;
    expect(sent.callbackData).toBe("msg-42");
    expect(sent.body).toMatchObject({
      context: { message_id: "wamid.quoted" },
      biz_opaque_callback_data: "msg-42",
      text: { body: "see https://example.com", preview_url: true },
    });
  });

  it("accepts a base URL with a trailing slash", async () => {
    await client({ baseUrl: `${emu.url}/` }).sendText(TO, "hi");
    expect(emu.requests[0]!.path).toBe(`/v25.0/${PHONE}/messages`);
  });

  it("counts characters, not UTF-16 units: 4096 emoji are allowed", async () => {
    await client().sendText(TO, "😀".repeat(4096));
    expect(emu.sent).toHaveLength(1);
  });

  it("sends a template with components", async () => {
    emu.setTemplates([
      {
        name: "order_update",
        language: "en_US",
        components: [{ type: "BODY", text: "Hi {{1}}, order {{2}} shipped." }],
      },
    ]);
    await client().sendTemplate(
      TO,
      {
        name: "order_update",
        language: "en_US",
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Jessica" },
              { type: "text", text: "#123" },
            ],
          },
        ],
      },
      { callbackData: "msg-7" },
    );
    expect(emu.sent[0]!.type).toBe("template");
    expect(emu.sent[0]!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: TO,
      type: "template",
      biz_opaque_callback_data: "msg-7",
      template: {
        name: "order_update",
        language: { code: "en_US" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Jessica" },
              { type: "text", text: "#123" },
            ],
          },
        ],
      },
    });
  });

  it("surfaces template problems as permanent errors", async () => {
    emu.setTemplates([
      { name: "greeting", language: "en_US", components: [{ type: "BODY", text: "Hi {{1}}" }] },
    ]);
    const missing = await graphError(() =>
      client().sendTemplate(TO, { name: "nope", language: "en_US" }),
    );
    expect([missing.kind, missing.code]).toEqual(["permanent", 132001]);
    const params = await graphError(() =>
      client().sendTemplate(TO, { name: "greeting", language: "en_US" }),
    );
    expect([params.kind, params.code]).toEqual(["permanent", 132000]);
    expect(emu.sent).toHaveLength(0);
  });

  it("sends media by id with a caption and documents by link with a filename", async () => {
    await client().sendMedia(TO, { kind: "image", id: "1234", caption: "the receipt" });
    await client().sendMedia(TO, {
      kind: "document",
      link: "https://example.com/invoice.pdf",
      filename: "invoice.pdf",
    });
    await client().sendMedia(TO, { kind: "audio", id: "5678" });
    expect(emu.sent.map((s) => s.type)).toEqual(["image", "document", "audio"]);
    expect(emu.sent[0]!.body.image).toEqual({ id: "1234", caption: "the receipt" });
    expect(emu.sent[1]!.body.document).toEqual({
      link: "https://example.com/invoice.pdf",
      filename: "invoice.pdf",
    });
    expect(emu.sent[2]!.body.audio).toEqual({ id: "5678" });
  });

  it("sends reply buttons", async () => {
    await client().sendButtons(TO, "Was this helpful?", [
      { id: "yes", title: "Yes" },
      { id: "human", title: "Talk to a person" },
    ]);
    expect(emu.sent[0]!.body.interactive).toEqual({
      type: "button",
      body: { text: "Was this helpful?" },
      action: {
        buttons: [
          { type: "reply", reply: { id: "yes", title: "Yes" } },
          { type: "reply", reply: { id: "human", title: "Talk to a person" } },
        ],
      },
    });
  });
});

describe("validation before any request", () => {
  it("rejects empty and over-long text", async () => {
    await validationError(() => client().sendText(TO, ""), /empty/);
    await validationError(() => client().sendText(TO, "  \n "), /empty/);
    await validationError(() => client().sendText(TO, "a".repeat(4097)), /4097 .*4096/);
    await validationError(() => client().sendText("", "hi"), /Recipient/);
    await validationError(
      () => client().sendText(TO, "hi", { callbackData: "x".repeat(513) }),
      /callbackData/,
    );
  });

  it("rejects media without exactly one source, and misplaced captions and filenames", async () => {
    await validationError(() => client().sendMedia(TO, { kind: "image" }), /neither/);
    await validationError(
      () => client().sendMedia(TO, { kind: "image", id: "1", link: "https://x.test/a.jpg" }),
      /both/,
    );
    await validationError(
      () => client().sendMedia(TO, { kind: "audio", id: "1", caption: "listen" }),
      /audio message cannot have a caption/,
    );
    await validationError(
      () => client().sendMedia(TO, { kind: "sticker", id: "1", caption: "lol" }),
      /sticker message cannot have a caption/,
    );
    await validationError(
      () => client().sendMedia(TO, { kind: "image", id: "1", filename: "a.jpg" }),
      /filename/,
    );
    await validationError(
      () => client().sendMedia(TO, { kind: "image", link: "ftp://x.test/a.jpg" }),
      /http/,
    );
  });

  it("rejects bad button sets", async () => {
    const b = (n: number) => ({ id: `b${n}`, title: `Button ${n}` });
    await validationError(() => client().sendButtons(TO, "pick", []), /1 to 3 buttons \(got 0\)/);
    await validationError(
      () => client().sendButtons(TO, "pick", [b(1), b(2), b(3), b(4)]),
      /1 to 3 buttons \(got 4\)/,
    );
    await validationError(
      () => client().sendButtons(TO, "pick", [{ id: "x", title: "a".repeat(21) }]),
      /21 characters.*20/,
    );
    await validationError(
      () => client().sendButtons(TO, "pick", [b(1), { id: "b1", title: "Other" }]),
      /Duplicate button id/,
    );
    await validationError(() => client().sendButtons(TO, "", [b(1)]), /empty/);
  });

  it("rejects templates without a name or language", async () => {
    await validationError(
      () => client().sendTemplate(TO, { name: "", language: "en_US" }),
      /Template name/,
    );
    await validationError(
      () => client().sendTemplate(TO, { name: "x", language: " " }),
      /Template language/,
    );
  });

  it("refuses to list templates without a business account id", async () => {
    await validationError(
      () => client({ businessAccountId: null }).listTemplates(),
      /WHATSAPP_BUSINESS_ACCOUNT_ID/,
    );
  });
});

describe("markRead", () => {
  it("marks a message read", async () => {
    await client().markRead("wamid.in1");
    expect(emu.reads).toEqual([
      { waMessageId: "wamid.in1", typing: false, at: expect.any(Number) },
    ]);
    expect(emu.requests[0]!.body).toEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: "wamid.in1",
    });
    expect(emu.sent).toHaveLength(0);
  });

  it("adds the typing indicator on request", async () => {
    await client().markRead("wamid.in2", { typing: true });
    expect(emu.reads[0]!.typing).toBe(true);
    expect(emu.requests[0]!.body).toMatchObject({ typing_indicator: { type: "text" } });
  });

  it("treats a send-shaped answer to mark-as-read as unexpected", async () => {
    emu.failNext({ httpStatus: 200, rawBody: '{"messages":[{"id":"wamid.x"}]}' });
    const err = await graphError(() => client().markRead("wamid.in3"));
    expect(err.kind).toBe("permanent");
    expect(err.message).toMatch(/unexpected body/);
  });
});

describe("media", () => {
  it("gets media info and downloads the bytes with the token on both requests", async () => {
    const bytes = new TextEncoder().encode("fake jpeg bytes");
    const id = emu.addMedia(bytes, "image/jpeg");
    const info = await client().getMediaInfo(id);
    expect(info).toMatchObject({ mimeType: "image/jpeg", fileSize: bytes.byteLength });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    const downloaded = await client().downloadMedia(id);
    expect(downloaded.mimeType).toBe("image/jpeg");
    expect(new TextDecoder().decode(downloaded.bytes)).toBe("fake jpeg bytes");
    expect(emu.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v25.0/${id}`,
      `GET /v25.0/${id}`,
      `GET /media-bytes/${id}`,
    ]);
    for (const r of emu.requests) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("uploads media as multipart and downloads the same bytes back", async () => {
    const bytes = Uint8Array.from({ length: 3000 }, (_, i) => i % 256);
    const id = await client().uploadMedia(bytes, "application/pdf", "invoice.pdf");
    expect(emu.uploads).toHaveLength(1);
    expect(emu.uploads[0]).toMatchObject({
      id,
      mimeType: "application/pdf",
      filename: "invoice.pdf",
    });
    const upload = emu.requests[0]!;
    expect(upload.path).toBe(`/v25.0/${PHONE}/media`);
    expect(upload.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(upload.body).toEqual({
      messaging_product: "whatsapp",
      type: "application/pdf",
      file: { filename: "invoice.pdf", type: "application/pdf", size: 3000 },
    });
    const back = await client().downloadMedia(id);
    expect(back.mimeType).toBe("application/pdf");
    expect(Array.from(back.bytes)).toEqual(Array.from(bytes));
  });

  it("uploads only the bytes of a view, not its whole buffer", async () => {
    const buffer = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    const id = await client().uploadMedia(buffer.subarray(2, 5), "text/plain", "a.txt");
    expect(Array.from((await client().downloadMedia(id)).bytes)).toEqual([1, 2, 3]);
  });

  it("fails permanently for an unknown media id", async () => {
    const err = await graphError(() => client().downloadMedia("999"));
    expect([err.kind, err.code, err.subcode, err.httpStatus]).toEqual(["permanent", 100, 33, 400]);
    expect(emu.requests).toHaveLength(1);
  });

  it("reports a gateway error page on media with its HTTP status", async () => {
    const id = emu.addMedia(new Uint8Array([1]), "image/png");
    emu.failNext({ route: "media", httpStatus: 502, rawBody: "<html>Bad Gateway</html>" });
    const err = await graphError(() => client().downloadMedia(id));
    expect([err.kind, err.httpStatus, err.code]).toEqual(["retryable", 502, null]);
    expect(err.message).toContain("Bad Gateway");
    expect((await client().downloadMedia(id)).bytes).toEqual(new Uint8Array([1]));
  });

  it("rejects an empty upload before any request", async () => {
    await validationError(
      () => client().uploadMedia(new Uint8Array(), "image/png", "a.png"),
      /empty/,
    );
  });
});

describe("listTemplates", () => {
  it("follows paging cursors until the last page", async () => {
    const names = ["a", "b", "c", "d", "e"];
    emu.setTemplates(
      names.map((name, i) => ({
        id: String(100 + i),
        name,
        language: "en_US",
        status: i === 4 ? "PAUSED" : "APPROVED",
        category: "UTILITY",
        components: [{ type: "BODY", text: `template ${name}` }],
      })),
      { pageSize: 2 },
    );
    const templates = await client().listTemplates();
    expect(templates.map((t) => t.name)).toEqual(names);
    expect(templates[0]).toEqual({
      id: "100",
      name: "a",
      language: "en_US",
      status: "APPROVED",
      category: "UTILITY",
      components: [{ type: "BODY", text: "template a" }],
    });
    expect(templates[4]!.status).toBe("PAUSED");
    expect(emu.requests).toHaveLength(3);
    expect(emu.requests.every((r) => r.path === `/v25.0/${WABA}/message_templates`)).toBe(true);
    expect(emu.requests[0]!.query.after).toBeUndefined();
    expect(emu.requests[1]!.query.after).toBeDefined();
    for (const r of emu.requests) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("returns an empty list when there are no templates", async () => {
    expect(await client().listTemplates()).toEqual([]);
  });

  it("fails permanently for an unknown business account", async () => {
    const err = await graphError(() => client({ businessAccountId: "42" }).listTemplates());
    expect([err.kind, err.code]).toEqual(["permanent", 100]);
  });
});

describe("errors", () => {
  it("131047 is window_closed, with details and trace id", async () => {
    emu.failNext({
      route: "messages",
      code: 131047,
      details: "More than 24 hours have passed since the recipient last replied.",
    });
    const err = await graphError(() => client().sendText(TO, "late"));
    expect(err).toMatchObject({
      kind: "window_closed",
      code: 131047,
      httpStatus: 400,
      details: "More than 24 hours have passed since the recipient last replied.",
      retryable: false,
    });
    expect(err.fbtraceId).toMatch(/^A/);
    expect(err.message).toContain("131047");
    expect(err.message).toContain(`POST /v25.0/${PHONE}/messages`);
    expect(emu.sent).toHaveLength(0);
  });

  it("130429 with Retry-After is rate_limited with retryAfterMs", async () => {
    emu.failNext({ code: 130429, subcode: 2494055, retryAfterSeconds: 7 });
    const err = await graphError(() => client().sendText(TO, "hi"));
    expect(err).toMatchObject({
      kind: "rate_limited",
      code: 130429,
      subcode: 2494055,
      retryAfterMs: 7000,
      retryable: true,
    });
  });

  it("a 500 is retryable, and the next attempt succeeds", async () => {
    emu.failNext({ httpStatus: 500 });
    const err = await graphError(() => client().sendText(TO, "hi"));
    expect([err.kind, err.httpStatus, err.retryable]).toEqual(["retryable", 500, true]);
    await client().sendText(TO, "hi");
    expect(emu.sent).toHaveLength(1);
  });

  it("a 5xx with an unknown code or a non-JSON body is retryable", async () => {
    emu.failNext({ httpStatus: 503, code: 987654 });
    const unknown = await graphError(() => client().sendText(TO, "hi"));
    expect([unknown.kind, unknown.code]).toEqual(["retryable", 987654]);
    emu.failNext({ httpStatus: 502, rawBody: "<html><body>502 Bad Gateway</body></html>" });
    const html = await graphError(() => client().sendText(TO, "hi"));
    expect([html.kind, html.code, html.httpStatus]).toEqual(["retryable", null, 502]);
    expect(html.message).toMatch(/HTTP 502 without an error object.*Bad Gateway/);
  });

  it("a wrong token gives code 190, kind auth", async () => {
    const err = await graphError(() => client({ accessToken: "wrong" }).sendText(TO, "hi"));
    expect([err.kind, err.code, err.httpStatus]).toEqual(["auth", 190, 401]);
    expect(emu.sent).toHaveLength(0);
  });

  it("131026 is permanent", async () => {
    emu.failNext({ code: 131026 });
    const err = await graphError(() => client().sendText(TO, "hi"));
    expect([err.kind, err.code, err.retryable]).toEqual(["permanent", 131026, false]);
  });

  it("an unknown phone number id is permanent (code 100)", async () => {
    const err = await graphError(() => client({ phoneNumberId: "1" }).sendText(TO, "hi"));
    expect([err.kind, err.code]).toEqual(["permanent", 100]);
  });

  it("times out with a retryable error naming the request", async () => {
    emu.setLatency(300);
    const started = Date.now();
    const err = await graphError(() => client({ timeoutMs: 50 }).sendText(TO, "hi"));
    expect(Date.now() - started).toBeLessThan(250);
    expect(err).toMatchObject({ kind: "retryable", code: null, httpStatus: null });
    expect(err.message).toBe(
      `Graph API request timed out after 50 ms: POST /v25.0/${PHONE}/messages`,
    );
    expect(emu.requests).toHaveLength(1);
  });

  it("times out on an answer whose body stalls after the headers", async () => {
    const { createServer } = await import("node:http");
    const stalled = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"messages":'); // and never the rest
    });
    await new Promise<void>((r) => stalled.listen(0, "127.0.0.1", () => r()));
    try {
      const { port } = stalled.address() as { port: number };
      const err = await graphError(() =>
        client({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 100 }).sendText(TO, "hi"),
      );
      expect(err).toMatchObject({ kind: "retryable", code: null, httpStatus: null });
      expect(err.message).toMatch(/^Graph API request timed out after 100 ms: POST /);
    } finally {
      stalled.closeAllConnections();
      await new Promise((r) => stalled.close(r));
    }
  });

  it("a dropped connection is retryable", async () => {
    emu.failNext({ dropConnection: true });
    const err = await graphError(() => client().sendText(TO, "hi"));
    expect(err).toMatchObject({ kind: "retryable", code: null, httpStatus: null });
    expect(err.message).toMatch(/^Graph API request failed \(.+\): POST /);
  });

  it("a refused connection is retryable", async () => {
    const { Hono } = await import("hono");
    const gone = await startServer(new Hono());
    await gone.close();
    const err = await graphError(() => client({ baseUrl: gone.url }).sendText(TO, "hi"));
    expect(err.kind).toBe("retryable");
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("never puts the token in a message or details, even when the server echoes it", async () => {
    emu.failNext({ code: 100, message: `Invalid token ${TOKEN}`, details: `token=${TOKEN}` });
    const echoed = await graphError(() => client().sendText(TO, "hi"));
    expect(echoed.details).toBe("token=[redacted]");
    emu.failNext({ httpStatus: 500, rawBody: `oops ${TOKEN}` });
    const raw = await graphError(() => client().sendText(TO, "hi"));
    expect(raw.message).toContain("oops [redacted]");
  });

  it("a 2xx with an unexpected body is permanent, not retried into a duplicate", async () => {
    emu.failNext({ httpStatus: 200, rawBody: '{"messaging_product":"whatsapp","messages":[]}' });
    const empty = await graphError(() => client().sendText(TO, "hi"));
    expect([empty.kind, empty.httpStatus]).toEqual(["permanent", 200]);
    expect(empty.message).toMatch(/unexpected body.*messages/);
    emu.failNext({ httpStatus: 200, rawBody: "OK" });
    const text = await graphError(() => client().sendText(TO, "hi"));
    expect(text.kind).toBe("permanent");
  });

  it("tolerates unknown fields in success bodies", async () => {
    emu.failNext({
      httpStatus: 200,
      rawBody: JSON.stringify({
        messaging_product: "whatsapp",
        contacts: [{ input: TO, wa_id: "16505551234", user_id: "US.123" }],
        messages: [{ id: "wamid.custom", message_status: "accepted" }],
        something_new: true,
      }),
    });
    expect(await client().sendText(TO, "hi")).toEqual({
      waMessageId: "wamid.custom",
      waId: "16505551234",
    });
  });
});
