import { createServer as createNetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GraphEmulator, startGraphEmulator } from "../../emulators/graph.ts";
import { createGraphClient, type GraphClientOptions } from "./client.ts";
import { GraphApiError, requestFate, requestNeverSent } from "./errors.ts";

const TOKEN = "EAAG-fate-token";
const PHONE = "106540352242922";
const TO = "+16505551234";

const sysErr = (code: string, syscall?: string) =>
  Object.assign(new Error(`${syscall ?? "x"} ${code}`), { code, ...(syscall ? { syscall } : {}) });

describe("requestNeverSent: only failures that prove no byte reached the server", () => {
  it.each([
    ["ECONNREFUSED", "connect"],
    ["ENOTFOUND", "getaddrinfo"],
    ["EAI_AGAIN", "getaddrinfo"],
    ["UND_ERR_CONNECT_TIMEOUT", undefined],
    ["ETIMEDOUT", "connect"],
    ["EHOSTUNREACH", "connect"],
    ["ECONNRESET", "connect"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", undefined],
    ["ERR_TLS_CERT_ALTNAME_INVALID", undefined],
    ["ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", undefined],
  ])("%s (%s) never reached the server", (code, syscall) => {
    expect(requestNeverSent(sysErr(code, syscall))).toBe(true);
    // fetch wraps the socket error in a TypeError's cause.
    expect(requestNeverSent(new TypeError("fetch failed", { cause: sysErr(code, syscall) }))).toBe(
      true,
    );
  });

  it.each([
    ["UND_ERR_SOCKET", undefined],
    ["ECONNRESET", "read"],
    ["EPIPE", "write"],
    ["ETIMEDOUT", "read"],
    ["UND_ERR_HEADERS_TIMEOUT", undefined],
    ["UND_ERR_BODY_TIMEOUT", undefined],
    ["ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC", undefined],
    ["ABORT_ERR", undefined],
  ])("%s (%s) may have reached it", (code, syscall) => {
    expect(requestNeverSent(sysErr(code, syscall))).toBe(false);
  });

  it("an abort (our own timeout) says nothing about how far the exchange got", () => {
    expect(requestNeverSent(new DOMException("The operation timed out", "TimeoutError"))).toBe(
      false,
    );
    expect(requestNeverSent(undefined)).toBe(false);
    expect(requestNeverSent("ECONNREFUSED")).toBe(false);
  });

  it("happy eyeballs: never sent only when every address failed to connect", () => {
    const all = new AggregateError([
      sysErr("ECONNREFUSED", "connect"),
      sysErr("ETIMEDOUT", "connect"),
    ]);
    expect(requestNeverSent(all)).toBe(true);
    const mixed = new AggregateError([sysErr("ECONNREFUSED", "connect"), sysErr("UND_ERR_SOCKET")]);
    expect(requestNeverSent(mixed)).toBe(false);
  });
});

describe("requestFate", () => {
  it.each([
    [131000, 500, undefined, "rejected"],
    [2, 503, undefined, "rejected"],
    [100, 400, undefined, "rejected"],
    [null, 400, undefined, "rejected"],
    [null, 429, undefined, "rejected"],
    [null, 502, undefined, "unknown"],
    [null, 504, undefined, "unknown"],
    [null, 200, undefined, "unknown"],
    [131026, null, undefined, "rejected"],
    [null, null, undefined, "unknown"],
    [null, null, sysErr("ECONNREFUSED", "connect"), "not_sent"],
    [null, null, sysErr("UND_ERR_SOCKET"), "unknown"],
  ] as const)("code %s, HTTP %s, cause %s: %s", (code, status, cause, fate) => {
    expect(requestFate(code, status, cause)).toBe(fate);
    expect(new GraphApiError("x", { code, httpStatus: status, cause }).fate).toBe(fate);
  });
});

describe("the client's errors carry their fate", () => {
  let emu: GraphEmulator;
  beforeAll(async () => {
    emu = await startGraphEmulator({ accessToken: TOKEN, phoneNumberId: PHONE });
  });
  afterAll(async () => emu.close());

  const client = (o: Partial<GraphClientOptions> = {}) =>
    createGraphClient({
      baseUrl: emu.url,
      version: "v25.0",
      accessToken: TOKEN,
      phoneNumberId: PHONE,
      timeoutMs: 1000,
      ...o,
    });
  const fail = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("expected a failure");
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(GraphApiError);
        return e as GraphApiError;
      },
    );

  it("a refused connection: not_sent", async () => {
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const { port } = probe.address() as { port: number };
    await new Promise((r) => probe.close(r));
    const err = await fail(client({ baseUrl: `http://127.0.0.1:${port}` }).sendText(TO, "hi"));
    expect([err.kind, err.fate]).toEqual(["retryable", "not_sent"]);
  });

  it("an unresolvable host: not_sent", async () => {
    const err = await fail(client({ baseUrl: "http://graph.invalid" }).sendText(TO, "hi"));
    expect([err.kind, err.fate]).toEqual(["retryable", "not_sent"]);
  });

  it("a timeout after the server received the request, a dropped connection: unknown", async () => {
    emu.setLatency(300);
    const timedOut = await fail(client({ timeoutMs: 50 }).sendText(TO, "hi"));
    emu.setLatency(0);
    expect([timedOut.kind, timedOut.fate]).toEqual(["retryable", "unknown"]);
    emu.failNext({ dropConnection: true });
    const dropped = await fail(client().sendText(TO, "hi"));
    expect([dropped.kind, dropped.fate]).toEqual(["retryable", "unknown"]);
  });

  it("Meta's error answer: rejected; a gateway page with a 5xx: unknown", async () => {
    emu.failNext({ route: "messages", httpStatus: 500, code: 131000 });
    expect((await fail(client().sendText(TO, "hi"))).fate).toBe("rejected");
    emu.failNext({ route: "messages", httpStatus: 502, rawBody: "<html>Bad Gateway</html>" });
    expect((await fail(client().sendText(TO, "hi"))).fate).toBe("unknown");
  });
});
