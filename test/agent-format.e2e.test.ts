import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { slackFlow } from "./helpers/slack.ts";

// An agent's Slack reply reaches WhatsApp formatted for WhatsApp, through the real Bolt app, the
// relay job, the send job and the Graph emulator; and a failed name lookup never holds it back.

let h: Harness;
afterEach(async () => h?.close());

describe("agent replies on the customer's phone", () => {
  it("arrive WhatsApp-formatted: labelled link, mention, &, bold, italic, strike, code block", async () => {
    h = await startHarness();
    h.slack.addUser("U0SARI", { name: "sari", real_name: "Sari Dewi", display_name: "Sari" });
    const f = slackFlow(h);
    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);

    // What Slack delivers in the event's `text` for a message typed with formatting.
    const slackText = [
      "Halo kak, <@U0SARI> dari tim billing ikut bantu &amp; cek pesanan.",
      "*Langkah:* buka <https://toko.example/track?id=7&amp;ref=wa|halaman lacak> lalu _refresh_, ~bukan~ login ulang.",
      "Kode: `INV-42` <!here>",
      "```curl -d 'a=1&amp;b=2' https://api.example/x```",
    ].join("\n");
    expect((await f.event(f.agentReply(root, slackText))).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(2);
    expect(f.sentTexts()[1]).toBe(
      [
        "Halo kak, @Sari dari tim billing ikut bantu & cek pesanan.",
        "*Langkah:* buka halaman lacak (https://toko.example/track?id=7&ref=wa) lalu _refresh_, ~bukan~ login ulang.",
        "Kode: `INV-42`",
        "```curl -d 'a=1&b=2' https://api.example/x```",
      ].join("\n"),
    );
  });

  it("a reply whose users.info fails still goes out once, with a neutral name in the signature", async () => {
    h = await startHarness({ SLACK_REPLY_SIGNATURE: "*{name}*: " });
    const f = slackFlow(h);
    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);

    // An agent the workspace lookup does not know (user_not_found)...
    const ghost = f.agentReply(root, "Sudah kami proses ya kak", { user: "U0GHOST" });
    expect((await f.event(ghost)).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(2);
    expect(f.sentTexts()[1]).toBe("*Support*: Sudah kami proses ya kak");

    // ...and a known agent while users.info is down (HTTP 500): no retry loop, no hold.
    h.slack.failNext("users.info", { status: 500 }, 20);
    expect((await f.event(f.agentReply(root, "Ada lagi yang bisa dibantu?"))).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(3);
    expect(f.sentTexts()[2]).toBe("*Support*: Ada lagi yang bisa dibantu?");
    await f.settle();
    expect(f.sentTexts()).toHaveLength(3);
    expect(
      f.rows("select count(*) n from jobs where kind = 'slack.relay' and attempts > 1"),
    ).toEqual([{ n: 0 }]);
  });

  it("without a {name} signature, no users.info call is made for the agent at all", async () => {
    h = await startHarness();
    const f = slackFlow(h);
    const root = await f.handoff();
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(1);
    expect((await f.event(f.agentReply(root, "Baik kak"))).status).toBe(200);
    await expect.poll(f.sentTexts, { timeout: 5000 }).toHaveLength(2);
    expect(f.sentTexts()[1]).toBe("Baik kak");
    expect(h.slack.callsTo("users.info")).toHaveLength(0);
  });
});
