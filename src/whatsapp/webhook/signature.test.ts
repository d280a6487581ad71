import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyMetaSignature } from "./signature.ts";

const SECRET = "3f1c0e9a5b7d";
// Meta signs the escaped form it sends (`é` as \u00e9), so the fixture is that form.
const body = new TextEncoder().encode(
  '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"text":"caf\\u00e9"}}]}]}',
);
const hex = (secret: string, bytes: Uint8Array) =>
  createHmac("sha256", secret).update(bytes).digest("hex");
const valid = `sha256=${hex(SECRET, body)}`;

describe("verifyMetaSignature", () => {
  it("accepts the HMAC-SHA256 of the raw bytes", () => {
    expect(verifyMetaSignature(body, valid, SECRET)).toBe(true);
  });

  it("accepts an empty body when signed", () => {
    const empty = new Uint8Array();
    expect(verifyMetaSignature(empty, `sha256=${hex(SECRET, empty)}`, SECRET)).toBe(true);
  });

  it("rejects a signature made with another secret", () => {
    expect(verifyMetaSignature(body, `sha256=${hex("other", body)}`, SECRET)).toBe(false);
    expect(verifyMetaSignature(body, valid, "other")).toBe(false);
  });

  it("rejects a body with one flipped byte", () => {
    const tampered = Uint8Array.from(body);
    tampered[10] = tampered[10]! ^ 0x01;
    expect(verifyMetaSignature(tampered, valid, SECRET)).toBe(false);
  });

  it("rejects the same JSON re-serialised differently", () => {
    const decoded = JSON.stringify(JSON.parse(new TextDecoder().decode(body)));
    expect(verifyMetaSignature(new TextEncoder().encode(decoded), valid, SECRET)).toBe(false);
  });

  it.each([
    ["missing (null)", null],
    ["missing (undefined)", undefined],
    ["empty", ""],
    ["without prefix", hex(SECRET, body)],
    ["with the sha1 prefix", `sha1=${hex(SECRET, body)}`],
    ["with a prefix in capitals", `SHA256=${hex(SECRET, body)}`],
    ["too short", valid.slice(0, -2)],
    ["too long", `${valid}00`],
    ["odd length", valid.slice(0, -1)],
    ["with non-hex characters", `sha256=${"zz".repeat(32)}`],
    ["with surrounding whitespace", ` ${valid} `],
    ["with a second value appended", `${valid},sha256=${hex(SECRET, body)}`],
    ["in uppercase hex (Meta sends lowercase only)", `sha256=${hex(SECRET, body).toUpperCase()}`],
  ])("rejects a header %s without throwing", (_, header) => {
    expect(verifyMetaSignature(body, header, SECRET)).toBe(false);
  });

  it("does not throw on a non-string header from untyped callers", () => {
    const header = ["sha256=00"] as unknown as string;
    expect(verifyMetaSignature(body, header, SECRET)).toBe(false);
  });
});
