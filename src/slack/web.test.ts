import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SlackEmulator, startSlackEmulator } from "../emulators/slack.ts";
import { classifySlackError, createJobWebClient } from "./web.ts";

let slack: SlackEmulator;
beforeEach(async () => {
  slack = await startSlackEmulator();
});
afterEach(async () => slack.close());

async function failureOf(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (err) {
    return classifySlackError(err);
  }
  throw new Error("expected the call to fail");
}

describe("classifySlackError (real WebClient against the emulator)", () => {
  it("turns 429 into a retry with the Retry-After delay", async () => {
    const web = createJobWebClient(slack.botToken, slack.url);
    slack.failNext("chat.postMessage", { status: 429, retryAfter: 7 });
    expect(
      await failureOf(() => web.chat.postMessage({ channel: "C0ESCALATE", text: "x" })),
    ).toMatchObject({
      kind: "retry",
      retryAfterMs: 7000,
    });
  });

  it("retries 5xx", async () => {
    const web = createJobWebClient(slack.botToken, slack.url);
    slack.failNext("chat.postMessage", { status: 503 });
    expect(
      (await failureOf(() => web.chat.postMessage({ channel: "C0ESCALATE", text: "x" }))).kind,
    ).toBe("retry");
  });

  it("raises configuration errors to operators", async () => {
    const web = createJobWebClient(slack.botToken, slack.url);
    expect(
      await failureOf(() => web.chat.postMessage({ channel: "CNOPE", text: "x" })),
    ).toMatchObject({
      kind: "operator",
      error: "channel_not_found",
    });
    const wrong = createJobWebClient("xoxb-wrong", slack.url);
    expect(
      await failureOf(() => wrong.chat.postMessage({ channel: "C0ESCALATE", text: "x" })),
    ).toMatchObject({
      kind: "operator",
      error: "invalid_auth",
    });
  });

  it("treats an already-added reaction as done", async () => {
    const web = createJobWebClient(slack.botToken, slack.url);
    const { ts } = await web.chat.postMessage({ channel: "C0ESCALATE", text: "x" });
    await web.reactions.add({ channel: "C0ESCALATE", timestamp: ts!, name: "eyes" });
    expect(
      await failureOf(() =>
        web.reactions.add({ channel: "C0ESCALATE", timestamp: ts!, name: "eyes" }),
      ),
    ).toEqual({
      kind: "harmless",
      error: "already_reacted",
    });
  });

  it("retries a refused connection", async () => {
    const web = createJobWebClient(slack.botToken, "http://127.0.0.1:9/api/", 500);
    expect((await failureOf(() => web.auth.test())).kind).toBe("retry");
  });
});
