import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { startOfBusinessDay } from "../core/business-day.ts";
import type { Db } from "../store/db.ts";
import { prepared } from "../store/prepared.ts";

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * The business's UTC offset (BUSINESS_UTC_OFFSET, minutes): "today" starts at its midnight,
   * as on the Home tab and in `npm run ai -- status`. Default 0 (UTC).
   */
  utcOffsetMinutes?: number;
  /** Clock in Unix ms (default `Date.now`). */
  now?: () => number;
}

/**
 * The Prometheus registry of one service, with gauges read from the database at scrape time.
 * The latency histograms and the escalation counter are added by `createObserver`
 * (./observer.ts) on the same registry.
 */
export function createMetrics(db: Db, opts: MetricsOptions = {}): Registry {
  const utcOffsetMinutes = opts.utcOffsetMinutes ?? 0;
  const clock = opts.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "jembatan_process_" });
  const q = <T>(sql: string) => prepared(db, sql).all() as T[];

  // Read at scrape time: the database is the source of truth, shared by every worker and
  // surviving restarts, so nothing has to be counted twice in memory. Every read below is an
  // index range or a roll-up of a few rows (db/migrations/0006), never a scan of the history:
  // a scrape runs on the service's only event loop, and webhooks wait while it does.
  new Gauge({
    name: "jembatan_jobs",
    help: "Durable jobs by kind and state (dead jobs need an operator's look)",
    labelNames: ["kind", "state"],
    registers: [registry],
    collect() {
      this.reset();
      // Served by the partial index jobs_open_kind_state_idx: finished jobs are not read.
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
      // Kept by triggers in the transaction of each change (conversation_state_counts).
      for (const r of q<{ state: string; n: number }>(
        "SELECT state, n FROM conversation_state_counts WHERE n > 0 ORDER BY state",
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
      // Kept by triggers in the transaction of each message write (failed_send_counts); the
      // order is the one a GROUP BY error_code gave: no code first, then by number (the CASE:
      // PostgreSQL refuses to cast 'none' to a number, SQLite made it 0).
      for (const r of q<{ code: string; n: number }>(
        `SELECT code, n FROM failed_send_counts WHERE n > 0
         ORDER BY code <> 'none', CASE WHEN code <> 'none' THEN CAST(code AS INTEGER) END, code`,
      )) {
        this.set({ code: r.code }, r.n);
      }
    },
  });
  new Gauge({
    name: "jembatan_ai_cost_usd_today",
    help: "Model cost since the start of the business day (BUSINESS_UTC_OFFSET), US$",
    registers: [registry],
    collect() {
      const start = startOfBusinessDay(clock(), utcOffsetMinutes);
      const row = prepared(
        db,
        "SELECT coalesce(sum(cost_usd), 0) AS usd FROM ai_calls WHERE created_at >= ?",
      ).get(start) as { usd: number };
      this.set(row.usd);
    },
  });
  return registry;
}
