import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { boundLogValue, createLogger, MAX_LOG_LINE_BYTES } from "./logger.ts";

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger("debug", sink) };
}

const maxBytes = (lines: string[]) => Math.max(...lines.map((l) => Buffer.byteLength(l)));

describe("bounded log lines", () => {
  it("leaves ordinary log objects as they are", () => {
    const { lines, logger } = capture();
    logger.info({ requestId: "r1", status: 200, ok: true, nested: { a: [1, 2] } }, "request");
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      requestId: "r1",
      status: 200,
      ok: true,
      nested: { a: [1, 2] },
      msg: "request",
    });
  });

  it("summarises huge arrays, strings, wide and deep objects; every line stays under the limit", () => {
    const { lines, logger } = capture();
    const issues = Array.from({ length: 60_000 }, (_, i) => ({ path: `messages[${i}]`, m: "x" }));
    logger.warn({ issues }, "dropped");
    logger.warn({ text: "y".repeat(5_000_000) }, "huge string");
    logger.warn(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])), "wide");
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    logger.warn({ deep }, "deep");
    logger.warn({ s: "\u0000".repeat(1_000_000) }, "escapes");
    logger.warn({ emoji: "😮".repeat(1_000_000) }, "multibyte");
    logger.warn({ many: Array.from({ length: 60 }, () => "z".repeat(1999)) }, "many strings");
    logger.warn("m".repeat(1_000_000));
    logger.error({ err: new Error("e".repeat(1_000_000)) }, "error");
    expect(lines).toHaveLength(9);
    expect(maxBytes(lines)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    const first = JSON.parse(lines[0] as string);
    expect(first.issues).toHaveLength(21);
    expect(first.issues[20]).toBe("… 59980 more");
    expect(JSON.parse(lines[7] as string)).toMatchObject({ level: 40, truncated: true });
  });

  it("keeps secrets redacted and errors serialised", () => {
    const { lines, logger } = capture();
    logger.info({ config: { appSecret: "s3cret", port: 1 } }, "config");
    logger.error({ err: new Error("boom") }, "failed");
    expect(lines[0]).not.toContain("s3cret");
    expect(JSON.parse(lines[1] as string).err).toMatchObject({ type: "Error", message: "boom" });
  });

  it("boundLogValue cuts nesting without recursion trouble", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(JSON.stringify(boundLogValue(deep)).length).toBeLessThan(200);
  });
});
