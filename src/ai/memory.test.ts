import { describe, expect, it } from "vitest";
import type { MessageId } from "../core/ids.ts";
import { type HistoryItem, splitMemory, summaryRequest } from "./memory.ts";

const history = (n: number): HistoryItem[] =>
  Array.from({ length: n }, (_, i) => ({
    id: (i + 1) as MessageId,
    role: i % 2 === 0 ? "user" : "assistant",
    text: `m${i + 1}`,
  }));

describe("memory", () => {
  it("replays everything while the history is short", () => {
    expect(splitMemory(history(5), 3, null)).toEqual({ verbatim: history(5), toSummarise: [] });
  });

  it("keeps unsummarised older messages verbatim until a batch is due", () => {
    const m = splitMemory(history(10), 3, null); // window 6, 4 older
    expect(m.toSummarise).toEqual([]);
    expect(m.verbatim).toHaveLength(10);
  });

  it("folds a whole batch into the summary, and skips what the summary covers", () => {
    const m = splitMemory(history(12), 3, null);
    expect(m.toSummarise.map((x) => x.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.verbatim.map((x) => x.id)).toEqual([7, 8, 9, 10, 11, 12]);
    const after = splitMemory(history(14), 3, 6 as MessageId);
    expect(after.toSummarise).toEqual([]);
    expect(after.verbatim.map((x) => x.id)).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it("asks the fast tier for a short summary of the transcript", () => {
    const r = summaryRequest("claude-haiku-5-5", "Asked about hours.", history(2));
    expect(r.model).toBe("claude-haiku-5-5");
    expect(JSON.stringify(r.messages)).toContain("Customer: m1\\nBusiness: m2");
    expect(JSON.stringify(r.messages)).toContain("Asked about hours.");
  });
});
