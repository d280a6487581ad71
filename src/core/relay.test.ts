import { describe, expect, it } from "vitest";
import { classifyThreadReply, ignoreReason, planRelay, signReply } from "./relay.ts";

const self = { botUserId: "UBOT", botId: "BBOT" };
const reply = { user: "U1", ts: "2.0", threadTs: "1.0" };

describe("classifyThreadReply", () => {
  it("keeps notes internal, whatever the case and leading spaces", () => {
    expect(classifyThreadReply("note: customer is a VIP", "note:")).toEqual({
      kind: "note",
      text: "customer is a VIP",
    });
    expect(classifyThreadReply("  NOTE: cek dulu stoknya", "note:")).toEqual({
      kind: "note",
      text: "cek dulu stoknya",
    });
  });

  it("relays everything else, including text that merely mentions a note", () => {
    expect(classifyThreadReply("Baik kak, note: kami cek ya", "note:")).toEqual({
      kind: "relay",
      text: "Baik kak, note: kami cek ya",
    });
  });
});

describe("ignoreReason", () => {
  it("relays a person's reply in a thread, including file shares and broadcasts", () => {
    expect(ignoreReason(reply, self)).toBeNull();
    expect(ignoreReason({ ...reply, subtype: "file_share" }, self)).toBeNull();
    expect(ignoreReason({ ...reply, subtype: "thread_broadcast" }, self)).toBeNull();
  });

  it("ignores the app's own posts, bots, edits, deletions and channel events", () => {
    expect(ignoreReason({ ...reply, user: "UBOT" }, self)).toBe("own message");
    expect(ignoreReason({ ...reply, botId: "B2" }, self)).toBe("bot message");
    expect(ignoreReason({ ...reply, subtype: "bot_message" }, self)).toBe("subtype bot_message");
    expect(ignoreReason({ ...reply, subtype: "message_changed" }, self)).toBe("edit");
    expect(ignoreReason({ ...reply, subtype: "message_deleted" }, self)).toBe("delete");
    expect(ignoreReason({ ...reply, subtype: "channel_join" }, self)).toBe("subtype channel_join");
  });

  it("ignores top-level channel messages", () => {
    expect(ignoreReason({ user: "U1", ts: "1.0" }, self)).toBe("not a thread reply");
    expect(ignoreReason({ user: "U1", ts: "1.0", threadTs: "1.0" }, self)).toBe(
      "not a thread reply",
    );
  });
});

describe("signReply", () => {
  it("prefixes the agent's name when a template is set", () => {
    expect(signReply("Halo kak", "Dewi", "*{name}*: ")).toBe("*Dewi*: Halo kak");
    expect(signReply("Halo kak", "Dewi", "")).toBe("Halo kak");
  });
});

describe("planRelay", () => {
  const base = {
    reply: { kind: "relay", text: "Halo <@U2> dan <@U3|budi>" } as const,
    state: "agent" as const,
    windowOpen: true,
    optedOut: false,
    hasFiles: false,
    signature: "",
  };

  it("looks names up only for the mentions when the signature does not name the agent", () => {
    expect(planRelay(base, "U1")).toEqual({
      type: "send",
      names: ["U2", "U3"],
      needsAgentName: false,
    });
    expect(planRelay({ ...base, reply: { kind: "relay", text: "ok" } }, "U1")).toEqual({
      type: "send",
      names: [],
      needsAgentName: false,
    });
  });

  it("looks the agent up when the signature names them", () => {
    expect(planRelay({ ...base, signature: "*{name}*: " }, "U1")).toMatchObject({
      names: ["U1", "U2", "U3"],
      needsAgentName: true,
    });
  });

  it("refuses, in order: notes, closed or AI-owned conversations, an opt-out, a closed window", () => {
    expect(planRelay({ ...base, reply: { kind: "note", text: "x" } }, "U1")).toEqual({
      type: "note",
    });
    expect(planRelay({ ...base, state: "closed" }, "U1")).toEqual({
      type: "not_sent",
      why: "closed",
    });
    expect(planRelay({ ...base, state: "bot" }, "U1")).toEqual({ type: "not_sent", why: "bot" });
    expect(planRelay({ ...base, windowOpen: false }, "U1")).toEqual({ type: "window_closed" });
    const optedOut = { ...base, optedOut: true };
    expect(planRelay(optedOut, "U1")).toEqual({ type: "not_sent", why: "opted_out" });
    expect(planRelay({ ...optedOut, windowOpen: false }, "U1")).toEqual({
      type: "not_sent",
      why: "opted_out",
    });
    // A note stays internal whatever the customer said.
    expect(planRelay({ ...optedOut, reply: { kind: "note", text: "x" } }, "U1")).toEqual({
      type: "note",
    });
  });

  it("caps the lookups a single reply can cause", () => {
    const text = Array.from({ length: 40 }, (_, i) => `<@U${i}>`).join(" ");
    const plan = planRelay({ ...base, reply: { kind: "relay", text } }, "U1");
    expect(plan.type === "send" && plan.names.length).toBe(5);
  });
});
