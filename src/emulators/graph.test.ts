import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EmulatedSend, type GraphEmulator, startGraphEmulator } from "./graph.ts";

let emu: GraphEmulator;

beforeAll(async () => {
  emu = await startGraphEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function call(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  token: string | null = emu.accessToken,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await fetch(`${emu.url}${path}`, { method, headers, body: payload });
  return { status: res.status, headers: res.headers, json: (await res.json()) as never };
}

function messages(body: unknown, token?: string | null) {
  return call("POST", `/${emu.version}/${emu.phoneNumberId}/messages`, body, token);
}

function errorOf(answer: Answer): { code: number; message: string; details?: string } {
  const error = answer.json.error as {
    code: number;
    message: string;
    type: string;
    fbtrace_id: string;
    error_data?: { details: string };
  };
  expect(error.type).toBe("OAuthException");
  expect(error.fbtrace_id).toEqual(expect.any(String));
  return { code: error.code, message: error.message, details: error.error_data?.details };
}

const text = (body: string, extra: Record<string, unknown> = {}) => ({
  messaging_product: "whatsapp",
  to: "+62 812-3456-7890",
  type: "text",
  text: { body },
  ...extra,
});

describe("messages route", () => {
  it("accepts a send in Meta's success shape and records it", async () => {
    const answer = await messages(text("hello", { biz_opaque_callback_data: "our-1" }));
    expect(answer.status).toBe(200);
    const id = emu.sent[0]!.waMessageId;
    expect(answer.json).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: "+62 812-3456-7890", wa_id: "6281234567890" }],
      messages: [{ id }],
    });
    expect(emu.sent).toEqual([
      {
        waMessageId: id,
        to: "+62 812-3456-7890",
        type: "text",
        body: text("hello", { biz_opaque_callback_data: "our-1" }),
        callbackData: "our-1",
      },
    ]);
  });

  it("gives every send a distinct wamid", async () => {
    for (let i = 0; i < 5; i++) await messages(text(`m${i}`));
    expect(new Set(emu.sent.map((s) => s.waMessageId)).size).toBe(5);
  });

  it("records every request with lower-cased headers, failures included", async () => {
    await messages(text("a"), "wrong");
    expect(emu.requests).toHaveLength(1);
    expect(emu.requests[0]).toMatchObject({
      method: "POST",
      path: `/${emu.version}/${emu.phoneNumberId}/messages`,
      headers: { authorization: "Bearer wrong", "content-type": "application/json" },
      body: text("a"),
    });
    expect(emu.sent).toHaveLength(0);
  });

  it.each([
    ["a wrong token", text("x"), "wrong", 401, 190],
    ["no token", text("x"), null, 401, 190],
    ["no messaging_product", { to: "1", type: "text", text: { body: "x" } }, undefined, 400, 100],
    [
      "no recipient",
      { messaging_product: "whatsapp", text: { body: "x" } },
      undefined,
      400,
      131008,
    ],
    ["an unknown type", text("x", { type: "hologram" }), undefined, 400, 100],
    ["a type without its object", text("x", { type: "image" }), undefined, 400, 131008],
    ["an empty text", text(""), undefined, 400, 131008],
    ["a text over 4096 characters", text("a".repeat(4097)), undefined, 400, 100],
    [
      "media with both id and link",
      text("x", { type: "image", image: { id: "1", link: "https://x.test/a.png" } }),
      undefined,
      400,
      100,
    ],
    [
      "a caption on audio",
      text("x", { type: "audio", audio: { id: "1", caption: "no" } }),
      undefined,
      400,
      100,
    ],
    [
      "four buttons",
      text("x", {
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: "pick" },
          action: {
            buttons: [1, 2, 3, 4].map((n) => ({
              type: "reply",
              reply: { id: `${n}`, title: `${n}` },
            })),
          },
        },
      }),
      undefined,
      400,
      131009,
    ],
    [
      "a 21-character button title",
      text("x", {
        type: "interactive",
        interactive: {
          type: "button",
          body: { text: "pick" },
          action: { buttons: [{ type: "reply", reply: { id: "a", title: "t".repeat(21) } }] },
        },
      }),
      undefined,
      400,
      131009,
    ],
    ["invalid JSON", "{not json", undefined, 400, 100],
  ])("rejects %s like Meta", async (_what, body, token, status, code) => {
    const answer = await messages(body, token);
    expect(answer.status).toBe(status);
    const error = errorOf(answer);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    expect(emu.sent).toHaveLength(0);
  });

  it("rejects an unknown phone number id and a wrong version", async () => {
    const phone = await call("POST", `/${emu.version}/999/messages`, text("x"));
    expect([phone.status, errorOf(phone).code]).toEqual([400, 100]);
    const version = await call("POST", `/v1.0/${emu.phoneNumberId}/messages`, text("x"));
    expect(version.status).toBe(400);
    expect(errorOf(version).message).toContain("v1.0");
    expect(emu.sent).toHaveLength(0);
  });

  it("answers mark-as-read with success and records it, not as a send", async () => {
    const answer = await messages({
      messaging_product: "whatsapp",
      status: "read",
      message_id: "wamid.in",
      typing_indicator: { type: "text" },
    });
    expect(answer.json).toEqual({ success: true });
    expect(emu.reads).toEqual([{ waMessageId: "wamid.in", typing: true, at: expect.any(Number) }]);
    expect(emu.sent).toHaveLength(0);
    const bad = await messages({ messaging_product: "whatsapp", status: "read" });
    expect(errorOf(bad).code).toBe(131008);
    expect(emu.reads).toHaveLength(1);
  });

  it("checks template sends against setTemplates", async () => {
    emu.setTemplates([
      { name: "hello", language: "en_US", components: [{ type: "BODY", text: "Hi {{1}}" }] },
      { name: "paused", language: "en_US", status: "PAUSED" },
    ]);
    const tpl = (name: string, params: number) =>
      text("x", {
        type: "template",
        template: {
          name,
          language: { code: "en_US" },
          components: [
            {
              type: "body",
              parameters: Array.from({ length: params }, () => ({ type: "text", text: "v" })),
            },
          ],
        },
      });
    expect((await messages(tpl("hello", 1))).status).toBe(200);
    expect(errorOf(await messages(tpl("hello", 2))).code).toBe(132000);
    expect(errorOf(await messages(tpl("missing", 0))).code).toBe(132001);
    expect(errorOf(await messages(tpl("paused", 0))).code).toBe(132015);
    expect(emu.sent).toHaveLength(1);
  });
});

describe("media routes", () => {
  it("serves media info pointing at a download that needs the token", async () => {
    const id = emu.addMedia(new Uint8Array([1, 2, 3]), "audio/ogg");
    const info = await call("GET", `/${emu.version}/${id}`);
    expect(info.json).toMatchObject({
      id,
      mime_type: "audio/ogg",
      file_size: "3",
      url: `${emu.url}/media-bytes/${id}`,
    });
    const url = info.json.url as string;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${emu.accessToken}` } });
    expect(res.headers.get("content-type")).toBe("audio/ogg");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("stores multipart uploads and refuses unsupported types and missing files", async () => {
    const upload = async (fields: Record<string, string | Blob>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const res = await fetch(`${emu.url}/${emu.version}/${emu.phoneNumberId}/media`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.accessToken}` },
        body: form,
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> } as Answer;
    };
    const ok = await upload({
      messaging_product: "whatsapp",
      type: "image/png",
      file: new Blob([new Uint8Array([137, 80])], { type: "image/png" }),
    });
    expect(ok.status).toBe(200);
    expect(emu.uploads).toHaveLength(1);
    expect(ok.json).toEqual({ id: emu.uploads[0]!.id });
    const exe = await upload({
      messaging_product: "whatsapp",
      type: "application/x-msdownload",
      file: new Blob([new Uint8Array([1])]),
    });
    expect(errorOf(exe).code).toBe(100);
    const none = await upload({ messaging_product: "whatsapp", type: "image/png" });
    expect(errorOf(none).code).toBe(100);
    expect(emu.uploads).toHaveLength(1);
  });

  it("answers an unknown media id with code 100", async () => {
    const answer = await call("GET", `/${emu.version}/12345`);
    expect([answer.status, errorOf(answer).code]).toEqual([400, 100]);
  });
});

describe("templates route", () => {
  it("pages with cursors in Meta's shape", async () => {
    emu.setTemplates([
      { name: "a", language: "en_US" },
      { name: "b", language: "id", category: "MARKETING" },
      { name: "c", language: "en_US" },
    ]);
    const path = `/${emu.version}/${emu.businessAccountId}/message_templates?limit=2`;
    const first = await call("GET", path);
    const data = first.json.data as Record<string, unknown>[];
    expect(data.map((t) => t.name)).toEqual(["a", "b"]);
    expect(data[1]).toMatchObject({ language: "id", status: "APPROVED", category: "MARKETING" });
    const next = (first.json.paging as { next?: string }).next!;
    expect(next.startsWith(emu.url)).toBe(true);
    const second = await call("GET", next.slice(emu.url.length));
    expect((second.json.data as { name: string }[]).map((t) => t.name)).toEqual(["c"]);
    expect((second.json.paging as { next?: string }).next).toBeUndefined();
  });
});

describe("scripting", () => {
  it("fails the next matching requests only, on the chosen route, in Meta's shape", async () => {
    emu.failNext({ route: "templates", code: 4 });
    emu.failNext({ route: "messages", code: 131056, retryAfterSeconds: 6, details: "pair" }, 2);
    const first = await messages(text("1"));
    expect(first.status).toBe(400);
    expect(first.headers.get("retry-after")).toBe("6");
    expect(errorOf(first)).toEqual({
      code: 131056,
      message: expect.stringContaining("(#131056)"),
      details: "pair",
    });
    expect(errorOf(await messages(text("2"))).code).toBe(131056);
    expect((await messages(text("3"))).status).toBe(200);
    const tpl = await call("GET", `/${emu.version}/${emu.businessAccountId}/message_templates`);
    expect(errorOf(tpl).code).toBe(4);
    expect(emu.sent.map((s) => (s.body.text as { body: string }).body)).toEqual(["3"]);
  });

  it("chooses Meta-like HTTP statuses and codes by default", async () => {
    emu.failNext({ code: 190 });
    expect((await messages(text("x"))).status).toBe(401);
    emu.failNext({ httpStatus: 503 });
    const unavailable = await messages(text("x"));
    expect([unavailable.status, errorOf(unavailable).code]).toEqual([503, 131000]);
  });

  it("drops the connection without answering", async () => {
    emu.failNext({ dropConnection: true });
    await expect(messages(text("x"))).rejects.toThrow();
    expect(emu.requests).toHaveLength(1);
    expect((await messages(text("y"))).status).toBe(200);
  });

  it("delays every route by the latency", async () => {
    emu.setLatency(80);
    const started = Date.now();
    await call("GET", `/${emu.version}/nothing`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });

  it("does not let a request delayed across reset() land in the new recordings", async () => {
    emu.setLatency(60);
    const inFlight = messages(text("stale"));
    await emu.waitFor((e) => e.requests.length === 1);
    emu.reset();
    await expect(inFlight).rejects.toThrow();
    expect([emu.requests.length, emu.sent.length]).toEqual([0, 0]);
  });

  it("calls onSend listeners for accepted sends until unsubscribed", async () => {
    const seen: EmulatedSend[] = [];
    const off = emu.onSend((s) => {
      seen.push(s);
    });
    await messages(text("one"));
    await messages(text("x"), "wrong");
    off();
    await messages(text("two"));
    expect(seen.map((s) => s.waMessageId)).toEqual([emu.sent[0]!.waMessageId]);
  });

  it("still accepts the send when a listener throws", async () => {
    const off = emu.onSend(() => {
      throw new Error("listener bug");
    });
    const originalError = console.error;
    const logged: unknown[] = [];
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      expect((await messages(text("x"))).status).toBe(200);
    } finally {
      console.error = originalError;
      off();
    }
    expect(logged).toHaveLength(1);
  });

  it("waitFor resolves with the predicate's value, or rejects after the timeout", async () => {
    setTimeout(() => void messages(text("later")), 30);
    const send = await emu.waitFor((e) => e.sent[0], 1000);
    expect(send.to).toBe("+62 812-3456-7890");
    await expect(emu.waitFor((e) => e.sent.length > 5, 50)).rejects.toThrow(/within 50 ms/);
  });

  it("reset forgets recordings, failures, media and templates", async () => {
    const id = emu.addMedia(new Uint8Array([1]), "image/png");
    emu.failNext({ code: 131000 }, 5);
    emu.setTemplates([{ name: "t", language: "en_US" }]);
    await messages(text("x"));
    emu.reset();
    expect([emu.requests, emu.sent, emu.reads, emu.uploads].map((a) => a.length)).toEqual([
      0, 0, 0, 0,
    ]);
    expect((await messages(text("y"))).status).toBe(200);
    expect((await call("GET", `/${emu.version}/${id}`)).status).toBe(400);
    const tpl = await call("GET", `/${emu.version}/${emu.businessAccountId}/message_templates`);
    expect(tpl.json.data).toEqual([]);
  });
});
