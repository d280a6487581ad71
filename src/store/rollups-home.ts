import type { Db } from "./db.ts";
import { inTransaction } from "./tx.ts";

/**
 * The Home tab's hourly roll-up (`home_hourly`, db/migrations/0011_home_workspace.sql) and its
 * daily sums (`home_daily`): read as
 * kept by the triggers, recounted from the rows (a full scan: tests and repairs only, never on a
 * request) and rebuilt. The recount is the definition the triggers implement.
 */

/** One roll-up row: `metric`, UTC hour (ms / 3,600,000), key, count and summed value. */
export interface HomeHourlyRow {
  metric: string;
  hour: number;
  key: string;
  n: number;
  total: number;
}

/** Upper bounds (ms) of the AI latency bins; a latency above the last one is `inf`. */
export const LATENCY_BINS_MS = [
  100, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000,
  8000, 10000, 12500, 15000, 20000, 30000, 60000,
] as const;

const H = 3_600_000;
const bin = (col: string) =>
  `CASE ${LATENCY_BINS_MS.map((b) => `WHEN ${col} <= ${b} THEN '${b}'`).join(" ")} ELSE 'inf' END`;

// The definitions the triggers implement, as full recounts (same order of columns; the first
// names them for the UNION ALL of all).
const RECOUNT = [
  `SELECT 'conversations' AS metric, created_at / ${H} AS hour, '' AS key, count(*) AS n, 0 AS total
     FROM conversations GROUP BY 2`,
  `SELECT 'escalated', created_at / ${H}, '', count(*), 0 FROM conversations
     WHERE handoff_at IS NOT NULL GROUP BY 2`,
  `SELECT 'handoffs', handoff_at / ${H}, coalesce(handoff_reason, 'unknown'), count(*), 0
     FROM conversations WHERE handoff_at IS NOT NULL GROUP BY 2, 3`,
  `SELECT 'ai_calls', created_at / ${H}, tier, count(*), total(cost_usd) FROM ai_calls GROUP BY 2, 3`,
  `SELECT 'ai_latency', created_at / ${H}, ${bin("latency_ms")}, count(*), total(latency_ms)
     FROM ai_calls WHERE purpose = 'answer' GROUP BY 2, 3`,
  `SELECT 'ai_turns', a.created_at / ${H}, '', count(*), 0 FROM ai_calls a
     WHERE a.turn_message_id IS NOT NULL AND a.id = (
       SELECT min(e.id) FROM ai_calls e WHERE e.turn_message_id = a.turn_message_id) GROUP BY 2`,
  `SELECT 'messages', created_at / ${H}, direction, count(*), 0 FROM messages GROUP BY 2, 3`,
  `SELECT 'replies', created_at / ${H}, ai_tier, count(*), 0 FROM messages
     WHERE direction = 'out' AND ai_tier IS NOT NULL GROUP BY 2, 3`,
  `SELECT 'failed', created_at / ${H}, coalesce(CAST(error_code AS TEXT), 'none'), count(*), 0
     FROM messages WHERE direction = 'out' AND status = 'failed' GROUP BY 2, 3`,
];

const COLUMNS = "metric, hour, key, n, total";
const ORDER = "ORDER BY metric, hour, key";
const nonZero = (rows: HomeHourlyRow[]) => rows.filter((r) => r.n !== 0);

/** The roll-up as the triggers keep it, rows at zero left out, in key order. */
export function readHomeHourly(db: Db): HomeHourlyRow[] {
  return nonZero(
    db.$client.prepare(`SELECT ${COLUMNS} FROM home_hourly ${ORDER}`).all() as HomeHourlyRow[],
  );
}

/**
 * `home_daily` as the triggers keep it and as it should be (the hourly rows summed per UTC day),
 * rows at zero left out, in key order: the two must be equal.
 */
export function readHomeDaily(db: Db): { kept: HomeHourlyRow[]; expected: HomeHourlyRow[] } {
  const c = db.$client;
  return {
    kept: nonZero(
      c
        .prepare(`SELECT metric, day AS hour, key, n, total FROM home_daily ${ORDER}`)
        .all() as HomeHourlyRow[],
    ),
    expected: nonZero(
      c
        .prepare(
          `SELECT metric, hour / 24 AS hour, key, sum(n) AS n, sum(total) AS total
           FROM home_hourly GROUP BY 1, 2, 3 ${ORDER}`,
        )
        .all() as HomeHourlyRow[],
    ),
  };
}

/** The roll-up recounted from the rows (full scans of conversations, messages and ai_calls). */
export function recountHomeHourly(db: Db): HomeHourlyRow[] {
  return db.$client.prepare(`${RECOUNT.join(" UNION ALL ")} ${ORDER}`).all() as HomeHourlyRow[];
}

/**
 * Replaces the roll-up with a recount in one transaction (a repair after rows were changed with
 * the triggers dropped). Holds the write lock for the length of the full scans.
 */
export function rebuildHomeHourly(db: Db): void {
  inTransaction(db, () => {
    const c = db.$client;
    c.prepare("DELETE FROM home_hourly").run();
    c.prepare("DELETE FROM home_daily").run();
    // The triggers on home_hourly fill home_daily again.
    for (const sql of RECOUNT) c.prepare(`INSERT INTO home_hourly (${COLUMNS}) ${sql}`).run();
  });
}
