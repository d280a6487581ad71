import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { openDatabase } from "../store/db.ts";
import { type AppEnv, createHttpApp, MAX_BODY_BYTES } from "./app.ts";

function app(draining?: () => boolean) {
  const posted: string[] = [];
  const sub = () => {
    const h = new Hono<AppEnv>();
    h.post("/", async (c) => {
      posted.push(await c.req.text());
      return c.json({ ok: true });
    });
    h.get("/", (c) => c.text("get"));
    return h;
  };
  const http = createHttpApp({
    logger: createLogger("silent"),
    db: openDatabase(":memory:"),
    mounts: { "/webhooks/whatsapp": sub(), "/slack/events": sub() },
    ...(draining ? { draining } : {}),
  });
  return { http, posted };
}

describe("createHttpApp", () => {
  it("is never draining by default", async () => {
    const { http, posted } = app();
    expect((await http.request("/healthz")).status).toBe(200);
    const res = await http.request("/webhooks/whatsapp", { method: "POST", body: "x" });
    expect(res.status).toBe(200);
    expect(posted).toEqual(["x"]);
  });

  it("answers 503 to deliveries and health checks while draining, and serves again after", async () => {
    let draining = true;
    const { http, posted } = app(() => draining);
    const health = await http.request("/healthz");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "draining" });
    for (const path of ["/webhooks/whatsapp", "/slack/events"]) {
      const res = await http.request(path, { method: "POST", body: "{}" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("30");
    }
    // Meta's verification handshake and metrics stay up.
    expect((await http.request("/webhooks/whatsapp")).status).toBe(200);
    expect((await http.request("/metrics")).status).toBe(200);
    expect(posted).toEqual([]);
    draining = false;
    expect((await http.request("/healthz")).status).toBe(200);
    expect((await http.request("/slack/events", { method: "POST", body: "b" })).status).toBe(200);
    expect(posted).toEqual(["b"]);
  });

  it("refuses a chunked body over the limit with 413 and passes one under it", async () => {
    const { http, posted } = app();
    const stream = (bytes: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let sent = 0; sent < bytes; sent += 65_536) {
            controller.enqueue(new Uint8Array(Math.min(65_536, bytes - sent)).fill(0x61));
          }
          controller.close();
        },
      });
    const post = (bytes: number) =>
      http.request("/webhooks/whatsapp", {
        method: "POST",
        body: stream(bytes),
        duplex: "half",
      } as RequestInit);
    const over = await post(MAX_BODY_BYTES + 1);
    expect(over.status).toBe(413);
    expect(over.headers.get("connection")).toBe("close");
    expect(posted).toEqual([]);
    const at = await post(MAX_BODY_BYTES);
    expect(at.status).toBe(200);
    expect(posted[0]).toHaveLength(MAX_BODY_BYTES);
  });
});
