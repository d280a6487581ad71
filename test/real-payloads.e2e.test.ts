import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sendSlackRequest } from "../src/emulators/slack-requests.ts";
import { type Harness, SLACK_SIGNING_SECRET, startHarness } from "./helpers/harness.ts";
import { slackFlow } from "./helpers/slack.ts";

// Webhook payloads written by others (SDK test suites, Meta's and Slack's docs), kept verbatim in
// test/fixtures/real/ (provenance in PROVENANCE.md and index.json). Each goes through the real
// HTTP endpoint with a real signature, into a fresh service, and the stored and visible outcome
// is checked: a message is stored, refreshes the window and is answered (a reply or a handoff);
// an event is stored as an event and nothing is sent to anyone; statuses, template updates and
// other fields land where they belong. The only change made to a payload: message and status
// timestamps are set to now, so that the 24-hour window they open is still open.

const DIR = join(import.meta.dirname, "fixtures", "real");

interface Entry {
  file: string;
  source: string;
  kinds: string[];
}

const index = JSON.parse(readFileSync(join(DIR, "index.json"), "utf8")) as Entry[];
const whatsapp = index.filter((e) => e.file.startsWith("whatsapp/"));
const slack = index.filter((e) => e.file.startsWith("slack/"));

const EVENT_KINDS = new Set([
  "reaction",
  "reaction_removed",
  "edit",
  "revoke",
  "system_number_change",
  "system_user_id_change",
  "system_identity",
  "call_permission_reply",
  "request_welcome",
  "unsupported",
  "value_errors",
]);
const STATUS_KINDS = new Set(["status_sent", "status_delivered", "status_read", "status_failed"]);
const IGNORED_FIELDS = new Set([
  "other_field",
  "account_update",
  "calls",
  "user_preferences",
  "message_echoes",
  "phone_number_quality_update",
]);
/** Our stored kind for each message kind of the index. */
const MESSAGE_KIND: Record<string, string> = {
  text: "text",
  referral: "text",
  referred_product: "text",
  image: "image",
  audio: "audio",
  voice: "audio",
  video: "video",
  document: "document",
  sticker: "sticker",
  location: "location",
  contacts: "contacts",
  button: "template_button",
  button_reply: "button_reply",
  list_reply: "list_reply",
  order: "order",
  flow_reply: "flow_reply",
};

type Expected = "event" | "status" | "template" | "ignored" | "group" | "message";

function expectedOf(e: Entry): Expected {
  const kinds = new Set(e.kinds);
  if (kinds.has("group")) return "group";
  if (e.kinds.some((k) => EVENT_KINDS.has(k))) return "event";
  if (e.kinds.some((k) => STATUS_KINDS.has(k))) return "status";
  if (kinds.has("template_status")) return "template";
  if (e.kinds.some((k) => IGNORED_FIELDS.has(k))) return "ignored";
  return "message";
}

/** The payload with message and status timestamps set to `now` (seconds). */
function refreshed(payload: unknown, now: number): unknown {
  const copy = JSON.parse(JSON.stringify(payload)) as {
    entry?: { changes?: { value?: { messages?: unknown[]; statuses?: unknown[] } }[] }[];
  };
  for (const entry of copy.entry ?? []) {
    for (const change of entry.changes ?? []) {
      for (const item of [...(change.value?.messages ?? []), ...(change.value?.statuses ?? [])]) {
        if (item && typeof item === "object" && "timestamp" in item)
          (item as { timestamp: unknown }).timestamp = String(now);
      }
    }
  }
  return copy;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("the corpus", () => {
  it("holds at least 60 WhatsApp and 20 Slack payloads covering every kind", () => {
    expect(whatsapp.length).toBeGreaterThanOrEqual(60);
    expect(slack.length).toBeGreaterThanOrEqual(20);
    const kinds = new Set(whatsapp.flatMap((e) => e.kinds));
    for (const k of [
      ...Object.keys(MESSAGE_KIND),
      "reaction",
      "reaction_removed",
      "edit",
      "revoke",
      "system_number_change",
      "system_identity",
      "call_permission_reply",
      "unsupported",
      "group",
      "user_id_only",
      "status_sent",
      "status_failed",
      "template_status",
    ]) {
      expect(kinds, k).toContain(k);
    }
  });
});

describe("real WhatsApp webhook payloads through the real endpoint", () => {
  for (const entry of whatsapp) {
    const expected = expectedOf(entry);
    it(`${entry.file} (${entry.kinds.join(", ")}) → ${expected}`, async () => {
      h = await startHarness();
      const f = slackFlow(h);
      const now = Math.floor(Date.now() / 1000);
      const payload = refreshed(JSON.parse(readFileSync(join(DIR, entry.file), "utf8")), now);
      const res = await h.meta.send(payload);
      expect(res.status).toBe(200);
      await f.settle();

      const rows = (sql: string) => f.rows(sql);
      const turnJobs = rows("select count(*) n from jobs where kind = 'turn'")[0] as { n: number };
      const postedToSlack = h.slack.callsTo("chat.postMessage").length;
      switch (expected) {
        case "message": {
          const stored = rows("select kind, status from messages where direction = 'in'") as {
            kind: string;
            status: string;
          }[];
          expect(stored.length).toBeGreaterThanOrEqual(1);
          const wanted = entry.kinds.map((k) => MESSAGE_KIND[k]).find(Boolean);
          if (wanted) expect(stored.map((s) => s.kind)).toContain(wanted);
          expect(stored.every((s) => s.status === "handled")).toBe(true);
          // The window opened at the message's own time, and a turn answered it.
          expect(rows("select window_ends_at w from conversations")).toContainEqual({
            w: (now + 24 * 3600) * 1000,
          });
          expect(turnJobs.n).toBeGreaterThanOrEqual(1);
          // Visible: an answer or a handoff (with its bridge message) reached the customer.
          await expect.poll(() => h!.graph.sent.length, { timeout: 5000 }).toBeGreaterThan(0);
          if (entry.kinds.includes("user_id_only")) {
            const first = h.graph.sent[0]!.body;
            expect(first.to).toBeUndefined();
            expect(first.recipient).toMatch(/\./);
          }
          if (entry.kinds.includes("referral")) {
            expect(JSON.stringify(rows("select payload from messages"))).toContain("referral");
          }
          break;
        }
        case "event": {
          expect(rows("select count(*) n from messages where direction = 'in'")).toEqual([
            { n: 0 },
          ]);
          expect(rows("select count(*) n from messages where direction = 'event'")).toEqual([
            { n: 1 },
          ]);
          expect(turnJobs.n).toBe(0);
          expect(
            rows("select window_ends_at w from conversations where window_ends_at is not null"),
          ).toEqual([]);
          expect(h.graph.sent).toEqual([]);
          expect(postedToSlack).toBe(0);
          break;
        }
        case "group":
          expect(rows("select status from messages")).toEqual([{ status: "group" }]);
          expect(turnJobs.n).toBe(0);
          expect(h.graph.sent).toEqual([]);
          expect(postedToSlack).toBe(0);
          break;
        case "status":
          expect(
            (rows("select count(*) n from status_events")[0] as { n: number }).n,
          ).toBeGreaterThanOrEqual(1);
          expect(rows("select count(*) n from messages")).toEqual([{ n: 0 }]);
          expect(h.graph.sent).toEqual([]);
          break;
        case "template":
          expect((rows("select count(*) n from templates")[0] as { n: number }).n).toBe(1);
          break;
        case "ignored":
          expect(rows("select count(*) n from messages")).toEqual([{ n: 0 }]);
          expect(rows("select count(*) n from jobs")).toEqual([{ n: 0 }]);
          expect(h.graph.sent).toEqual([]);
          break;
      }
      // Whatever it was, no job died over it.
      expect(rows("select kind, last_error from jobs where state = 'dead'")).toEqual([]);
    });
  }
});

/** How Slack sends each payload: slash commands and interactivity are form-encoded. */
function slackBody(file: string, payload: Record<string, unknown>) {
  if (file.includes("slash-command")) {
    return {
      form: Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, String(v)])),
    };
  }
  if (payload.type === "block_actions" || payload.type === "view_submission") {
    return { form: { payload: JSON.stringify(payload) } };
  }
  return { json: payload };
}

describe("real Slack payloads through the real endpoint", () => {
  for (const entry of slack) {
    it(`${entry.file} (${entry.kinds.join(", ")})`, async () => {
      h = await startHarness();
      const f = slackFlow(h);
      const raw = JSON.parse(readFileSync(join(DIR, entry.file), "utf8")) as Record<
        string,
        unknown
      >;
      // A bare event object (as some docs show it) travels in Slack's envelope.
      const payload =
        typeof raw.type === "string" && raw.type !== "event_callback" && "channel" in raw
          ? { type: "event_callback", team_id: "T0TEAM", event_id: "Ev0REAL", event: raw }
          : raw;
      const res = await sendSlackRequest(
        h.slackEventsUrl,
        SLACK_SIGNING_SECRET,
        slackBody(entry.file, payload),
      );
      // Correctly signed: never a 5xx, whatever the content.
      expect(res.status).toBeLessThan(500);
      if (payload.type === "url_verification") {
        expect(JSON.stringify(res.body)).toContain(String(payload.challenge));
      }
      await f.settle();
      // None of these concern a thread the service opened: nothing reaches WhatsApp, nothing dies.
      expect(h.graph.sent).toEqual([]);
      expect(f.rows("select kind, last_error from jobs where state = 'dead'")).toEqual([]);
    });
  }
});

describe("real Slack thread replies, retargeted at a thread the service opened", () => {
  it("a thread_broadcast reply (bolt-python) reaches the customer once, formatted", async () => {
    h = await startHarness();
    const f = slackFlow(h);
    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
    const raw = JSON.parse(
      readFileSync(join(DIR, "slack/bolt-python-thread-broadcast.json"), "utf8"),
    ) as { event: Record<string, unknown>; [k: string]: unknown };
    // Only the addressing changes: our channel, our thread, a ts Slack would have given.
    const posted = h.slack.addMessage("C0ESCALATE", {
      user: "U0AGENT",
      text: "Hi there! *Cek* <https://toko.example/a?b=1&amp;c=2|di sini> :bow:",
      thread_ts: root.ts,
    });
    raw.event = {
      ...raw.event,
      channel: "C0ESCALATE",
      user: "U0AGENT",
      text: posted.text,
      thread_ts: root.ts,
      ts: posted.ts,
      event_ts: posted.ts,
    };
    for (let i = 0; i < 2; i++) {
      // Slack's retry of the same event must not send twice.
      const res = await sendSlackRequest(h.slackEventsUrl, SLACK_SIGNING_SECRET, { json: raw });
      expect(res.status).toBe(200);
    }
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(2);
    await f.settle();
    expect(f.sentTexts()).toHaveLength(2);
    expect(f.sentTexts()[1]).toBe("Hi there! *Cek* di sini (https://toko.example/a?b=1&c=2) 🙇");
  });
});
