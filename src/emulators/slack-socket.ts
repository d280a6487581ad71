import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

/** The kinds of envelope Slack delivers over a Socket Mode connection. */
export type SocketEnvelopeType = "events_api" | "interactive" | "slash_commands";

/** What the app sent back for an envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
}

/** The Socket Mode side of the Slack emulator. */
export interface SocketModeEmulator {
  /** A one-time `wss`-style URL, as `apps.connections.open` answers. */
  openUrl(): string;
  /** Open connections (after their `hello`). */
  connections(): number;
  /**
   * Delivers an envelope on the newest connection and resolves with the app's ack; rejects when
   * no app is connected or no ack comes within `ackTimeoutMs` (default 5 s).
   */
  send(
    type: SocketEnvelopeType,
    payload: unknown,
    opts?: { retryAttempt?: number; retryReason?: string; ackTimeoutMs?: number },
  ): Promise<SocketAck>;
  /** Sends `{"type":"disconnect"}` with `reason` and closes every connection. */
  disconnect(reason?: string): void;
  close(): Promise<void>;
}

const PATH = "/link/";

/**
 * Socket Mode on the emulator's HTTP server: upgrades requests to `/link/?ticket=…` that
 * `apps.connections.open` handed out (each ticket once), greets with `hello`, and matches acks
 * to envelopes by `envelope_id`. The wire shapes are Slack's.
 */
export function attachSocketMode(server: Server, appId: string): SocketModeEmulator {
  const wss = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const open: WebSocket[] = [];
  const waiting = new Map<string, (ack: SocketAck) => void>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://emulator");
    const ticket = url.searchParams.get("ticket") ?? "";
    if (url.pathname !== PATH || !tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      open.push(ws);
      ws.on("message", (data) => {
        let ack: unknown;
        try {
          ack = JSON.parse(String(data));
        } catch {
          return; // Slack ignores what it cannot parse; so do we
        }
        const id = (ack as { envelope_id?: unknown }).envelope_id;
        if (typeof id === "string") waiting.get(id)?.(ack as SocketAck);
      });
      ws.on("close", () => {
        const i = open.indexOf(ws);
        if (i >= 0) open.splice(i, 1);
      });
      ws.send(
        JSON.stringify({
          type: "hello",
          num_connections: open.length,
          debug_info: { host: "emulator", approximate_connection_time: 18060 },
          connection_info: { app_id: appId },
        }),
      );
    });
  };
  server.on("upgrade", onUpgrade);

  return {
    openUrl() {
      const ticket = randomUUID();
      tickets.add(ticket);
      const { port } = server.address() as { port: number };
      return `ws://127.0.0.1:${port}${PATH}?ticket=${ticket}`;
    },
    connections: () => open.filter((ws) => ws.readyState === ws.OPEN).length,
    send(type, payload, opts = {}) {
      const ws = open.at(-1);
      if (!ws || ws.readyState !== ws.OPEN) {
        return Promise.reject(new Error("no Socket Mode connection is open"));
      }
      const envelopeId = randomUUID();
      return new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId);
          reject(new Error(`no ack for ${type} envelope ${envelopeId}`));
        }, opts.ackTimeoutMs ?? 5000);
        waiting.set(envelopeId, (ack) => {
          clearTimeout(timer);
          waiting.delete(envelopeId);
          resolve(ack);
        });
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== "events_api",
            ...(type === "events_api"
              ? { retry_attempt: opts.retryAttempt ?? 0, retry_reason: opts.retryReason ?? "" }
              : {}),
          }),
        );
      });
    },
    disconnect(reason = "refresh_requested") {
      for (const ws of [...open]) {
        ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "emulator" } }));
        ws.close();
      }
    },
    async close() {
      server.off("upgrade", onUpgrade);
      for (const ws of [...open]) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
