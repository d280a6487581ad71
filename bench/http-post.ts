import { Agent, request } from "node:http";

/** Posts to one loopback endpoint over kept-alive connections; resolves with the HTTP status. */
export interface Poster {
  post(body: string | Buffer, headers: Record<string, string>): Promise<number>;
  close(): void;
}

/**
 * node:http rather than fetch: the load generator's own work stays small, so less of it lands in
 * a measured interval or competes with the server for the CPU. The URL is parsed once.
 */
export function keepAlivePoster(url: string, maxSockets: number): Poster {
  const { hostname, port, pathname, search } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const target = { agent, host: hostname, port: Number(port), path: pathname + search };
  return {
    post: (body, headers) =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            ...target,
            method: "POST",
            headers: { ...headers, "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}
