import { afterEach, describe, expect, it } from "vitest";
import { buttonReplyMessage } from "../src/emulators/meta-webhook.ts";
import { appHomeOpened } from "../src/emulators/slack-requests.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, slackFlow } from "./helpers/slack.ts";

// Issue 11's end-to-end acceptance: after a handoff, an agent's reply and a close with a rating,
// the Home tab Slack receives (views.publish, through Bolt and the Slack emulator) shows that
// escalation, that first-reply time and that rating, overall and for the agent.

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const SEVEN_MINUTES = 7 * 60_000;

describe("the Home tab after a real conversation", () => {
  it("shows the escalation, the agent's first-reply time and the customer's rating", async () => {
    h = await startHarness();
    const f = slackFlow(h);

    // A customer asks for a person: handed off, the thread opens.
    const root = await f.handoff("saya mau bicara dengan orang, pesanan 77001 belum sampai");
    await f.settle();
    const id = f.conversationId();
    // The handoff happened seven minutes before the agent answers (the thread's clock is the
    // one the figure reads; moving it keeps the test from waiting seven real minutes).
    f.rows(
      "update slack_threads set created_at = created_at - ? where conversation_id = ? returning id",
      SEVEN_MINUTES,
      id,
    );

    // The agent answers in the thread, then closes the conversation.
    await f.event(f.agentReply(root, "Halo Kak, pesanan 77001 sedang kami cek."));
    await expect
      .poll(() => f.rows("select first_human_reply_at is not null as replied from slack_threads"), {
        timeout: 5000,
      })
      .toEqual([{ replied: 1 }]);
    const { ms } = f.rows<{ ms: number }>(
      "select first_human_reply_at - created_at as ms from slack_threads",
    )[0]!;
    expect(ms).toBeGreaterThanOrEqual(SEVEN_MINUTES);
    expect(ms).toBeLessThan(SEVEN_MINUTES + 60_000);
    expect((await f.press(root, "conversation_close")).status).toBe(200);
    await expect
      .poll(() => f.rows("select state from conversations"), { timeout: 5000 })
      .toEqual([{ state: "closed" }]);
    await f.settle();

    // The customer taps "Good" on the survey the close sent.
    const survey = h.graph.sent.find((m) => m.type === "interactive");
    expect(survey).toBeDefined();
    const tap = buttonReplyMessage(`csat:${id}:3`, "😊 Puas", {
      id: "wamid.ACCEPT_TAP",
      context: { quotedId: survey!.waMessageId },
    });
    expect((await h.meta.send(tap)).status).toBe(200);
    await expect
      .poll(() => f.rows("select rating from csat_surveys"), { timeout: 5000 })
      .toEqual([{ rating: 3 }]);
    await f.settle();

    // The agent opens the Home tab: what Slack received shows all three.
    const before = h.slack.calls.filter((c) => c.method === "views.publish").length;
    expect((await f.event(appHomeOpened(AGENT))).status).toBe(200);
    await h.slack.waitFor(
      () => h!.slack.calls.filter((c) => c.method === "views.publish").length > before,
      5000,
    );
    const view = JSON.stringify(h.slack.views.get(AGENT)!.blocks);
    // That escalation: one conversation today, handed off.
    expect(view).toContain("*Escalation rate*\\n100%");
    expect(view).toContain("*Conversations*\\n1 · 1 to humans");
    expect(view).toContain("*Top handoff reasons:* customer_request 1 (100%)");
    expect(view).toContain("today 100%"); // the 14-day sparkline's last day
    // That reply time: seven minutes, overall and on the agent's line, within the SLA.
    expect(view).toContain("*Median first human reply*\\n7 min");
    expect(view).toMatch(/1 replied · median first reply 7 min/);
    expect(view).toContain("*SLA breaches* (15 min)\\n0");
    // That rating: one "good", overall and for the agent.
    expect(view).toContain("*CSAT:* 100% satisfied · average 3.0/3 · 1 rated");
    expect(view).toContain("CSAT 100% (1)");
  });
});
