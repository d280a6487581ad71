import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { lazyChild } from "./lazy-logger.ts";
import { createLogger } from "./logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger("info", stream) };
}

describe("lazyChild", () => {
  it("logs with the child's bindings, building the child only once", async () => {
    const { lines, logger } = capture();
    let built = 0;
    const child = logger.child.bind(logger);
    logger.child = ((b: Record<string, unknown>) => {
      built++;
      return child(b);
    }) as typeof logger.child;
    const log = lazyChild(logger, { requestId: "r1" });
    log.debug({ n: 0 }, "below the level: dropped without building the child");
    expect(built).toBe(0);
    log.info({ n: 1 }, "one");
    log.warn("two");
    await new Promise((r) => setImmediate(r));
    expect(built).toBe(1);
    expect(lines.map((l) => [l.requestId, l.msg])).toEqual([
      ["r1", "one"],
      ["r1", "two"],
    ]);
  });

  it("behaves as the child for nested children, levels and redaction", async () => {
    const { lines, logger } = capture();
    const log = lazyChild(logger, { requestId: "r2" });
    expect(log.isLevelEnabled("debug")).toBe(false);
    expect(log.level).toBe("info");
    log.child({ component: "x" }).info({ cfg: { apiKey: "sk-secret" } }, "nested");
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      requestId: "r2",
      component: "x",
      cfg: { apiKey: "[redacted]" },
    });
  });
});
