import { describe, expect, it } from "vitest";
import { ANALYSIS_MAX_CHARS } from "./analysis-text.ts";
import { blockedByOptOut, decideOptOut } from "./opt-out.ts";

describe("decideOptOut", () => {
  it.each(["STOP", "berhenti", "jangan kirim pesan lagi", "Please stop texting me"])(
    "opts a contact out on %j",
    (text) => {
      expect(decideOptOut({ optedOut: false, texts: [text] })).toMatchObject({ kind: "opt_out" });
    },
  );

  it("confirms only once: a repeated STOP while opted out changes nothing", () => {
    expect(decideOptOut({ optedOut: true, texts: ["STOP"] })).toEqual({ kind: "none" });
  });

  it("lifts the opt-out on any later customer message that is not an opt-out", () => {
    for (const text of ["START", "mulai lagi", "jam buka toko sampai jam berapa?", "ok", ""]) {
      expect(decideOptOut({ optedOut: true, texts: [text] })).toEqual({ kind: "opt_in" });
    }
  });

  it("changes nothing for an ordinary message of a contact who never opted out", () => {
    expect(decideOptOut({ optedOut: false, texts: ["halo kak", "mau tanya"] })).toEqual({
      kind: "none",
    });
  });

  it("lets an opt-out anywhere in the turn win over its other messages", () => {
    expect(decideOptOut({ optedOut: false, texts: ["halo", "STOP", "makasih"] })).toMatchObject({
      kind: "opt_out",
      evidence: "stop",
    });
    expect(decideOptOut({ optedOut: true, texts: ["jam berapa buka?", "stop"] })).toEqual({
      kind: "none",
    });
  });

  it("does nothing for a turn without messages", () => {
    expect(decideOptOut({ optedOut: true, texts: [] })).toEqual({ kind: "none" });
  });

  it("reads only the analysed beginning of a long text, like every trigger", () => {
    const late = `${"a ".repeat(ANALYSIS_MAX_CHARS)} STOP`;
    expect(decideOptOut({ optedOut: false, texts: [late] })).toEqual({ kind: "none" });
  });
});

describe("blockedByOptOut", () => {
  it("blocks every message to an opted-out contact except the opt-out's confirmation", () => {
    expect(blockedByOptOut(1000, null)).toBe(true);
    expect(blockedByOptOut(1000, undefined)).toBe(true);
    expect(blockedByOptOut(1000, "opt_out_confirmation")).toBe(false);
  });

  it("blocks nothing while the contact is not opted out", () => {
    expect(blockedByOptOut(null, null)).toBe(false);
    expect(blockedByOptOut(null, "opt_out_confirmation")).toBe(false);
  });
});
