import { afterEach, describe, expect, it } from "vitest";
import type { ContactId } from "../src/core/ids.ts";
import { type AnthropicEmulator, startAnthropicEmulator } from "../src/emulators/anthropic.ts";
import { textMessage } from "../src/emulators/meta-webhook.ts";
import { setContactField } from "../src/store/repositories/contact-fields.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";

// The prompt's variables, filled per turn from the contact's stored fields (the example prompt's
// Context uses $contact.name, $contact.email, $contact.company and $contact.budget).

let h: Harness | null = null;
let emu: AnthropicEmulator | null = null;

afterEach(async () => {
  await h?.close();
  await emu?.close();
  h = null;
  emu = null;
});

const answer = {
  json: {
    reply: "Baik Kak, kami catat ya.",
    handoff: false,
    reason: "answered_from_knowledge",
    confidence: 0.95,
    language: "id",
    needs_smart: false,
  },
};

async function say(text: string, name: string | null) {
  expect((await h!.meta.send(textMessage(text, { name }))).status).toBe(200);
  await expect
    .poll(
      () =>
        (
          h!.service.db.$client
            .prepare("select count(*) n from jobs where state in ('pending', 'running')")
            .get() as { n: number }
        ).n,
      { timeout: 10_000, interval: 20 },
    )
    .toBe(0);
}

/** The per-turn system block of the last answer request. */
const turnText = () => {
  const answers = emu!.requests.filter((r) => JSON.stringify(r.body).includes("output_config"));
  return (answers.at(-1)!.body as { system: { text: string }[] }).system[1]!.text;
};

describe("prompt variables (real service, Anthropic emulator)", () => {
  it("shows unknown values as [field], then the stored fields, per turn and outside the cached prefix", async () => {
    emu = await startAnthropicEmulator();
    h = await startHarness({ ANTHROPIC_API_KEY: emu.apiKey, ANTHROPIC_BASE_URL: emu.url });
    emu.enqueue(answer, answer);

    await say("Halo, saya mau tanya untuk pembelian kantor", null);
    expect(turnText()).toContain(
      "You are chatting on WhatsApp with [name] (preferred language: Indonesian).",
    );
    expect(turnText()).toContain(
      "What we know about them: email [email], company [company], budget [budget].",
    );
    expect(turnText()).toContain("A value in square brackets, like [email], is not known yet");

    const contact = h.service.db.$client.prepare("select id from contacts").get() as {
      id: ContactId;
    };
    setContactField(h.service.db, contact.id, "email", "rina@ptmaju.example", Date.now());
    setContactField(h.service.db, contact.id, "budget", "150000", Date.now());
    await say("Budget kami 150 ribu", "Rina Wati");
    const text = turnText();
    expect(text).toContain("You are chatting on WhatsApp with Rina Wati");
    expect(text).toContain(
      "What we know about them: email rina@ptmaju.example, company [company], budget 150000.",
    );
    // The stable (cached) prefix never carries a customer's values.
    const system0 = (emu.requests.at(-1)!.body as { system: { text: string }[] }).system[0]!.text;
    expect(system0).not.toContain("rina@ptmaju.example");
    expect(system0).toContain("## Action rules");
    expect(system0).not.toContain("C0SALES");
  });
});
