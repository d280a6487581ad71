import { afterEach, describe, expect, it } from "vitest";
import { delivery, templateStatusUpdate } from "../src/emulators/meta-webhook.ts";
import { slashCommand, viewSubmissionPayload } from "../src/emulators/slack-requests.ts";
import { TEMPLATE_CREATE_MODAL } from "../src/slack/blocks/index.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, CHANNEL, slackFlow } from "./helpers/slack.ts";

// Creating a WhatsApp template from Slack: `/jembatan template new` opens the modal (Bolt, real
// Web API client, Slack emulator), the submission goes to the Graph emulator's
// POST /{waba-id}/message_templates, Meta's refusals come back into the modal, and Meta's review
// (the status webhook) is announced once in the escalation channel.

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const WABA = "102290129340398"; // the Graph emulator's default business account

function field(value: string) {
  return { [TEMPLATE_CREATE_MODAL.actionId]: { type: "plain_text_input", value } };
}
function choice(value: string) {
  return {
    [TEMPLATE_CREATE_MODAL.actionId]: { type: "static_select", selected_option: { value } },
  };
}
function form(over: Partial<Record<"name" | "body" | "examples" | "buttons", string>> = {}) {
  return {
    name: field(over.name ?? "order_update"),
    category: choice("UTILITY"),
    language: choice("id"),
    body: field(over.body ?? "Halo {{1}}, pesanan {{2}} sudah dikirim."),
    examples: field(over.examples ?? "Sari\nINV-1001"),
    buttons: field(over.buttons ?? "Terima kasih"),
  };
}

describe("template creation from Slack", () => {
  it("opens the modal, submits to Meta, shows refusals in the modal, announces the review once", async () => {
    h = await startHarness({ WHATSAPP_BUSINESS_ACCOUNT_ID: WABA });
    const f = slackFlow(h);
    const command = (text: string) =>
      f.request(slashCommand({ command: "/jembatan", text, userId: AGENT, channelId: CHANNEL }));

    expect((await command("template new")).status).toBe(200);
    await h.slack.waitFor(() => h!.slack.modals.length === 1, 5000);
    expect(h.slack.modals[0]).toMatchObject({ callback_id: TEMPLATE_CREATE_MODAL.callbackId });

    const submit = async (values: Record<string, Record<string, unknown>>) => {
      const res = await f.request(
        viewSubmissionPayload({
          callbackId: TEMPLATE_CREATE_MODAL.callbackId,
          user: AGENT,
          values,
        }),
      );
      expect(res.status).toBe(200);
      return res.body as {
        response_action?: string;
        errors?: Record<string, string>;
        view?: unknown;
      };
    };
    const creations = () =>
      h!.graph.requests.filter((r) => r.method === "POST" && r.path.endsWith("/message_templates"));

    // Our own checks: nothing reaches Meta.
    const invalid = await submit(form({ name: "Order Update", examples: "Sari" }));
    expect(invalid.response_action).toBe("errors");
    expect(Object.keys(invalid.errors ?? {}).sort()).toEqual(["examples", "name"]);
    expect(creations()).toHaveLength(0);

    // Accepted: Meta's request shape, the modal says so, the template is stored as PENDING.
    const ok = await submit(form());
    expect(ok.response_action).toBe("update");
    expect(JSON.stringify(ok.view)).toContain("submitted to Meta for review");
    expect(creations()).toHaveLength(1);
    expect(creations()[0]!.body).toEqual({
      name: "order_update",
      category: "UTILITY",
      language: "id",
      components: [
        {
          type: "BODY",
          text: "Halo {{1}}, pesanan {{2}} sudah dikirim.",
          example: { body_text: [["Sari", "INV-1001"]] },
        },
        { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Terima kasih" }] },
      ],
    });
    expect(f.rows("select name, language, status, category from templates")).toEqual([
      { name: "order_update", language: "id", status: "PENDING", category: "UTILITY" },
    ]);

    // Meta refuses the same name again: its own words, next to the name.
    const dup = await submit(form());
    expect(dup).toMatchObject({
      response_action: "errors",
      errors: { name: expect.stringContaining("already") },
    });

    // The list shows it with its status.
    const list = (await command("templates")).body as { text: string };
    expect(list.text).toContain("`order_update` (id) · UTILITY · PENDING");

    // Meta approves it: one announcement, even though the webhook is delivered twice.
    h.graph.reviewTemplate("order_update", "id", "APPROVED");
    const id = h.graph.templates.find((t) => t.name === "order_update")!.id;
    const review = delivery(
      templateStatusUpdate({
        templateId: Number(id),
        name: "order_update",
        language: "id",
        event: "APPROVED",
        time: 1_800_000_000,
      }),
    );
    expect((await h.meta.send(review)).status).toBe(200);
    expect((await h.meta.send(review)).status).toBe(200);
    const announced = () =>
      h!.slack
        .messages(CHANNEL)
        .filter((m) => (m.text ?? "").includes("`order_update` (id) is now *APPROVED*"));
    await h.slack.waitFor(() => announced().length === 1, 5000);
    await f.settle();
    expect(announced()).toHaveLength(1);
    expect(f.rows("select status from templates")).toEqual([{ status: "APPROVED" }]);
  });

  it("says so in the modal when no business account id is configured", async () => {
    h = await startHarness();
    const f = slackFlow(h);
    const res = await f.request(
      viewSubmissionPayload({
        callbackId: TEMPLATE_CREATE_MODAL.callbackId,
        user: AGENT,
        values: form(),
      }),
    );
    expect(res.body).toMatchObject({
      response_action: "errors",
      errors: { name: expect.stringContaining("WHATSAPP_BUSINESS_ACCOUNT_ID") },
    });
    expect(f.rows("select count(*) n from templates")).toEqual([{ n: 0 }]);
  });
});
