import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonDepthExceeds, PRUNED_MARKER, pruneDeepJson } from "./json-limits.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const nested = (n: number, inner = "1") => "[".repeat(n) + inner + "]".repeat(n);

/** The nesting depth of a parsed value, counted iteratively. */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [v, d] = top;
    if (typeof v !== "object" || v === null) continue;
    max = Math.max(max, d + 1);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

describe("jsonDepthExceeds", () => {
  it("counts objects and arrays, up to and over the limit", () => {
    expect(jsonDepthExceeds(bytes(nested(64)), 64)).toBe(false);
    expect(jsonDepthExceeds(bytes(nested(65)), 64)).toBe(true);
    expect(jsonDepthExceeds(bytes(`{"a":{"b":[{"c":1}]}}`), 3)).toBe(true);
    expect(jsonDepthExceeds(bytes(`{"a":{"b":[{"c":1}]}}`), 4)).toBe(false);
    expect(jsonDepthExceeds(bytes("[[],[],[],[]]"), 2)).toBe(false);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    const s = JSON.stringify({ a: "[[[[{{{{", b: 'x\\"[[[[', c: "\\\\" });
    expect(jsonDepthExceeds(bytes(s), 1)).toBe(false);
    expect(jsonDepthExceeds(s, 1)).toBe(false);
    expect(jsonDepthExceeds(bytes(`["\\\\",[[1]]]`), 2)).toBe(true);
  });

  it("scans 1.5 million levels in linear time without recursion", () => {
    const deep = bytes(nested(1_500_000));
    const started = performance.now();
    expect(jsonDepthExceeds(deep, 64)).toBe(true);
    expect(jsonDepthExceeds(bytes(`${"[1],".repeat(700_000)}1`), 64)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("agrees with the parsed depth of any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (v, limit) => {
        const text = JSON.stringify(v);
        expect(jsonDepthExceeds(bytes(text), limit)).toBe(depthOf(v) > limit);
      }),
      { numRuns: 300 },
    );
  });
});

describe("pruneDeepJson", () => {
  it("replaces what nests too deeply with a marker and says where", () => {
    const value = JSON.parse(`{"a":{"b":{"c":{"d":1}},"e":[[1]]},"f":2}`);
    const result = pruneDeepJson(value, 3);
    expect(value).toEqual({ a: { b: { c: PRUNED_MARKER }, e: [PRUNED_MARKER] }, f: 2 });
    expect(result.pruned).toBe(2);
    expect(result.paths.sort()).toEqual(["a.b.c", "a.e[0]"]);
  });

  it("leaves a value within the limit alone", () => {
    const value = { a: [1, { b: "x" }] };
    expect(pruneDeepJson(value, 3)).toEqual({ pruned: 0, paths: [] });
    expect(value).toEqual({ a: [1, { b: "x" }] });
  });

  it("makes a value nested a million levels deep safe to stringify", () => {
    const value = JSON.parse(`{"keep":"yes","deep":${nested(1_000_000)}}`);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    const result = pruneDeepJson(value, 64);
    expect(result).toEqual({ pruned: 1, paths: [`deep${"[0]".repeat(63)}`] });
    expect(JSON.parse(JSON.stringify(value)).keep).toBe("yes");
    expect(depthOf(value)).toBe(64);
  });

  it("keeps at most maxPaths paths but counts every cut", () => {
    const value = Array.from({ length: 50 }, () => [[1]]);
    const result = pruneDeepJson(value, 2, 5);
    expect(result.pruned).toBe(50);
    expect(result.paths).toHaveLength(5);
  });
});
