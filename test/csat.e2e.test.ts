import { afterEach, describe, expect, it } from "vitest";
import { buttonReplyMessage, textMessage } from "../src/emulators/meta-webhook.ts";
import type { SlackMessage } from "../src/emulators/slack.ts";
import { type Harness, startHarness, tableCounts } from "./helpers/harness.ts";
import { slackFlow } from "./helpers/slack.ts";

let h: Harness | null = null;

afterEach(async () => {
  await h?.close();
  h = null;
});

const RATED_NOTICE = "⭐ Customer rated this conversation: 😊 Good";
const THANKS = "Terima kasih atas penilaian Anda";

interface Interactive {
  type: string;
  body: { text: string };
  action: { buttons: { type: string; reply: { id: string; title: string } }[] };
}

/** Starts a service and the Slack helpers over it. */
async function start(env: Record<string, string> = {}) {
  h = await startHarness(env);
  return { h, s: slackFlow(h) };
}

/** Survey messages the customer received (WhatsApp interactive reply buttons). */
function surveys(harness: Harness) {
  return harness.graph.sent.filter((m) => m.type === "interactive");
}

/** Handoff, then a person answers in the thread: the conversation is one a human handled. */
async function humanHandled(s: ReturnType<typeof slackFlow>) {
  const root = await s.handoff();
  await expect.poll(s.sentTexts, { timeout: 5000 }).toHaveLength(1); // the bridge message
  await s.event(s.agentReply(root, "Halo Kak, pesanan sudah kami proses ya."));
  await expect.poll(s.sentTexts, { timeout: 5000 }).toHaveLength(2);
  expect(s.rows("select state from conversations")).toEqual([{ state: "agent" }]);
  return root;
}

/** Presses Close on the root and waits for the close to be shown in the thread. */
async function close(harness: Harness, s: ReturnType<typeof slackFlow>, root: SlackMessage) {
  expect((await s.press(root, "conversation_close")).status).toBe(200);
  await expect
    .poll(() => s.rows("select state from conversations order by id desc limit 1"), {
      timeout: 5000,
    })
    .toEqual([{ state: "closed" }]);
  await harness.slack.waitFor(
    () => s.replies(root).some((r) => (r.text ?? "").includes("closed this conversation")),
    5000,
  );
  await s.settle();
}

describe("CSAT after a conversation a person handled is closed (Graph and Slack emulators)", () => {
  it("asks with three buttons, stores the first tap, thanks once, tells the thread, and ignores redelivery", async () => {
    const { h, s } = await start();
    const root = await humanHandled(s);
    const id = s.conversationId();
    await close(h, s, root);

    // The customer receives one interactive message with the three buttons, in Indonesian.
    expect(surveys(h)).toHaveLength(1);
    const survey = surveys(h)[0]!;
    const interactive = survey.body.interactive as Interactive;
    expect(interactive.type).toBe("button");
    expect(interactive.body.text).toContain("Bagaimana pelayanan kami");
    expect(interactive.action.buttons.map((b) => b.reply)).toEqual([
      { id: `csat:${id}:3`, title: "😊 Puas" },
      { id: `csat:${id}:2`, title: "😐 Biasa" },
      { id: `csat:${id}:1`, title: "😞 Kecewa" },
    ]);
    expect(s.rows("select agent_user_id, rating from csat_surveys")).toEqual([
      { agent_user_id: "U0AGENT", rating: null },
    ]);
    const turnsBefore = s.rows<{ n: number }>("select count(*) n from jobs where kind = 'turn'")[0]!
      .n;

    // The tap, as Meta delivers it: an interactive button_reply quoting the survey message.
    const tap = buttonReplyMessage(`csat:${id}:3`, "😊 Puas", {
      id: "wamid.CSAT_TAP_1",
      context: { quotedId: survey.waMessageId },
    });
    expect((await h.meta.send(tap)).status).toBe(200);
    await h.slack.waitFor(() => s.replies(root).some((r) => r.text === RATED_NOTICE), 5000);
    await s.settle();

    expect(s.rows("select rating, rated_at is not null as rated from csat_surveys")).toEqual([
      { rating: 3, rated: 1 },
    ]);
    expect(s.sentTexts().filter((t) => t.includes(THANKS))).toHaveLength(1);
    // Not a new question: the conversation stays closed, no other one opens, no turn runs.
    expect(s.rows("select id, state from conversations")).toEqual([{ id, state: "closed" }]);
    expect(s.rows<{ n: number }>("select count(*) n from jobs where kind = 'turn'")[0]!.n).toBe(
      turnsBefore,
    );
    expect(
      s.rows(
        "select conversation_id, kind, status from messages where wa_message_id = ?",
        "wamid.CSAT_TAP_1",
      ),
    ).toEqual([{ conversation_id: id, kind: "button_reply", status: "handled" }]);

    // Meta redelivers the same webhook: nothing changes, nothing is sent or posted again.
    const counts = tableCounts(h.service);
    const sent = h.graph.sent.length;
    const posts = s.replies(root).length;
    expect((await h.meta.send(tap)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    await s.settle();
    expect(tableCounts(h.service)).toEqual(counts);
    expect(h.graph.sent.length).toBe(sent);
    expect(s.replies(root).length).toBe(posts);

    // A second, different tap: kept for the record, the first rating stands, no second thanks.
    expect(
      (
        await h.meta.send(
          buttonReplyMessage(`csat:${id}:1`, "😞 Kecewa", {
            id: "wamid.CSAT_TAP_2",
            context: { quotedId: survey.waMessageId },
          }),
        )
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    await s.settle();
    expect(s.rows("select rating from csat_surveys")).toEqual([{ rating: 3 }]);
    expect(h.graph.sent.length).toBe(sent);
    expect(s.replies(root).length).toBe(posts);
    expect(s.rows("select id, state from conversations")).toEqual([{ id, state: "closed" }]);
    expect(s.rows("select status from messages where wa_message_id = 'wamid.CSAT_TAP_2'")).toEqual([
      { status: "handled" },
    ]);
  });

  it("treats a tap naming no survey of this customer as an ordinary message, never as a rating", async () => {
    const { h, s } = await start();
    const root = await humanHandled(s);
    const id = s.conversationId();
    await close(h, s, root);
    expect(surveys(h)).toHaveLength(1);

    // Another customer forwards or forges the button: not a rating of this conversation.
    await h.meta.send(
      buttonReplyMessage(`csat:${id}:1`, "😞 Kecewa", { id: "wamid.OTHER", from: "6281299990000" }),
    );
    // A button of a conversation that was never surveyed.
    await h.meta.send(buttonReplyMessage("csat:99999:3", "😊 Puas", { id: "wamid.UNKNOWN" }));
    await s.settle();

    expect(s.rows("select rating from csat_surveys")).toEqual([{ rating: null }]);
    expect(s.replies(root).some((r) => (r.text ?? "").includes("Customer rated"))).toBe(false);
    // Both were stored as customer messages in a fresh conversation of their sender and had a turn.
    const stored = s.rows<{ conversation_id: number; direction: string }>(
      "select conversation_id, direction from messages where wa_message_id in ('wamid.OTHER', 'wamid.UNKNOWN') order by wa_message_id",
    );
    expect(stored).toHaveLength(2);
    for (const m of stored) {
      expect(m.direction).toBe("in");
      expect(m.conversation_id).not.toBe(id);
    }
    expect(
      s.rows(
        "select m.status from messages m where wa_message_id in ('wamid.OTHER', 'wamid.UNKNOWN')",
      ),
    ).toEqual([{ status: "handled" }, { status: "handled" }]);
    expect(s.rows("select state from conversations where id = ?", id)).toEqual([
      { state: "closed" },
    ]);
  });

  it("asks nothing when CSAT_SURVEY=off", async () => {
    const { h, s } = await start({ CSAT_SURVEY: "off" });
    const root = await humanHandled(s);
    await close(h, s, root);
    expect(surveys(h)).toEqual([]);
    expect(s.rows("select * from csat_surveys")).toEqual([]);
  });

  it("does not survey a conversation no person claimed or answered", async () => {
    const { h, s } = await start();
    const root = await s.handoff();
    await expect.poll(s.sentTexts, { timeout: 5000 }).toHaveLength(1);
    await close(h, s, root);
    expect(surveys(h)).toEqual([]);
    expect(s.rows("select * from csat_surveys")).toEqual([]);
  });

  it("does not ask once the 24-hour window has closed", async () => {
    const { h, s } = await start();
    const root = await humanHandled(s);
    h.service.db.$client.exec("update conversations set window_ends_at = 1000");
    await close(h, s, root);
    expect(surveys(h)).toEqual([]);
    expect(s.rows("select * from csat_surveys")).toEqual([]);
  });

  it("surveys in English for an English-speaking customer and thanks in English", async () => {
    const { h, s } = await start();
    const root = await s.handoff("I want to talk to a real person please");
    await expect.poll(s.sentTexts, { timeout: 5000 }).toHaveLength(1);
    expect((await s.press(root, "conversation_claim")).status).toBe(200);
    await expect
      .poll(() => s.rows("select state from conversations"), { timeout: 5000 })
      .toEqual([{ state: "agent" }]);
    const id = s.conversationId();
    await close(h, s, root);
    const interactive = surveys(h)[0]!.body.interactive as Interactive;
    expect(interactive.action.buttons.map((b) => b.reply.title)).toEqual([
      "😊 Good",
      "😐 Okay",
      "😞 Poor",
    ]);
    await h.meta.send(buttonReplyMessage(`csat:${id}:2`, "😐 Okay"));
    await h.slack.waitFor(
      () => s.replies(root).some((r) => r.text === "⭐ Customer rated this conversation: 😐 Okay"),
      5000,
    );
    await s.settle();
    expect(s.sentTexts().at(-1)).toBe("Thank you for your rating! 🙏");
    // Credited to the agent who claimed it.
    expect(s.rows("select agent_user_id, rating from csat_surveys")).toEqual([
      { agent_user_id: "U0AGENT", rating: 2 },
    ]);
  });

  it("a customer writing text after the close still starts a fresh conversation", async () => {
    const { h, s } = await start();
    const root = await humanHandled(s);
    const id = s.conversationId();
    await close(h, s, root);
    await h.meta.send(textMessage("halo, mau tanya lagi"));
    await expect
      .poll(() => s.rows<{ n: number }>("select count(*) n from conversations")[0]!.n, {
        timeout: 5000,
      })
      .toBe(2);
    expect(s.rows("select state from conversations where id = ?", id)).toEqual([
      { state: "closed" },
    ]);
    expect(s.rows("select rating from csat_surveys")).toEqual([{ rating: null }]);
  });
});
