import { createHmac } from "node:crypto";
import { request } from "node:http";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import { type SlackRequestBody, sendSlackRequest } from "../src/emulators/slack-requests.ts";
import { MAX_BODY_BYTES } from "../src/http/app.ts";
import { PRUNED_MARKER } from "../src/http/json-limits.ts";
import { createLogger, MAX_LOG_LINE_BYTES } from "../src/logger.ts";
import {
  APP_SECRET,
  type Harness,
  SLACK_SIGNING_SECRET,
  startHarness,
  tableCounts,
} from "./helpers/harness.ts";

// One service for the whole file; every test checks that refused input changed nothing.
let h: Harness;
const lines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      cb();
    },
  });
  h = await startHarness({ JOB_BURST_MS: "60000" }, {}, createLogger("debug", sink));
});
afterAll(async () => h.close());

const rows = <T>(sql: string, ...params: unknown[]) =>
  h.service.db.$client.prepare(sql).all(...params) as T[];

const nested = (n: number, inner = "1") => "[".repeat(n) + inner + "]".repeat(n);

/** A delivery whose change value is given as raw JSON text. */
const rawDelivery = (valueJson: string) =>
  `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":${valueJson}}]}]}`;

describe("a chunked body over 3 MB", () => {
  /**
   * Streams `total` bytes in 64 KB chunks without a Content-Length (Node sends them chunked),
   * respecting back-pressure like a real client, and optionally never ends the body (a sender
   * that stalls). Resolves with the answer and how long it took.
   */
  function sendChunked(url: string, total: number, end: boolean) {
    const started = performance.now();
    return new Promise<{ status: number; ms: number; body: string }>((resolve, reject) => {
      const req = request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=00" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body });
          req.destroy();
        });
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(65_536, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        if (end) req.end();
      };
      pump();
    });
  }

  for (const endpoint of ["webhookUrl", "slackEventsUrl"] as const) {
    for (const end of [true, false]) {
      it(`is refused with 413 at once on ${endpoint} (${end ? "ended" : "never ended"})`, async () => {
        const before = tableCounts(h.service);
        const res = await sendChunked(h[endpoint], MAX_BODY_BYTES + 4 * 65_536, end);
        expect(res.status).toBe(413);
        expect(JSON.parse(res.body)).toMatchObject({ error: "payload_too_large" });
        expect(res.ms).toBeLessThan(3000);
        expect(tableCounts(h.service)).toEqual(before);
      });
    }
  }

  it("a chunked body under the limit is still read and stored", async () => {
    const body = JSON.stringify(textMessage("chunked but small", { id: "wamid.CHUNKED" }));
    const sig = `sha256=${createHmac("sha256", APP_SECRET).update(body).digest("hex")}`;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(h.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": sig },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write(body.slice(0, 10));
      req.end(body.slice(10));
    });
    expect(status).toBe(200);
    expect(rows("select id from messages where wa_message_id = 'wamid.CHUNKED'")).toHaveLength(1);
  });
});

describe("JSON nested too deeply in a WhatsApp delivery", () => {
  it("keeps the message and cuts only the deep part (no 500, no RangeError)", async () => {
    const text = JSON.stringify(textMessage("hello from deep", { id: "wamid.DEEP1" }));
    // An extra field inside the message, 20,000 levels deep.
    const body = text.replace('"type":"text"', `"type":"text","x":${nested(20_000)}`);
    expect(body).not.toBe(text);
    const res = await h.meta.send(null, { rawBody: body });
    expect(res.status).toBe(200);
    const [row] = rows<{ text: string; payload: string }>(
      "select text, payload from messages where wa_message_id = 'wamid.DEEP1'",
    );
    expect(row?.text).toBe("hello from deep");
    expect(row?.payload).toContain(PRUNED_MARKER);
    expect(lines.some((l) => l.includes("cut JSON nested too deeply"))).toBe(true);
  });

  it("a 3 MB body that is nothing but nesting is refused with 400 unparsed, at once", async () => {
    const started = performance.now();
    const depth = Math.floor((MAX_BODY_BYTES - 200) / 2);
    const before = tableCounts(h.service);
    const res = await h.meta.send(null, {
      rawBody: `{"object":"whatsapp_business_account","entry":${nested(depth, "[]")}}`,
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: "too_deep" });
    const deepMessage = await h.meta.send(null, {
      rawBody: rawDelivery(`{"messages":${nested(depth - 100)}}`),
    });
    expect(deepMessage.status).toBe(400);
    expect(tableCounts(h.service)).toEqual(before);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("nesting between 64 and 100,000 levels anywhere in the envelope is cut, not refused", async () => {
    const res = await h.meta.send(null, {
      rawBody: `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":${nested(50_000, "{}")}}]}`,
    });
    expect(res.status).toBe(200);
  });
});

describe("log lines", () => {
  // parseDelivery spends about 80 µs on each malformed item (zod's failure path), so this takes
  // several seconds; and it collects ignored field names with a quadratic `includes`, so
  // distinct fields are kept to 5,000 here.
  it("a delivery of 60,000 empty messages, fields and errors writes no line over 16 KB", {
    timeout: 40_000,
  }, async () => {
    const from = lines.length;
    const empties = Array.from({ length: 60_000 }, () => "{}").join(",");
    const errors = Array.from(
      { length: 2_000 },
      (_, i) => `{"code":${i},"title":"t","error_data":{"details":"${"d".repeat(100)}"}}`,
    ).join(",");
    const res = await h.meta.send(null, {
      rawBody: rawDelivery(
        `{"messaging_product":"whatsapp","metadata":{"phone_number_id":"1"},"messages":[${empties}],"errors":[${errors}]}`,
      ),
    });
    expect(res.status).toBe(200);
    const fields = Array.from(
      { length: 5_000 },
      (_, i) => `{"field":"f${i}${"x".repeat(20)}","value":{}}`,
    ).join(",");
    const res2 = await h.meta.send(null, {
      rawBody: `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[${fields}]}]}`,
    });
    expect(res2.status).toBe(200);
    const written = lines.slice(from);
    expect(written.some((l) => l.includes("dropped malformed items"))).toBe(true);
    expect(written.some((l) => l.includes("ignored change fields"))).toBe(true);
    const longest = Math.max(...written.map((l) => Buffer.byteLength(l)));
    expect(longest).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const dropped = JSON.parse(
      written.find((l) => l.includes("dropped malformed items")) as string,
    );
    expect(dropped.count).toBeGreaterThanOrEqual(60_000);
    expect(dropped.issues).toHaveLength(10);
    // Not 2,000 error lines: the first ten and a count.
    expect(written.filter((l) => l.includes("whatsapp reported a system error"))).toHaveLength(10);
  });
});

describe("Slack payloads of the wrong shape, correctly signed", () => {
  const ev = (
    extra: Record<string, unknown>,
    event: unknown = { type: "app_mention", text: "hi", user: "U1", channel: "C1", ts: "1.1" },
  ) => ({
    json: {
      token: "t",
      team_id: "T1",
      api_app_id: "A1",
      type: "event_callback",
      event_id: "Ev1",
      event_time: 1,
      event,
      ...extra,
    },
  });
  const payload = (p: unknown) => ({
    form: { payload: typeof p === "string" ? p : JSON.stringify(p) },
  });
  const user = { id: "U1", team_id: "T1" };
  const cases: [string, SlackRequestBody][] = [
    ["event is a string", ev({}, "message")],
    ["event is a number", ev({}, 5)],
    ["event is null", ev({}, null)],
    ["event is an array", ev({}, [{ type: "message" }])],
    ["event is a boolean", ev({}, true)],
    ["event is missing from an event_callback", ev({ event: undefined })],
    ["event has no type", ev({}, { text: "x" })],
    ["event.type is a number", ev({}, { type: 5 })],
    ["event.channel is a number", ev({}, { type: "message", channel: 5 })],
    ["event.user is an array", ev({}, { type: "message", user: ["U1"] })],
    ["event.item is a string", ev({}, { type: "reaction_added", item: "x" })],
    ["event.subteam is a string", ev({}, { type: "subteam_created", subteam: "S1" })],
    ["event.text is an object", ev({}, { type: "message", text: { a: 1 } })],
    ["authorizations is a string", ev({ authorizations: "x" })],
    ["authorizations is an object", ev({ authorizations: { team_id: "T1" } })],
    ["authorizations holds null", ev({ authorizations: [null] })],
    ["authorizations holds a number", ev({ authorizations: [5] })],
    ["authorizations[0].team_id is a number", ev({ authorizations: [{ team_id: 5 }] })],
    ["team_id is a number", ev({ team_id: 5 })],
    ["team_id is an object", ev({ team_id: { id: "T1" } })],
    ["api_app_id is an array", ev({ api_app_id: ["A1"] })],
    ["api_app_id is a number", ev({ api_app_id: 7 })],
    ["type is a number", ev({ type: 5 })],
    ["enterprise_id is an object", ev({ enterprise_id: {} })],
    ["is_enterprise_install is an object", ev({ is_enterprise_install: {} })],
    ["event_time is a string", ev({ event_time: "now" })],
    ["body is a JSON array", { json: [ev({}).json] }],
    ["body is JSON null", { json: null }],
    ["body nests 2,000 levels", { json: { type: "event_callback", x: JSON.parse(nested(2_000)) } }],
    [
      "url_verification challenge is an object",
      { json: { type: "url_verification", challenge: {} } },
    ],
    ["payload is not JSON", payload("{not json")],
    ["payload is a JSON array", payload("[]")],
    ["payload is a JSON number", payload("42")],
    ["payload is a JSON string", payload('"block_actions"')],
    ["payload nests 10,000 levels", payload(`{"type":"block_actions","x":${nested(10_000)}}`)],
    ["actions is a string", payload({ type: "block_actions", actions: "x", user })],
    ["actions holds a number", payload({ type: "block_actions", actions: [1], user })],
    [
      "block_actions without user",
      payload({ type: "block_actions", actions: [{ action_id: "a" }] }),
    ],
    ["user.id is a number", payload({ type: "block_actions", actions: [], user: { id: 5 } })],
    ["team is a number", payload({ type: "block_actions", actions: [], user, team: 5 })],
    ["channel is a string", payload({ type: "block_actions", actions: [], user, channel: "C1" })],
    ["channel is null", payload({ type: "block_actions", actions: [], user, channel: null })],
    ["message is a string", payload({ type: "block_actions", actions: [], user, message: "m" })],
    ["view is a string", payload({ type: "view_submission", user, view: "v" })],
    ["view_submission without view", payload({ type: "view_submission", user })],
    ["shortcut user is a string", payload({ type: "shortcut", callback_id: "c", user: "U1" })],
    ["form field event is a string", { form: { event: "message", type: "event_callback" } }],
  ];

  it("a thread reply event without a channel is ignored (found by the fuzz campaign: a 500)", async () => {
    const before = tableCounts(h.service);
    const errors = () => h.logs.filter((l) => (l.level as number) >= 50).length;
    const errorsBefore = errors();
    const res = await sendSlackRequest(
      h.slackEventsUrl,
      SLACK_SIGNING_SECRET,
      ev({}, { type: "message", user: "U1", text: "hi", ts: "2.2", thread_ts: "1.1" }),
    );
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(tableCounts(h.service)).toEqual(before);
    expect(errors()).toBe(errorsBefore);
  });

  it(`has at least 24 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(24);
  });

  it.each(cases)("%s: 400, nothing processed", async (_name, body) => {
    const before = tableCounts(h.service);
    const callsBefore = h.slack.calls.length;
    const res = await sendSlackRequest(h.slackEventsUrl, SLACK_SIGNING_SECRET, body);
    expect(res.status).toBe(400);
    expect(tableCounts(h.service)).toEqual(before);
    expect(h.slack.calls.length).toBe(callsBefore);
  });
});
