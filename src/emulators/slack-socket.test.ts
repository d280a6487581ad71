import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type SlackEmulator, startSlackEmulator } from "./slack.ts";

let emu: SlackEmulator;
beforeAll(async () => {
  emu = await startSlackEmulator();
});
afterAll(() => emu.close());

async function openUrl(token: string): Promise<{ ok: boolean; url?: string; error?: string }> {
  const res = await fetch(`${emu.url}apps.connections.open`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as { ok: boolean; url?: string; error?: string };
}

function connect(url: string): Promise<{ ws: WebSocket; hello: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("message", (data) => resolve({ ws, hello: JSON.parse(String(data)) }));
    ws.once("error", reject);
  });
}

describe("slack emulator: Socket Mode", () => {
  it("opens a connection only with the app token, and each URL only once", async () => {
    expect(await openUrl(emu.botToken)).toEqual({ ok: false, error: "not_allowed_token_type" });
    expect(await openUrl("xapp-1-other")).toEqual({ ok: false, error: "invalid_auth" });
    const { url } = await openUrl(emu.appToken);
    const { ws, hello } = await connect(url!);
    expect(hello).toMatchObject({ type: "hello", connection_info: { app_id: "A0EMULATOR" } });
    await expect(connect(url!)).rejects.toThrow(/401/);
    ws.close();
  });

  it("delivers envelopes and resolves with the app's ack; fails clearly without a connection", async () => {
    const { url } = await openUrl(emu.appToken);
    const { ws } = await connect(url!);
    ws.on("message", (data) => {
      const envelope = JSON.parse(String(data));
      ws.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { seen: envelope } }));
    });
    const ack = await emu.socket.send("slash_commands", { command: "/jembatan" });
    const seen = (ack.payload as { seen: Record<string, unknown> }).seen;
    expect(seen).toMatchObject({
      type: "slash_commands",
      payload: { command: "/jembatan" },
      accepts_response_payload: true,
    });
    // An app that never acks: the sender is told.
    ws.removeAllListeners("message");
    await expect(
      emu.socket.send("events_api", { event: {} }, { ackTimeoutMs: 50 }),
    ).rejects.toThrow(/no ack/);
    ws.close();
    await expect.poll(() => emu.socket.connections()).toBe(0);
    await expect(emu.socket.send("events_api", {})).rejects.toThrow(/no Socket Mode connection/);
  });
});
