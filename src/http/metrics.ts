import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { Db } from "../store/db.ts";

/** The Prometheus registry of one service, with gauges read from the database at scrape time. */
export function createMetrics(db: Db): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "jembatan_process_" });
  const q = <T>(sql: string) => db.$client.prepare(sql).all() as T[];

  // Read at scrape time: the database is the source of truth, shared by every worker and
  // surviving restarts, so nothing has to be counted twice in memory.
  new Gauge({
    name: "jembatan_jobs",
    help: "Durable jobs by kind and state (dead jobs need an operator's look)",
    labelNames: ["kind", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of q<{ kind: string; state: string; n: number }>(
        "SELECT kind, state, count(*) AS n FROM jobs WHERE state <> 'done' GROUP BY kind, state",
      )) {
        this.set({ kind: r.kind, state: r.state }, r.n);
      }
    },
  });
  new Gauge({
    name: "jembatan_conversations",
    help: "Conversations by state",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of q<{ state: string; n: number }>(
        "SELECT state, count(*) AS n FROM conversations GROUP BY state",
      )) {
        this.set({ state: r.state }, r.n);
      }
    },
  });
  new Gauge({
    name: "jembatan_messages_failed",
    help: "Outbound WhatsApp messages that ended failed, by error code",
    labelNames: ["code"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of q<{ code: number | null; n: number }>(
        "SELECT error_code AS code, count(*) AS n FROM messages WHERE direction = 'out' AND status = 'failed' GROUP BY error_code",
      )) {
        this.set({ code: String(r.code ?? "none") }, r.n);
      }
    },
  });
  new Gauge({
    name: "jembatan_ai_cost_usd_today",
    help: "Model cost since 00:00 UTC, US$",
    registers: [registry],
    collect() {
      const start = Math.floor(Date.now() / 86_400_000) * 86_400_000;
      const row = db.$client
        .prepare("SELECT coalesce(sum(cost_usd), 0) AS usd FROM ai_calls WHERE created_at >= ?")
        .get(start) as { usd: number };
      this.set(row.usd);
    },
  });
  return registry;
}
