import { pathToFileURL } from "node:url";
import { loadDatabasePath, loadEnvFile } from "../config.ts";
import { openDatabase } from "../store/db.ts";
import { answerCacheStats } from "./answer-cache.ts";
import { callTotals } from "./call-log.ts";
import { startOfUtcDay } from "./guards.ts";
import { getAiSwitch, setAiSwitch } from "./kill-switch.ts";

const USAGE = "usage: npm run ai -- on|off|status";

/**
 * `npm run ai -- on|off|status`: the AI kill switch. Needs only DATABASE_PATH (from the
 * environment or .env), so an operator can flip it with nothing else configured. The running
 * service reads the switch on every turn: the change applies to the next customer message.
 */
export function runAiCommand(
  args: string[],
  dbPath: string,
  out: (line: string) => void = console.log,
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
    const now = Date.now();
    const today = callTotals(db, startOfUtcDay(now));
    const cache = answerCacheStats(db, now);
    const handoffs = db.$client
      .prepare(
        "SELECT handoff_reason AS reason, count(*) AS n FROM conversations WHERE handoff_at >= ? GROUP BY handoff_reason ORDER BY n DESC",
      )
      .all(startOfUtcDay(now)) as { reason: string; n: number }[];
    out(`AI: ${getAiSwitch(db)}`);
    out(
      `today (UTC): ${today.calls} model calls for ${today.turns} turns (${today.turns ? (today.calls / today.turns).toFixed(2) : "0"} per turn), ${today.failures} failed, ${today.tokens} tokens, US$${today.costUsd.toFixed(4)}`,
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
  process.exitCode = runAiCommand(process.argv.slice(2), loadDatabasePath(loadEnvFile()));
}
