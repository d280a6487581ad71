import { pathToFileURL } from "node:url";
import { ConfigError, loadDatabasePath, loadEnvFile, loadRetentionConfig } from "../config.ts";
import type { RetentionSettings } from "../core/retention.ts";
import { openDatabase } from "../store/db.ts";
import {
  applyRetention,
  type DeletionCounts,
  deleteContact,
  exportContact,
  type FoundContact,
  findContacts,
  planRetention,
  type RetentionReport,
} from "../store/retention.ts";

const USAGE = `usage: npm run contact -- export <phone or id>
       npm run contact -- delete <phone or id> [--yes]
       npm run contact -- retention [--dry-run]
<phone or id>: a phone number (digits, with or without + and spaces), a contact id or a
business-scoped user id.`;

export interface ContactCommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const consoleIo: ContactCommandIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

/**
 * `npm run contact -- export|delete|retention`: data protection for operators. Needs only
 * DATABASE_PATH (and the RETENTION_* variables for `retention`), like `npm run ai`.
 * Exit codes: 0 done, 1 `delete` without `--yes` (nothing deleted), 2 usage error or unknown
 * contact.
 */
export function runContactCommand(
  args: string[],
  dbPath: string,
  retention: () => RetentionSettings,
  io: ContactCommandIo = consoleIo,
  now = Date.now(),
): number {
  const [cmd, ...rest] = args;
  const flags = new Set(rest.filter((a) => a.startsWith("--")));
  const operands = rest.filter((a) => !a.startsWith("--"));
  const allowed: Record<string, string[]> = {
    export: [],
    delete: ["--yes"],
    retention: ["--dry-run"],
  };
  const known = cmd !== undefined ? allowed[cmd] : undefined;
  const badFlag = [...flags].find((f) => !known?.includes(f));
  const operandCount = cmd === "retention" ? 0 : 1;
  if (!known || badFlag || operands.length !== operandCount) {
    if (badFlag && known) io.err(`unknown option ${badFlag}`);
    io.err(USAGE);
    return 2;
  }
  let settings: RetentionSettings | null = null;
  if (cmd === "retention") {
    try {
      settings = retention();
    } catch (err) {
      if (err instanceof ConfigError) {
        io.err(err.message);
        return 2;
      }
      throw err;
    }
  }

  const db = openDatabase(dbPath);
  try {
    if (settings) {
      const report = flags.has("--dry-run")
        ? planRetention(db, settings, now)
        : applyRetention(db, settings, now);
      io.out(describeRetention(report, settings));
      return 0;
    }
    const query = operands[0] ?? "";
    const found = findContacts(db, query);
    if (found.length === 0) {
      io.err(`no contact matches "${query}" (looked for a phone number, contact id or user id)`);
      return 2;
    }
    if (found.length > 1) {
      io.err(
        `"${query}" matches ${found.length} contacts: ${found.map(describeContact).join("; ")}. Use the contact id (id:…) shown.`,
      );
      return 2;
    }
    const contact = found[0] as FoundContact;
    if (cmd === "export") {
      io.out(
        JSON.stringify(
          { exportedAt: new Date(now).toISOString(), ...exportContact(db, contact.id) },
          null,
          2,
        ),
      );
      return 0;
    }
    const apply = flags.has("--yes");
    const counts = deleteContact(db, contact.id, !apply);
    const what = describeDeletion(counts);
    if (!apply) {
      io.out(`would delete contact ${describeContact(contact)}: ${what}`);
      io.out("nothing deleted; run again with --yes to delete it");
      return 1;
    }
    io.out(`deleted contact ${describeContact(contact)}: ${what}`);
    io.out("Slack threads of its handoffs stay in Slack: delete them there if needed.");
    return 0;
  } finally {
    db.$client.close();
  }
}

function describeContact(c: FoundContact): string {
  const ids = [c.waId ? `+${c.waId}` : null, c.userId ? `user ${c.userId}` : null].filter(Boolean);
  return `id:${c.id}${ids.length ? ` (${ids.join(", ")})` : " (anonymised)"}`;
}

function describeDeletion(c: DeletionCounts): string {
  return [
    `${c.contacts} contact`,
    `${c.conversations} conversations`,
    `${c.messages} messages`,
    `${c.statusEvents} status reports`,
    `${c.slackThreads} Slack thread records`,
    `${c.aiCalls} AI calls`,
    `${c.jobs} jobs`,
  ].join(", ");
}

function describeRetention(r: RetentionReport, s: RetentionSettings): string {
  const day = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const verb = r.dryRun ? "would redact" : "redacted";
  const lines = [
    `retention${r.dryRun ? " (dry run: nothing changed)" : ""}: messages after ${s.messageDays || "∞"} days, contacts after ${s.contactDays || "∞"} days without activity`,
  ];
  const before = day(r.redactBefore);
  lines.push(
    before
      ? `${verb}: ${r.counts.messages} messages, ${r.counts.statusEvents} status reports, ${r.counts.jobPayloads} job payloads, ${r.counts.summaries} conversation summaries (stored before ${before})`
      : "message retention off (RETENTION_MESSAGE_DAYS=0): texts kept forever",
  );
  if (r.counts.inUse > 0)
    lines.push(`kept for now: ${r.counts.inUse} old messages or jobs still being worked on`);
  const inactive = day(r.anonymiseInactiveBefore);
  lines.push(
    inactive
      ? `${r.dryRun ? "would anonymise" : "anonymised"}: ${r.counts.contacts} contacts (no activity since ${inactive})`
      : "contact retention off (RETENTION_CONTACT_DAYS=0): contacts kept forever",
  );
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = loadEnvFile();
  try {
    process.exitCode = runContactCommand(process.argv.slice(2), loadDatabasePath(env), () =>
      loadRetentionConfig(env),
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  }
}
