import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createLogger } from "../logger.ts";
import { openDatabase } from "../store/db.ts";
import { type AppEnv, bearerMatches, createHttpApp, MAX_BODY_BYTES } from "./app.ts";
import type { Observer } from "./observer.ts";

function app(
  draining?: () => boolean,
  extra: { metricsToken?: string | null; observer?: Pick<Observer, "webhookAck"> } = {},
) {
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
    ...extra,
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

describe("/metrics bearer token (METRICS_TOKEN)", () => {
  const TOKEN = "s3cret-metrics-token-0123456789";
  const get = (http: ReturnType<typeof app>["http"], authorization?: string) =>
    http.request("/metrics", authorization === undefined ? {} : { headers: { authorization } });

  it("is open when no token is configured, whatever the request carries", async () => {
    for (const token of [undefined, null, ""]) {
      const { http } = app(undefined, { metricsToken: token });
      const res = await get(http);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("jembatan_ai_cost_usd_today");
      expect((await get(http, "Bearer anything")).status).toBe(200);
    }
  });

  it("serves the figures for the right token, scheme in any case", async () => {
    const { http } = app(undefined, { metricsToken: TOKEN });
    for (const header of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN} `]) {
      const res = await get(http, header);
      expect(res.status, header).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      expect(await res.text()).toContain("jembatan_ai_cost_usd_today");
    }
  });

  it("answers 401 with WWW-Authenticate and no figures otherwise", async () => {
    const { http } = app(undefined, { metricsToken: TOKEN });
    const refused = [
      undefined, // no header
      "", // empty header
      `Bearer ${TOKEN.slice(0, -1)}x`, // same length, last character wrong
      `Bearer ${TOKEN.slice(0, -1)}`, // a prefix: shorter
      `Bearer ${TOKEN}0`, // longer
      `Bearer ${TOKEN} extra`, // more than one token
      "Bearer", // scheme only
      TOKEN, // no scheme
      `Basic ${Buffer.from(`user:${TOKEN}`).toString("base64")}`, // another scheme
      `Token ${TOKEN}`,
    ];
    for (const header of refused) {
      const res = await get(http, header);
      expect(res.status, String(header)).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
      const body = await res.text();
      expect(body).not.toContain("jembatan_");
      expect(body).not.toContain(TOKEN);
    }
    // The rest of the app does not ask for the token.
    expect((await http.request("/healthz")).status).toBe(200);
    expect((await http.request("/webhooks/whatsapp", { method: "POST", body: "x" })).status).toBe(
      200,
    );
  });

  it("compares whole tokens, not prefixes or hashes of other lengths", () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches("Bearer ", TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN.slice(0, 8)}`, TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN}${TOKEN}`, TOKEN)).toBe(false);
    // An empty configured token never matches an empty guess through the regex.
    expect(bearerMatches("Bearer", "")).toBe(false);
  });
});

describe("webhook ack timing", () => {
  it("observes each delivery to a mounted protocol route once, by source, and nothing else", async () => {
    const seen: [string, number][] = [];
    const { http } = app(undefined, {
      observer: { webhookAck: (source, seconds) => seen.push([source, seconds]) },
    });
    await http.request("/webhooks/whatsapp", { method: "POST", body: "a" });
    await http.request("/slack/events", { method: "POST", body: "b" });
    // Refused deliveries are answers Meta waits for too.
    await http.request("/webhooks/whatsapp", {
      method: "POST",
      body: "c",
      headers: { "content-length": String(MAX_BODY_BYTES + 1) },
    });
    // Not deliveries: the GET handshake, health, metrics, unknown paths.
    await http.request("/webhooks/whatsapp");
    await http.request("/healthz");
    await http.request("/metrics");
    await http.request("/webhooks/whatsapp/extra", { method: "POST", body: "d" });
    await http.request("/elsewhere", { method: "POST", body: "e" });
    expect(seen.map(([source]) => source)).toEqual(["whatsapp", "slack", "whatsapp"]);
    for (const [, seconds] of seen) {
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(seconds).toBeLessThan(5);
    }
  });

  it("does not time a source whose route is not mounted (Slack in Socket Mode)", async () => {
    const seen: string[] = [];
    const http = createHttpApp({
      logger: createLogger("silent"),
      db: openDatabase(":memory:"),
      mounts: { "/webhooks/whatsapp": new Hono<AppEnv>().post("/", (c) => c.text("ok")) },
      observer: { webhookAck: (source) => seen.push(source) },
    });
    expect((await http.request("/slack/events", { method: "POST", body: "x" })).status).toBe(404);
    await http.request("/webhooks/whatsapp", { method: "POST", body: "x" });
    expect(seen).toEqual(["whatsapp"]);
  });
});
