import { afterEach, describe, expect, it } from "vitest";
import { blockActionsPayload, eventCallback } from "../src/emulators/slack-requests.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

// The emulator's default app-level token.
const APP_TOKEN = "xapp-1-A0EMULATOR-1-secret";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe("Slack in Socket Mode (real Bolt SocketModeReceiver against the emulator's WebSocket)", () => {
  it("connects with the app token, relays a thread reply once despite a redelivery, and takes button presses", async () => {
    h = await startHarness({ SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: "" });
    const f = slackFlow(h);
    const harness = h;
    // The socket was opened through apps.connections.open on the emulator, with the app token.
    await expect.poll(() => harness.slack.socket.connections(), { timeout: 5000 }).toBe(1);
    expect(h.slack.callsTo("apps.connections.open")).toHaveLength(1);
    // No HTTP route for Slack in this mode.
    expect((await fetch(h.slackEventsUrl, { method: "POST", body: "{}" })).status).toBe(404);

    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);

    const reply = eventCallback(
      f.agentReply(root, "Halo Kak, saya Smith. Ada yang bisa dibantu?"),
      {
        eventId: "EvSOCKET1",
      },
    ).json;
    const ack = await h.slack.socket.send("events_api", reply);
    expect(ack.envelope_id).toEqual(expect.any(String));
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(2);
    expect(f.sentTexts()[1]).toContain("saya Smith");

    // Slack redelivers the same event (no ack seen in time): acked again, relayed once.
    await h.slack.socket.send("events_api", reply, { retryAttempt: 1, retryReason: "timeout" });
    await f.settle();
    expect(f.sentTexts()).toHaveLength(2);

    // An interactive envelope: Claim on the root.
    const press = JSON.parse(
      blockActionsPayload({
        actionId: "conversation_claim",
        value: String(f.conversationId()),
        user: AGENT,
        channel: CHANNEL,
        messageTs: root.ts,
      }).form.payload,
    );
    await h.slack.socket.send("interactive", press);
    await expect
      .poll(() => f.rows("select status, agent_user_id from slack_threads"), { timeout: 5000 })
      .toEqual([{ status: "in_progress", agent_user_id: AGENT }]);
  });

  it("refuses to start with a wrong app token, naming Slack's error", async () => {
    await expect(
      startHarness({ SLACK_APP_TOKEN: "xapp-1-A0EMULATOR-1-wrong", SLACK_SIGNING_SECRET: "" }),
    ).rejects.toThrow(/invalid_auth/);
  });
});
