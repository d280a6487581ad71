import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../logger.ts";
import { installSandboxClock } from "../clock.ts";
import { type SandboxWorld, startSandbox } from "../world.ts";
import { createConsole, type SandboxConsole } from "./routes.ts";
import type { ConsoleState } from "./state.ts";
import { SANDBOX_TEMPLATES, seedSandboxTemplates } from "./templates.ts";

const realNow = Date.now;
let dir: string;
let world: SandboxWorld;
let sandboxConsole: SandboxConsole;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-console-"));
  world = await startSandbox({
    env: { PORT: "0", DATABASE_PATH: join(dir, "sandbox.sqlite") },
    logger: createLogger("silent"),
    clock: installSandboxClock(),
    mounts: (w) => {
      sandboxConsole = createConsole(w, { pollMs: 50, heartbeatMs: 200 });
      return { "/sandbox": sandboxConsole.routes };
    },
  });
  base = `${world.service.url}/sandbox`;
});

afterAll(async () => {
  await world?.close();
  Date.now = realNow;
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, type = "application/json") =>
  fetch(`${base}/api/${path}`, {
    method: "POST",
    headers: { "content-type": type },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const state = async () => (await (await fetch(`${base}/state`)).json()) as ConsoleState;
const count = (table: string) =>
  (world.service.db.$client.prepare(`select count(*) n from ${table}`).get() as { n: number }).n;

describe("sandbox console routes", () => {
  it("serves a self-contained page (nothing loaded from elsewhere)", async () => {
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain('id="phone-messages"');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+stylesheet/);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it("answers 400 to every malformed request and changes nothing", async () => {
    const before = JSON.stringify(await state());
    const bad: [string, unknown, string?][] = [
      ["customer/text", {}],
      ["customer/text", { text: "" }],
      ["customer/text", { text: "   " }],
      ["customer/text", { text: 42 }],
      ["customer/text", { text: "hi", extra: true }],
      ["customer/text", "{not json"],
      ["customer/text", JSON.stringify({ text: "hi" }), "text/plain"],
      ["customer/text", { text: "x".repeat(4097) }],
      ["customer/image", { caption: 5 }],
      ["customer/location", { latitude: 200, longitude: 0 }],
      ["customer/button", { id: "yes", title: "a title far too long for WhatsApp" }],
      ["customer/button", { id: "yes", title: "Ya", messageId: -1 }],
      ["slack/reply", { threadTs: "not-a-ts", text: "hi", note: false }],
      ["slack/reply", { threadTs: "1700000000.000100", text: "hi" }],
      ["slack/action", { actionId: "conversation_claim" }],
      [
        "slack/action",
        { actionId: "conversation_claim", messageTs: "1700000000.000100", viewId: "V1" },
      ],
      ["slack/modal/submit", { viewId: "V1", values: { template: 3 } }],
      ["slack/modal/close", {}],
      ["slack/home", { user: "U0OTHER" }],
      ["clock", { hours: -1 }],
      ["clock", { hours: 0 }],
      ["clock", { hours: 1000 }],
      ["clock", { hours: "25" }],
      ["fail", { target: "database", times: 1 }],
      ["fail", { target: "graph", times: 0 }],
      ["fail", { target: "slack", times: 1000 }],
      ["fail", { target: "graph", times: 1.5 }],
      ["status-reports", { enabled: "no" }],
    ];
    for (const [path, body, type] of bad) {
      const res = await post(path, body, type);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      expect(await res.json()).toHaveProperty("error");
    }
    expect(world.clock.offsetMs).toBe(0);
    expect(world.statuses.enabled).toBe(true);
    expect(count("messages")).toBe(0);
    expect(world.graph.sent).toHaveLength(0);
    expect(world.slack.calls.filter((c) => c.method === "chat.postMessage")).toHaveLength(0);
    expect(JSON.stringify(await state())).toBe(before);
  });

  it("answers 404 for a thread, message or view that does not exist, and 409 for the model", async () => {
    expect((await post("slack/reply", { threadTs: "1.1", text: "hi", note: false })).status).toBe(
      404,
    );
    expect(
      (await post("slack/action", { actionId: "conversation_claim", messageTs: "1.1" })).status,
    ).toBe(404);
    expect((await post("slack/modal/submit", { viewId: "V404", values: {} })).status).toBe(404);
    expect((await post("customer/button", { id: "a", title: "b", messageId: 999 })).status).toBe(
      404,
    );
    // Offline mode: there is no model to make fail; the page shows the control disabled.
    const res = await post("fail", { target: "model", times: 1 });
    expect(res.status).toBe(409);
    expect((await state()).model.canFail).toBe(false);
    expect(world.slack.messages()).toHaveLength(0);
  });

  it("acts in the world on good requests: the customer writes, the clock moves", async () => {
    expect((await post("customer/text", { text: "Jam buka toko hari ini?" })).status).toBe(200);
    await expect
      .poll(async () => (await state()).phone.map((m) => m.direction), { timeout: 8000 })
      .toEqual(["in", "out"]);
    expect((await post("customer/image", { caption: "foto struk" })).status).toBe(200);
    expect(
      (await post("customer/location", { latitude: -6.1754, longitude: 106.8272 })).status,
    ).toBe(200);
    expect((await post("customer/button", { id: "yes", title: "Ya" })).status).toBe(200);
    await expect
      .poll(
        async () => (await state()).phone.filter((m) => m.direction === "in").map((m) => m.kind),
        {
          timeout: 8000,
        },
      )
      .toEqual(["text", "image", "location", "button_reply"]);
    const shown = (await state()).phone.map((m) => m.html);
    expect(shown).toContain("📷 foto struk");
    expect(shown).toContain("↩ Ya");
    const res = await post("clock", { hours: 1 });
    expect(await res.json()).toEqual({ ok: true, clockOffsetMs: 3_600_000 });
    expect((await state()).clockOffsetMs).toBe(3_600_000);
    expect((await post("status-reports", { enabled: false })).status).toBe(200);
    expect(world.statuses.enabled).toBe(false);
    expect((await post("status-reports", { enabled: true })).status).toBe(200);
  });

  it("opens the Home tab, and keeps a modal open with Slack's errors until it is cancelled", async () => {
    expect((await post("slack/home", {})).status).toBe(200);
    await expect.poll(async () => (await state()).home?.html ?? "", { timeout: 5000 }).not.toBe("");

    seedSandboxTemplates(world);
    await expect
      .poll(() => count("templates where status = 'APPROVED'"), { timeout: 5000 })
      .toBe(SANDBOX_TEMPLATES.length);
    expect((await post("customer/text", { text: "mau bicara dengan admin" })).status).toBe(200);
    await expect.poll(async () => (await state()).threads.length, { timeout: 8000 }).toBe(1);
    const root = (await state()).threads[0]!;
    const conversationId =
      /data-action-id="conversation_send_template"[^>]*data-value="(\d+)"/.exec(
        root.root.html,
      )?.[1];
    expect(conversationId).toBeDefined();
    const press = await post("slack/action", {
      actionId: "conversation_send_template",
      value: conversationId,
      messageTs: root.ts,
    });
    expect(press.status).toBe(200);
    await expect
      .poll(async () => (await state()).modal?.title, { timeout: 5000 })
      .toBe("Send template");
    const modal = (await state()).modal!;
    expect(modal.html).toContain('<option value="follow_up|id"');

    // Submitted without a template: Slack's answer is an error on the select; the modal stays.
    const submit = await post("slack/modal/submit", { viewId: modal.id, values: {} });
    expect(await submit.json()).toMatchObject({ ok: true, closed: false });
    expect((await state()).modal?.html).toMatch(
      /data-block-id="template".*<div class="bk-error" role="alert">Choose a template\.<\/div>/s,
    );

    expect((await post("slack/modal/close", { viewId: modal.id })).status).toBe(200);
    expect((await state()).modal).toBeNull();
    expect(world.graph.sent.some((s) => s.type === "template")).toBe(false);
  });

  it("streams state as server-sent events and forgets a client that went away", async () => {
    const abort = new AbortController();
    const res = await fetch(`${base}/events`, { signal: abort.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("\n\n")) text += decoder.decode((await reader.read()).value);
    expect(text).toMatch(/^event: state\ndata: \{/);
    expect(sandboxConsole.openStreams()).toBe(1);

    // A change in the world is pushed; an unchanged world only gets heartbeats.
    await post("customer/text", { text: "halo" });
    while (!text.includes("halo")) text += decoder.decode((await reader.read()).value);
    while (!text.includes(": heartbeat")) text += decoder.decode((await reader.read()).value);

    abort.abort();
    await expect.poll(() => sandboxConsole.openStreams(), { timeout: 3000 }).toBe(0);
  });
});
