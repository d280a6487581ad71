import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS, REDACTED_PAYLOAD } from "../core/retention.ts";
import { type Db, openDatabase } from "../store/db.ts";
import { createTestPgDatabase, type TestPgDatabase, testEngine } from "../store/testing.ts";

const TSX = import.meta.resolve("tsx");
const CLI = join(import.meta.dirname, "contact.ts");

let dir: string;
/** The SQLite file, or the PostgreSQL URL when the suites run on PostgreSQL. */
let dbPath: string;
let pg: TestPgDatabase | null = null;

/** Runs `npm run contact -- ...args` as the real CLI in a child process (no .env in its cwd). */
function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      ...(pg ? { DATABASE_URL: dbPath } : { DATABASE_PATH: dbPath }),
      ...env,
    },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function withDb<T>(fn: (db: Db) => T): T {
  const db = openDatabase(dbPath);
  try {
    return fn(db);
  } finally {
    db.$client.close();
  }
}

let budi: number;
let siti: number;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-contact-cli-"));
  if (testEngine() === "postgres") pg = createTestPgDatabase();
  dbPath = pg ? pg.url : join(dir, "data", "jembatan.sqlite");
  const old = Date.now() - 400 * DAY_MS;
  withDb((db) => {
    const run = (sql: string, ...p: unknown[]) => db.$client.prepare(sql).run(...p);
    const seed = (waId: string, name: string, at: number, text: string) => {
      const k = Number(
        run(
          "INSERT INTO contacts (wa_id, profile_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
          waId,
          name,
          at,
          at,
        ).lastInsertRowid,
      );
      const c = Number(
        run(
          "INSERT INTO conversations (contact_id, summary, created_at, updated_at) VALUES (?, 'summary', ?, ?)",
          k,
          at,
          at,
        ).lastInsertRowid,
      );
      run(
        `INSERT INTO messages (conversation_id, direction, wa_message_id, kind, text, payload, status, created_at, updated_at)
         VALUES (?, 'in', ?, 'text', ?, ?, 'handled', ?, ?)`,
        c,
        `wamid.${k}`,
        text,
        JSON.stringify({ content: { kind: "text", body: text } }),
        at,
        at,
      );
      run(
        "INSERT INTO slack_threads (conversation_id, channel, root_ts, status, reason) VALUES (?, 'C1', ?, 'closed', 'customer_request')",
        c,
        `${k}.1`,
      );
      run(
        "INSERT INTO ai_calls (conversation_id, purpose, tier, model, outcome, cost_usd) VALUES (?, 'answer', 'fast', 'm', 'ok', 0.002)",
        c,
      );
      return k;
    };
    budi = seed("6281200001111", "Budi", Date.now() - DAY_MS, "alamat saya Jl. Mawar 5");
    siti = seed("6281299998888", "Siti", old, "pesanan saya belum datang");
  });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  pg?.drop();
});

describe("npm run contact", () => {
  it("exports everything about a contact as one JSON document", () => {
    const r = cli(["export", "+62 812-0000-1111"]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.contact).toMatchObject({ id: budi, wa_id: "6281200001111", profile_name: "Budi" });
    expect(doc.conversations).toHaveLength(1);
    expect(doc.messages[0]).toMatchObject({ text: "alamat saya Jl. Mawar 5" });
    expect(doc.messages[0].payload.content.body).toBe("alamat saya Jl. Mawar 5");
    expect(doc.slackThreads).toHaveLength(1);
    expect(doc.aiCalls).toEqual([expect.objectContaining({ cost_usd: 0.002 })]);
  });

  it("refuses unknown contacts and bad usage with exit 2", () => {
    const unknown = cli(["export", "+1 555 0100"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no contact matches/);
    expect(unknown.out).toBe("");
    const usage = cli(["frobnicate"]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/^usage:/);
  });

  it("retention --dry-run counts, without it applies", () => {
    const dry = cli(["retention", "--dry-run"]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(/dry run/);
    expect(dry.out).toMatch(/would redact: 1 messages/);
    expect(dry.out).toMatch(/would anonymise: 1 contacts/);
    expect(
      withDb((db) =>
        db.$client.prepare("SELECT count(*) AS n FROM contacts WHERE wa_id IS NULL").get(),
      ),
    ).toEqual({ n: 0 });

    const applied = cli(["retention"]);
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toMatch(/anonymised: 1 contacts/);
    withDb((db) => {
      expect(
        db.$client.prepare("SELECT wa_id, profile_name FROM contacts WHERE id = ?").get(siti),
      ).toEqual({
        wa_id: null,
        profile_name: null,
      });
      expect(
        db.$client
          .prepare("SELECT text, payload FROM messages WHERE wa_message_id = ?")
          .get(`wamid.${siti}`),
      ).toEqual({ text: "", payload: REDACTED_PAYLOAD });
    });
    // RETENTION_*=0 keeps everything.
    const off = cli(["retention", "--dry-run"], {
      RETENTION_MESSAGE_DAYS: "0",
      RETENTION_CONTACT_DAYS: "0",
    });
    expect(off.out).toMatch(/kept forever/);
  });

  it("delete says what it would delete and exits 1 without --yes, deletes with it", () => {
    const ask = cli(["delete", String(budi)]);
    expect(ask.code).toBe(1);
    expect(ask.out).toMatch(
      /would delete contact id:\d+ \(\+6281200001111\): 1 contact, 1 conversations, 1 messages/,
    );
    expect(
      withDb((db) =>
        db.$client.prepare("SELECT count(*) AS n FROM contacts WHERE id = ?").get(budi),
      ),
    ).toEqual({ n: 1 });

    const done = cli(["delete", "6281200001111", "--yes"]);
    expect(done.code, done.err).toBe(0);
    expect(done.out).toMatch(/deleted contact/);
    withDb((db) => {
      const one = (sql: string) => db.$client.prepare(sql).get();
      expect(one("SELECT count(*) AS n FROM contacts")).toEqual({ n: 1 });
      expect(one("SELECT count(*) AS n FROM messages")).toEqual({ n: 1 });
      expect(one("SELECT count(*) AS n FROM slack_threads")).toEqual({ n: 1 });
    });
    expect(cli(["export", "6281200001111"]).code).toBe(2);
  });
});
