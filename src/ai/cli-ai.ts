import { pathToFileURL } from "node:url";
import { loadBusinessUtcOffset, loadDatabasePath, loadEnvFile } from "../config.ts";
import { startOfBusinessDay } from "../core/business-day.ts";
import { openDatabase } from "../store/db.ts";
import { answerCacheStats } from "./answer-cache.ts";
import { callTotals } from "./call-log.ts";
import { getAiSwitch, setAiSwitch } from "./kill-switch.ts";

const USAGE = "usage: npm run ai -- on|off|status";

/** Options of {@link runAiCommand}. */
export interface AiCommandOptions {
  /** BUSINESS_UTC_OFFSET in minutes: "today" is the business day (default 0, UTC). */
  utcOffsetMinutes?: number;
  /** Clock in Unix ms (default `Date.now`). */
  now?: () => number;
}

/** `420` → `+07:00`, `-150` → `-02:30`: the offset as BUSINESS_UTC_OFFSET spells it. */
export function formatUtcOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${minutes < 0 ? "-" : "+"}${hh}:${mm}`;
}

/**
 * `npm run ai -- on|off|status`: the AI kill switch. Needs only DATABASE_PATH (from the
 * environment or .env), so an operator can flip it with nothing else configured. The running
 * service reads the switch on every turn: the change applies to the next customer message.
 */
export function runAiCommand(
  args: string[],
  dbPath: string,
  out: (line: string) => void = console.log,
  opts: AiCommandOptions = {},
): number {
  const cmd = args[0];
  if (cmd !== "on" && cmd !== "off" && cmd !== "status") {
    out(USAGE);
    return 2;
  }
  const db = openDatabase(dbPath);
  try {
    if (cmd !== "status") {
      setAiSwitch(db, cmd);
      out(
        `AI is now ${cmd}${cmd === "off" ? ": every new message gets the static auto-reply and goes to a human" : ""}.`,
      );
      return 0;
    }
    const now = (opts.now ?? Date.now)();
    const offset = opts.utcOffsetMinutes ?? 0;
    // The business day, as on the Home tab, in /metrics and for the daily token budget.
    const since = startOfBusinessDay(now, offset);
    const today = callTotals(db, since);
    const cache = answerCacheStats(db, now);
    const handoffs = db.$client
      .prepare(
        "SELECT handoff_reason AS reason, count(*) AS n FROM conversations WHERE handoff_at >= ? GROUP BY handoff_reason ORDER BY n DESC",
      )
      .all(since) as { reason: string; n: number }[];
    out(`AI: ${getAiSwitch(db)}`);
    out(
      `today (since 00:00 UTC${formatUtcOffset(offset)}): ${today.calls} model calls for ${today.turns} turns (${today.turns ? (today.calls / today.turns).toFixed(2) : "0"} per turn), ${today.failures} failed, ${today.tokens} tokens, US$${today.costUsd.toFixed(4)}`,
    );
    out(
      `answer cache: ${cache.entries} answers, ${cache.hits}/${cache.lookups} lookups hit (${(cache.hitRate * 100).toFixed(1)}%)`,
    );
    out(
      `handoffs today: ${handoffs.length ? handoffs.map((h) => `${h.reason} ${h.n}`).join(", ") : "none"}`,
    );
    return 0;
  } finally {
    db.$client.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = loadEnvFile();
  const args = process.argv.slice(2);
  process.exitCode = runAiCommand(args, loadDatabasePath(env), console.log, {
    // Only `status` reads it: a bad offset must not keep an operator from flipping the switch.
    utcOffsetMinutes: args[0] === "status" ? loadBusinessUtcOffset(env) : 0,
  });
}
