import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { META_DEFAULTS, statusUpdate, textMessage } from "../src/emulators/meta-webhook.ts";
import {
  ACCESS_TOKEN,
  APP_SECRET,
  type Harness,
  SLACK_SIGNING_SECRET,
  startHarness,
  VERIFY_TOKEN,
} from "./helpers/harness.ts";
import { slackFlow } from "./helpers/slack.ts";

/**
 * A mixed run (customer texts carrying a phone number and an e-mail address, a handoff, an agent's
 * reply from Slack, status webhooks, a failing Graph call) at debug level: no log line may carry
 * the customer's number, a secret or token, or anything anyone wrote.
 */
const CUSTOMER = META_DEFAULTS.customerWaId;
const CUSTOMER_TEXTS = [
  "saya mau bicara dengan orang beneran, nomor saya 0812-9876-5432 ya",
  "email saya budi.santoso@example.com, alamat Jl. Kenanga No. 7",
];
const AGENT_TEXT = "Halo Kak Budi, pesanan INV-55821 sudah kami cek dan dikirim besok";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("log privacy", () => {
  it("logs no phone number, token, secret or message text during a mixed run", async () => {
    const flow = slackFlow(h);
    // Meta's handshake carries the verify token in the query string.
    const handshake = await fetch(
      `${h.webhookUrl}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=42`,
    );
    expect(handshake.status).toBe(200);

    // The first Graph call fails (a 5xx, retried or logged).
    h.graph.failNext({ route: "messages", httpStatus: 500, code: 131000 }, 1);
    const root = await flow.handoff(CUSTOMER_TEXTS[0]);
    expect((await h.meta.send(textMessage(CUSTOMER_TEXTS[1] as string))).status).toBe(200);
    await h.slack.waitFor(() => flow.replies(root).some((r) => r.text?.includes("Kenanga")), 8000);

    // The next Graph calls (a read receipt, the agent's reply) fail; the reply is retried.
    h.graph.failNext({ route: "messages", httpStatus: 503, code: 2 }, 3);
    expect((await flow.event(flow.agentReply(root, AGENT_TEXT))).status).toBe(200);
    await expect
      .poll(() => flow.sentTexts().some((t) => t.includes("INV-55821")), {
        timeout: 8000,
      })
      .toBe(true);
    await flow.settle();

    // Status webhooks for what was sent: delivered, read, and a failure with Meta's details.
    const sent = flow.rows<{ wamid: string }>(
      "select wa_message_id as wamid from messages where direction = 'out' and wa_message_id is not null",
    );
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const [i, { wamid }] of sent.entries()) {
      const status = i === 0 ? "failed" : "read";
      const res = await h.meta.send(
        statusUpdate({
          id: wamid,
          status,
          recipientId: CUSTOMER,
          ...(status === "failed"
            ? {
                errors: [
                  {
                    code: 131026,
                    title: "Message undeliverable",
                    details: `Unable to deliver to ${CUSTOMER}`,
                  },
                ],
              }
            : {}),
        }),
      );
      expect(res.status).toBe(200);
    }
    await flow.settle();
    // The run really happened and was logged at debug level.
    expect(h.graph.sent.length).toBeGreaterThanOrEqual(2);
    expect(h.logs.length).toBeGreaterThan(20);
    expect(h.logs.some((l) => l.level === 20)).toBe(true);
    const graphFailures = h.logs.filter((l) => JSON.stringify(l).includes("GraphApiError"));
    expect(graphFailures.length).toBeGreaterThanOrEqual(2);

    const written = [
      ...CUSTOMER_TEXTS,
      AGENT_TEXT,
      // What the service itself sent: the bridge message and the relayed reply.
      ...flow.sentTexts(),
    ];
    const forbidden: [string, string][] = [
      ["the customer's number", CUSTOMER],
      ["the number in a text", "0812-9876-5432"],
      ["the e-mail in a text", "budi.santoso@example.com"],
      ["WHATSAPP_ACCESS_TOKEN", ACCESS_TOKEN],
      ["WHATSAPP_APP_SECRET", APP_SECRET],
      ["WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN],
      ["SLACK_BOT_TOKEN", h.slack.botToken],
      ["SLACK_SIGNING_SECRET", SLACK_SIGNING_SECRET],
      ...written.map((t): [string, string] => ["a message text", t]),
      // A distinctive piece of each text, in case a log line carries a part of one.
      ["part of a message text", "Kenanga"],
      ["part of a message text", "INV-55821"],
    ];
    const leaks: string[] = [];
    for (const line of h.logs) {
      const text = JSON.stringify(line);
      for (const [what, value] of forbidden) {
        if (value && text.includes(value))
          leaks.push(`${what} (${value}) in: ${text.slice(0, 400)}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
