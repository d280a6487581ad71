// PostgreSQL for the benchmarks (`--engine postgres`), shared by bench:ingest and bench:relay:
// the engine flags, a fresh database per run, and the CPU time of processes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

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
