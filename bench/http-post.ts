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

/** Posts to several endpoints in turn, as a round-robin load balancer would. */
export interface SpreadPoster extends Poster {
  /** How many endpoints it spreads over. */
  readonly targets: number;
  /** Posts to the next endpoint in turn; resolves with the HTTP status and that endpoint's index. */
  postNext(
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<{ status: number; target: number }>;
}

/**
 * One kept-alive poster per URL (each with up to `maxSocketsEach` connections); every post goes
 * to the next URL in turn, whatever the others are doing (no least-busy choice, nothing sticky).
 */
export function roundRobinPoster(urls: string[], maxSocketsEach: number): SpreadPoster {
  if (urls.length === 0) throw new Error("roundRobinPoster needs at least one URL");
  const posters = urls.map((u) => keepAlivePoster(u, maxSocketsEach));
  let next = 0;
  const postNext = async (body: string | Buffer, headers: Record<string, string>) => {
    const target = next;
    next = (next + 1) % posters.length;
    return { status: await posters[target]!.post(body, headers), target };
  };
  return {
    targets: posters.length,
    postNext,
    post: async (body, headers) => (await postNext(body, headers)).status,
    close: () => {
      for (const p of posters) p.close();
    },
  };
}
