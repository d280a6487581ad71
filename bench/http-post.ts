import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

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

// ---------------------------------------------------------------------------------------------
// PostgreSQL for the benchmarks (`--engine postgres`): shared by bench:ingest and bench:relay.

/**
 * `--engine`, `--instances` and `--pg-url` as bench:ingest and bench:relay take them, checked:
 * several instances and a server URL only make sense on PostgreSQL.
 */
export function engineArgs(args: { engine?: string; instances?: string; "pg-url"?: string }): {
  engine: "sqlite" | "postgres";
  instances: number;
} {
  const engine = args.engine ?? "sqlite";
  const instances = Number(args.instances ?? "1");
  if (engine !== "sqlite" && engine !== "postgres") {
    throw new Error("--engine must be sqlite or postgres");
  }
  if (!(Number.isInteger(instances) && instances >= 1 && instances <= 3)) {
    throw new Error("--instances must be 1, 2 or 3");
  }
  if (engine === "sqlite" && (instances > 1 || args["pg-url"])) {
    throw new Error("--instances above 1 and --pg-url need --engine postgres");
  }
  return { engine, instances };
}

/** A fresh, empty database for one bench run (the service applies its migrations on start). */
export interface BenchPostgres {
  /** The database's URL, for DATABASE_URL. */
  url: string;
  /** "own": a cluster started for this run with durable settings; "given": `--pg-url`'s server. */
  server: "own" | "given";
  /** The server's settings that decide what a COMMIT costs, as it reports them. */
  settings: Record<string, string>;
  /** Process ids of the backends connected to this database, when the server runs on this machine. */
  backendPids(): Promise<number[]>;
  /** Drops the database (and stops the cluster if it is the run's own). */
  close(): Promise<void>;
}

const PG_SETTINGS = [
  "server_version",
  "fsync",
  "synchronous_commit",
  "full_page_writes",
  "wal_sync_method",
  "shared_buffers",
];

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * With `adminUrl` (a server and a database to connect to for CREATE DATABASE): a new database
 * `bench_<pid>_<time>` on that server. Without: a throwaway cluster of its own
 * (`scripts/pg-throwaway.sh ... durable`: fsync, synchronous_commit and full_page_writes on, so
 * every COMMIT waits for its WAL flush, as SQLite's commits are durable against a crash of the
 * process) on a free port in a temporary folder, stopped and deleted by `close()`.
 */
export async function benchPostgres(adminUrl?: string): Promise<BenchPostgres> {
  const script = join(import.meta.dirname, "..", "scripts", "pg-throwaway.sh");
  let clusterDir: string | null = null;
  let admin = adminUrl;
  if (!admin) {
    clusterDir = mkdtempSync(join(tmpdir(), "jembatan-bench-pg-"));
    const port = await freePort();
    const out = execFileSync("bash", [script, "start", clusterDir, String(port), "durable"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    admin = out.trim().split("\n").at(-1)!;
  }
  const stopCluster = () => {
    if (!clusterDir) return;
    execFileSync("bash", [script, "stop", clusterDir], { stdio: "ignore" });
    rmSync(clusterDir, { recursive: true, force: true });
  };
  const client = new pg.Client({ connectionString: admin, application_name: "jembatan-bench" });
  const name = `bench_${process.pid}_${Date.now().toString(36)}`;
  const settings: Record<string, string> = {};
  try {
    await client.connect();
    for (const s of PG_SETTINGS) {
      settings[s] = String((await client.query(`SHOW ${s}`)).rows[0]?.[s]);
    }
    await client.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    await client.end().catch(() => {});
    stopCluster();
    throw err;
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const local = ["127.0.0.1", "localhost", "[::1]", ""].includes(url.hostname);
  return {
    url: url.toString(),
    server: clusterDir ? "own" : "given",
    settings,
    async backendPids() {
      if (!local) return [];
      const res = await client.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [name]);
      return res.rows.map((r: { pid: number }) => r.pid);
    },
    async close() {
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end().catch(() => {});
        stopCluster();
      }
    },
  };
}

/** CPU time (user + system) a process has used so far, in clock ticks (10 ms); null off Linux. */
export function cpuTicks(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return null;
  }
}
