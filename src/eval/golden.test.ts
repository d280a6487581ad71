import { describe, expect, it } from "vitest";
import { GoldenFileError, parseGolden } from "./golden.ts";

const line = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ id: "a1", lang: "en", text: "when do you open?", category: "hours", ...over });

describe("parseGolden", () => {
  it("reads one record per line, skipping blank lines, with handoff defaulting to false", () => {
    const text = `${line()}\n\n${line({ id: "a2", lang: "id", text: "STOP", action: "optout", tier: "fast" })}\r\n`;
    expect(parseGolden(text)).toEqual([
      { id: "a1", lang: "en", text: "when do you open?", category: "hours", handoff: false },
      {
        id: "a2",
        lang: "id",
        text: "STOP",
        category: "hours",
        handoff: false,
        action: "optout",
        tier: "fast",
      },
    ]);
  });

  it("names the line of invalid JSON", () => {
    expect(() => parseGolden(`${line()}\n{"id": "x",`)).toThrow(/^line 2: not valid JSON/);
  });

  it("names the line and field of a record that breaks the schema", () => {
    const bad = `${line()}\n${line({ id: "a2" })}\n${line({ id: "a3", lang: "fr" })}`;
    expect(() => parseGolden(bad)).toThrow(/^line 3: lang: /);
    expect(() => parseGolden(line({ tier: "medium" }))).toThrow(/^line 1: tier: /);
    expect(() => parseGolden(line({ text: "" }))).toThrow(/^line 1: text: /);
    expect(() => parseGolden("[1, 2]")).toThrow(/^line 1: \(record\): /);
  });

  it("refuses duplicate ids and empty files", () => {
    expect(() => parseGolden(`${line()}\n${line()}`)).toThrow(
      'line 2: duplicate id "a1" (first on line 1)',
    );
    expect(() => parseGolden("\n\n")).toThrow(GoldenFileError);
  });

  it("carries the line number on the error", () => {
    try {
      parseGolden(`${line()}\nnope`);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(GoldenFileError);
      expect((err as GoldenFileError).line).toBe(2);
    }
  });
});
