import { describe, expect, it } from "vitest";
import * as blocks from "./index.ts";

describe("blocks index", () => {
  it("re-exports the builders the app wires", () => {
    for (const name of [
      "handoffRootMessage",
      "customerMessageInThread",
      "threadNotice",
      "deliveryReaction",
      "templatePickerModal",
      "parseTemplateSubmission",
      "homeView",
      "escapeMrkdwn",
      "maskPhone",
    ]) {
      expect(typeof (blocks as Record<string, unknown>)[name]).toBe("function");
    }
  });
});
