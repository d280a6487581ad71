import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

/** A loopback HTTP server started for an emulator or a test. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The underlying Node server, e.g. to handle WebSocket upgrades. */
  server: Server;
  close(): Promise<void>;
}

/** Serves a Hono app on 127.0.0.1 (port 0 = any free port) and resolves once it listens. */
export function startServer(app: Hono, port = 0): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        port: info.port,
        // serve() without `createServer` options makes a plain node:http server.
        server: server as Server,
        close: () =>
          new Promise<void>((done) => {
            // Keep-alive sockets would hold close() open until they time out.
            if ("closeAllConnections" in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once("error", reject);
  });
}
