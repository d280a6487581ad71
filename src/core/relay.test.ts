import { describe, expect, it } from "vitest";
import { classifyThreadReply, ignoreReason, signReply } from "./relay.ts";

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
