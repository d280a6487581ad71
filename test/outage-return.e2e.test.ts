import { afterEach, describe, expect, it } from "vitest";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import { CONVERSATION_ACTIONS } from "../src/slack/blocks/index.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { decision } from "./helpers/model.ts";
import { slackFlow } from "./helpers/slack.ts";

// After a model outage, a conversation handed off only because of it goes back to the AI once
// the model has answered someone again (AI_RETURN_AFTER_OUTAGE_MINUTES), unless a person took
// it up. The sweeper runs every second here.

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;

afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
});

const ANSWER = "Toko kami buka Senin-Sabtu 09.00-21.00 WIB, Kak.";
const QUESTION = "Apakah kalian menjual suku cadang traktor Zetor tahun 1975?";
const A = "6281200000001";
/** The model's answer once it works: a confident reply from the knowledge base. */
const answer = () => decision(ANSWER, { reason: "answered_from_knowledge", confidence: 0.92 });
const B = "6281200000002";

async function start(env: Record<string, string> = {}) {
  emu = await startAnthropicEmulator();
  emu.respond(answer);
  h = await startHarness({
    ANTHROPIC_API_KEY: emu.apiKey,
    ANTHROPIC_BASE_URL: emu.url,
    AI_MAX_RETRIES: "0",
    SLACK_SWEEP_SECONDS: "1",
    ...env,
  });
  return h;
}

const rows = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) =>
  h!.service.db.$client.prepare(sql).all(...params) as T[];
const textsTo = (to: string) =>
  h!.graph.sent
    .filter((s) => s.type === "text" && s.body.to === to)
    .map((s) => (s.body.text as { body: string }).body);
const stateOf = (waId: string) =>
  rows<{ state: string; handoff_reason: string | null }>(
    `select c.state, c.handoff_reason from conversations c join contacts k on k.id = c.contact_id
     where k.wa_id = ?`,
    waId,
  )[0];

/** Customer A writes while every model call fails: handed off for the outage, thread opened. */
async function handOffDuringOutage() {
  const f = slackFlow(h!);
  emu!.failNext({ status: 529 }, 1000);
  expect((await h!.meta.send(textMessage(QUESTION, { from: A }))).status).toBe(200);
  await h!.slack.waitFor(() => f.roots().length === 1, 8000);
  expect(stateOf(A)).toEqual({ state: "escalated", handoff_reason: "model_unavailable" });
  // The customer was told a person will answer; the AI's answer has not been sent.
  await expect.poll(() => textsTo(A).length, { timeout: 5000 }).toBe(1);
  expect(textsTo(A)[0]).not.toContain("Senin-Sabtu");
  return { f, root: f.roots()[0]! };
}

/** The model is back and answers customer B: proof that it works again. */
async function modelRecovers() {
  emu!.reset();
  emu!.respond(answer);
  expect((await h!.meta.send(textMessage("Buka jam berapa?", { from: B }))).status).toBe(200);
  await expect.poll(() => textsTo(B).join(""), { timeout: 8000 }).toContain(ANSWER);
}

describe("back to the AI after a model outage", () => {
  it("answers the waiting customer once the model answers again, and says so in the thread", async () => {
    await start();
    const { f, root } = await handOffDuringOutage();
    // While the model is still down nothing moves, however often the sweeper runs.
    await new Promise((r) => setTimeout(r, 2500));
    expect(stateOf(A)?.state).toBe("escalated");

    await modelRecovers();
    await expect.poll(() => textsTo(A).at(-1), { timeout: 8000 }).toContain(ANSWER);
    expect(stateOf(A)?.state).toBe("bot");
    await expect
      .poll(() => f.replies(root).map((m) => m.text ?? ""), { timeout: 5000 })
      .toContainEqual(expect.stringContaining("went back to the AI"));
    // Once: further sweeps change nothing, and the answer was sent a single time.
    await new Promise((r) => setTimeout(r, 2500));
    expect(textsTo(A).filter((t) => t.includes(ANSWER))).toHaveLength(1);
    expect(
      f.replies(root).filter((m) => (m.text ?? "").includes("went back to the AI")),
    ).toHaveLength(1);
  });

  it("keeps a conversation a person claimed with that person", async () => {
    await start();
    const { f, root } = await handOffDuringOutage();
    expect((await f.press(root, CONVERSATION_ACTIONS.claim)).status).toBe(200);
    await expect.poll(() => stateOf(A)?.state, { timeout: 5000 }).toBe("agent");
    await modelRecovers();
    await new Promise((r) => setTimeout(r, 2500));
    expect(stateOf(A)?.state).toBe("agent");
    expect(textsTo(A)).toHaveLength(1);
  });

  it("keeps it with people when AI_RETURN_AFTER_OUTAGE_MINUTES is 0", async () => {
    await start({ AI_RETURN_AFTER_OUTAGE_MINUTES: "0" });
    await handOffDuringOutage();
    await modelRecovers();
    await new Promise((r) => setTimeout(r, 2500));
    expect(stateOf(A)).toEqual({ state: "escalated", handoff_reason: "model_unavailable" });
    expect(textsTo(A)).toHaveLength(1);
  });
});
