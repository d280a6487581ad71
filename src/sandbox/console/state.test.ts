import { describe, expect, it } from "vitest";
import type { SlackEphemeral, SlackMessage, SlackView } from "../../emulators/slack.ts";
import { buildConsoleState, type PhoneRow, type StateInput } from "./state.ts";

const CHANNEL = "C0ESCALATE";

function row(over: Partial<PhoneRow> & Pick<PhoneRow, "id" | "direction">): PhoneRow {
  return {
    author: over.direction === "out" ? "bot" : null,
    kind: "text",
    text: "",
    payload: {},
    status: over.direction === "out" ? "accepted" : "handled",
    errorCode: null,
    errorTitle: null,
    createdAt: 1_700_000_000_000 + over.id,
    ...over,
  };
}

function view(over: Partial<SlackView> & Pick<SlackView, "id" | "type">): SlackView {
  return { team_id: "T0TEAM", hash: "h", blocks: [], view: {}, ...over };
}

/** A stand-in for the emulated Slack's read side, holding the given messages. */
function fakeSlack(opts: {
  messages?: SlackMessage[];
  reactions?: Record<string, string[]>;
  ephemerals?: SlackEphemeral[];
  home?: SlackView;
  modals?: SlackView[];
}): StateInput["slack"] {
  const messages = opts.messages ?? [];
  return {
    botUserId: "U0BOTUSER",
    messages: (channel?: string) => messages.filter((m) => !channel || m.channel === channel),
    threadReplies: (channel: string, ts: string) =>
      messages.filter((m) => m.channel === channel && m.thread_ts === ts),
    reactions: (_channel: string, ts: string) => opts.reactions?.[ts] ?? [],
    ephemerals: () => opts.ephemerals ?? [],
    views: new Map(opts.home ? [["U0AGENT", opts.home]] : []),
    modals: opts.modals ?? [],
  };
}

function input(over: Partial<StateInput>): StateInput {
  return {
    phoneRows: [],
    slack: fakeSlack({}),
    channel: CHANNEL,
    agentUserId: "U0AGENT",
    customer: { name: "Sari", waId: "6281234567890" },
    clockOffsetMs: 0,
    model: { label: "offline", canFail: false, why: "offline" },
    statusReports: true,
    notePrefix: "note:",
    memory: { closedModals: new Set(), modalErrors: new Map() },
    ...over,
  };
}

describe("buildConsoleState", () => {
  it("shows the customer's messages and the service's with delivery ticks", () => {
    const state = buildConsoleState(
      input({
        phoneRows: [
          row({ id: 1, direction: "in", text: "Jam buka <toko>?" }),
          row({ id: 2, direction: "out", text: "*Buka* jam 9", status: "read" }),
          row({ id: 3, direction: "out", text: "a", status: "delivered", author: "agent" }),
          row({ id: 4, direction: "out", text: "b", status: "queued" }),
          row({
            id: 5,
            direction: "out",
            text: "c",
            status: "failed",
            errorCode: 131026,
            errorTitle: "Message undeliverable",
          }),
          row({ id: 6, direction: "out", text: "d", status: "accepted" }),
        ],
      }),
    );
    expect(state.phone.map((m) => [m.direction, m.ticks])).toEqual([
      ["in", null],
      ["out", "read"],
      ["out", "delivered"],
      ["out", "pending"],
      ["out", "failed"],
      ["out", "sent"],
    ]);
    expect(state.phone[0]!.html).toBe("Jam buka &lt;toko&gt;?");
    expect(state.phone[1]!.html).toBe("<strong>Buka</strong> jam 9");
    expect(state.phone[2]!.author).toBe("agent");
    expect(state.phone[4]!.error).toBe("131026 Message undeliverable");
  });

  it("labels messages without text and offers an interactive message's reply buttons", () => {
    const state = buildConsoleState(
      input({
        phoneRows: [
          row({ id: 1, direction: "in", kind: "image", text: "" }),
          row({ id: 2, direction: "in", kind: "location", payload: { name: "Monas" } }),
          row({
            id: 3,
            direction: "out",
            kind: "interactive",
            text: "Sudah terbantu?",
            payload: {
              interactive: {
                type: "button",
                action: { buttons: [{ type: "reply", reply: { id: "yes", title: "Ya" } }] },
              },
            },
          }),
        ],
      }),
    );
    expect(state.phone[0]!.html).toBe("📷 Photo");
    expect(state.phone[1]!.html).toBe("📍 Location: Monas");
    expect(state.phone[2]!.buttons).toEqual([{ id: "yes", title: "Ya" }]);
  });

  it("offers the buttons of a message the service queued with flat buttons (the CSAT survey)", () => {
    const state = buildConsoleState(
      input({
        phoneRows: [
          row({
            id: 1,
            direction: "out",
            kind: "interactive",
            text: "Bagaimana pelayanan kami?",
            payload: {
              kind: "buttons",
              body: "Bagaimana pelayanan kami?",
              buttons: [
                { id: "csat:7:3", title: "😊 Puas" },
                { id: "csat:7:1", title: "😞 Kecewa" },
                { id: 5, title: "not a button" },
              ],
            },
          }),
        ],
      }),
    );
    expect(state.phone[0]!.buttons).toEqual([
      { id: "csat:7:3", title: "😊 Puas" },
      { id: "csat:7:1", title: "😞 Kecewa" },
    ]);
  });

  it("shows each handoff thread as Slack holds it, with reactions and ephemerals", () => {
    const root: SlackMessage = {
      type: "message",
      channel: CHANNEL,
      ts: "1700000000.000100",
      user: "U0BOTUSER",
      bot_id: "B0BOTID",
      text: "needs a human",
      blocks: [{ type: "header", text: { type: "plain_text", text: "🆘 Sari" } }],
    };
    const reply: SlackMessage = {
      type: "message",
      channel: CHANNEL,
      ts: "1700000000.000200",
      thread_ts: root.ts,
      user: "U0AGENT",
      text: "*tebal*",
    };
    const other: SlackMessage = { ...root, channel: "C0OTHER", ts: "1700000000.000300" };
    const state = buildConsoleState(
      input({
        slack: fakeSlack({
          messages: [root, reply, other],
          reactions: { [reply.ts]: ["outbox_tray", "white_check_mark"] },
          ephemerals: [
            {
              channel: CHANNEL,
              user: "U0AGENT",
              message_ts: "1700000000.000250",
              thread_ts: root.ts,
              text: "Could not open the template picker",
            },
            { channel: CHANNEL, user: "U0AGENT", message_ts: "1700000000.000400", text: "Nope" },
          ],
        }),
      }),
    );
    expect(state.threads).toHaveLength(1);
    const thread = state.threads[0]!;
    expect(thread.root).toMatchObject({ author: "jembatan", bot: true });
    expect(thread.root.html).toContain("🆘 Sari");
    expect(thread.replies.map((r) => [r.ts, r.author, r.ephemeral])).toEqual([
      ["1700000000.000200", "You (agent)", false],
      ["1700000000.000250", "jembatan", true],
    ]);
    expect(thread.replies[0]!.html).toContain("<strong>tebal</strong>");
    expect(thread.replies[0]!.reactions).toEqual([
      { name: "outbox_tray", emoji: "📤" },
      { name: "white_check_mark", emoji: "✅" },
    ]);
    expect(state.channelNotices.map((n) => n.html)).toEqual(['<div class="bk-text">Nope</div>']);
  });

  it("shows the Home tab and the newest modal the console has not closed, with its errors", () => {
    const home = view({
      id: "V0HOME",
      type: "home",
      blocks: [{ type: "header", text: { type: "plain_text", text: "Today" } }],
    });
    const first = view({ id: "V1", type: "modal", view: { title: { text: "Old" } } });
    const second = view({
      id: "V2",
      type: "modal",
      view: {
        title: { type: "plain_text", text: "Send template" },
        submit: { type: "plain_text", text: "Send" },
        close: { type: "plain_text", text: "Cancel" },
      },
      blocks: [
        {
          type: "input",
          block_id: "template",
          label: { type: "plain_text", text: "Template" },
          element: { type: "static_select", action_id: "template_select", options: [] },
        },
      ],
    });
    const base = { slack: fakeSlack({ home, modals: [first, second] }) };
    const open = buildConsoleState(
      input({
        ...base,
        memory: {
          closedModals: new Set(),
          modalErrors: new Map([["V2", { template: "Choose a template." }]]),
        },
      }),
    );
    expect(open.home).toEqual({ id: "V0HOME", html: '<div class="bk-header">Today</div>' });
    expect(open.modal).toMatchObject({
      id: "V2",
      title: "Send template",
      submit: "Send",
      close: "Cancel",
    });
    expect(open.modal!.html).toContain("Choose a template.");

    const loose = buildConsoleState(
      input({
        ...base,
        memory: {
          closedModals: new Set(),
          modalErrors: new Map([["V2", { gone: "Try <again>" }]]),
        },
      }),
    );
    expect(loose.modal!.html).toMatch(
      /^<div class="bk-error" role="alert">Try &lt;again&gt;<\/div>/,
    );

    const closed = buildConsoleState(
      input({ ...base, memory: { closedModals: new Set(["V2"]), modalErrors: new Map() } }),
    );
    expect(closed.modal?.id).toBe("V1");
    const none = buildConsoleState(
      input({ ...base, memory: { closedModals: new Set(["V1", "V2"]), modalErrors: new Map() } }),
    );
    expect(none.modal).toBeNull();
  });

  it("is deterministic: the same world gives the same JSON", () => {
    const make = () =>
      input({
        phoneRows: [row({ id: 1, direction: "in", text: "halo" })],
        clockOffsetMs: 3_600_000,
      });
    expect(JSON.stringify(buildConsoleState(make()))).toBe(
      JSON.stringify(buildConsoleState(make())),
    );
    expect(buildConsoleState(make()).clockOffsetMs).toBe(3_600_000);
  });
});
