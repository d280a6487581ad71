import { describe, expect, it } from "vitest";
import { chooseChannel, type RoutingRule } from "./channel-routing.ts";

const rules: RoutingRule[] = [
  { channel: "CBILLING", keywords: ["refund", "tagihan"] },
  { channel: "CSG", phonePrefix: "+65" },
  { channel: "CEN", language: "en" },
];

describe("chooseChannel", () => {
  it("takes the first rule whose conditions all match", () => {
    expect(
      chooseChannel(rules, { language: "en", text: "I want a REFUND now", phone: "6281" }, "CDEF"),
    ).toBe("CBILLING");
    expect(
      chooseChannel(rules, { language: "en", text: "hello", phone: "6591234567" }, "CDEF"),
    ).toBe("CSG");
    expect(chooseChannel(rules, { language: "en", text: "hello", phone: "6281" }, "CDEF")).toBe(
      "CEN",
    );
  });

  it("matches whole words only and falls back to the default channel", () => {
    expect(
      chooseChannel(rules, { language: "id", text: "refunding? tagihanku", phone: "6281" }, "CDEF"),
    ).toBe("CDEF");
    expect(chooseChannel([], { language: null, text: "", phone: null }, "CDEF")).toBe("CDEF");
  });
});
