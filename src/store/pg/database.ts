import { type PgResult, type PgStep, SyncPgClient } from "./sync-client.ts";
import { type Translated, translate } from "./translate.ts";

/**
 * Every write transaction takes this transaction-scoped advisory lock first, so that writes are
 * serialised across instances exactly as SQLite's BEGIN IMMEDIATE serialises them across
 * processes. The exactly-once arguments of the job runner and the ingest path (read, decide,
 * write, all in one transaction) then hold on both engines without a second proof.
 */
export const WRITE_LOCK_KEY = 0x6a656d62; // "jemb"

/** better-sqlite3's answer to `run()`. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

type Args = unknown[];

function bindValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return v.toString();
  return v;
}

/** Arguments as better-sqlite3 takes them: values, arrays of values, or one object of named ones. */
function bind(t: Translated, args: Args): unknown[] {
  const positional: unknown[] = [];
  let named: Record<string, unknown> | null = null;
  for (const a of args) {
    if (Array.isArray(a)) positional.push(...a);
    else if (a !== null && typeof a === "object" && !(a instanceof Uint8Array)) {
      named = Object.assign(named ?? {}, a as Record<string, unknown>);
    } else positional.push(a);
  }
  return t.params.map((p) => {
    if (typeof p === "number") {
      if (p >= positional.length) throw new RangeError("Too few parameter values were provided");
      return bindValue(positional[p]);
    }
    if (!named || !(p in named)) throw new RangeError(`Missing named parameter "${p}"`);
    return bindValue(named[p]);
  });
}

type Control = "begin" | "commit" | "rollback" | null;

function controlOf(sql: string): Control {
  const m = /^\s*(BEGIN|COMMIT|END|ROLLBACK)\b(.*)$/is.exec(sql);
  if (!m) return null;
  const word = m[1]!.toUpperCase();
  const rest = m[2]!.trim().replace(/;$/, "").trim().toUpperCase();
  if (word === "BEGIN") return "begin";
  if (word === "ROLLBACK") return /^(TRANSACTION\s*)?$/.test(rest) ? "rollback" : null; // not ROLLBACK TO
  return "commit";
}

const isRead = (text: string): boolean => /^\s*(SELECT|WITH|EXPLAIN|VALUES|SHOW)\b/i.test(text);

/** A prepared statement with better-sqlite3's methods, running on PostgreSQL. */
export class PgStatement {
  private rawMode = false;
  readonly reader: boolean;
  private readonly translated: Translated | null;
  private readonly control: Control;

  constructor(
    private readonly db: PgDatabase,
    readonly source: string,
  ) {
    this.control = controlOf(source);
    this.translated = this.control ? null : translate(source);
    this.reader = this.translated ? /\bRETURNING\b/i.test(source) || isRead(source) : false;
  }

  /** Rows as arrays (true) or objects (false), as better-sqlite3's `raw()`. */
  raw(toggle = true): this {
    this.rawMode = toggle;
    return this;
  }

  run(...args: Args): RunResult {
    const res = this.execute(args, true);
    return { changes: res.rowCount, lastInsertRowid: lastId(res) };
  }

  get(...args: Args): unknown {
    return this.execute(args).rows[0];
  }

  all(...args: Args): unknown[] {
    return this.execute(args).rows;
  }

  private execute(args: Args, forRun = false): PgResult {
    if (this.control) {
      this.db.control(this.control);
      return { rows: [], rowCount: 0, columns: [] };
    }
    const t = this.translated!;
    // better-sqlite3 reports the new row's id after any INSERT; PostgreSQL says it when asked.
    const text =
      forRun && /^\s*INSERT\b/i.test(t.text) && !/\bRETURNING\b/i.test(t.text)
        ? `${t.text.replace(/;\s*$/, "")} RETURNING *`
        : t.text;
    return this.db.runStatement(text, bind(t, args), this.rawMode, isRead(t.text));
  }
}

function lastId(res: PgResult): number {
  const row = res.rows[res.rows.length - 1] as Record<string, unknown> | unknown[] | undefined;
  if (!row || Array.isArray(row)) return 0;
  return typeof row.id === "number" ? row.id : 0;
}

/**
 * The subset of better-sqlite3's `Database` that jembatan and drizzle's better-sqlite3 session
 * use, on PostgreSQL: `prepare`, `exec`, `transaction`, `inTransaction`, `open`, `close`. One
 * connection per instance, like the one SQLite handle; writes take the cluster-wide write lock.
 */
export class PgDatabase {
  readonly client: SyncPgClient;
  private txGeneration: number | null = null;
  private txFailed = false;
  private readonly statements = new Map<string, PgStatement>();

  constructor(readonly url: string) {
    this.client = new SyncPgClient(url);
  }

  get open(): boolean {
    return !this.client.isClosed;
  }

  get inTransaction(): boolean {
    return this.txGeneration !== null;
  }

  /** Always "postgres": lets code that must differ by engine ask. */
  readonly engine = "postgres" as const;

  prepare(sql: string): PgStatement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = new PgStatement(this, sql);
      if (this.statements.size < 5000) this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs a script of statements without parameters (tests and set-up). */
  exec(sql: string): this {
    for (const part of splitStatements(sql)) this.prepare(part).run();
    return this;
  }

  /** better-sqlite3's `transaction(fn)`: a function that runs `fn` in BEGIN ... COMMIT. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R) {
    const wrapped = (...args: A): R => {
      if (this.inTransaction) {
        const name = `drz${Math.random().toString(36).slice(2, 8)}`;
        this.runStatement(`SAVEPOINT ${name}`, [], false, false);
        try {
          const r = fn(...args);
          this.runStatement(`RELEASE ${name}`, [], false, false);
          return r;
        } catch (err) {
          this.runStatement(`ROLLBACK TO ${name}`, [], false, false);
          throw err;
        }
      }
      this.control("begin");
      try {
        const r = fn(...args);
        this.control("commit");
        return r;
      } catch (err) {
        if (this.inTransaction) this.control("rollback");
        throw err;
      }
    };
    return Object.assign(wrapped, { deferred: wrapped, immediate: wrapped, exclusive: wrapped });
  }

  /** SQLite settings have no meaning here. */
  pragma(_source: string): unknown[] {
    return [];
  }

  close(): this {
    if (this.inTransaction) {
      try {
        this.control("rollback");
      } catch {
        // closing anyway
      }
    }
    this.client.close();
    return this;
  }

  /** Begin (taking the write lock), commit or roll back the one transaction. */
  control(what: Exclude<Control, null>): void {
    if (what === "begin") {
      if (this.inTransaction) throw new Error("cannot start a transaction within a transaction");
      const res = this.client.script([
        { text: "BEGIN" },
        { text: `SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})` },
      ]);
      this.txGeneration = res.generation;
      this.txFailed = false;
      return;
    }
    if (!this.inTransaction) throw new Error("cannot commit - no transaction is active");
    const failed = this.txFailed;
    this.txGeneration = null;
    this.txFailed = false;
    if (what === "rollback" || failed) {
      try {
        this.client.query("ROLLBACK");
      } catch {
        // The connection is gone, and the transaction with it.
      }
      if (what === "commit") {
        // PostgreSQL would answer COMMIT with a silent ROLLBACK; SQLite callers expect an error.
        throw new Error("transaction rolled back: a statement in it failed");
      }
      return;
    }
    this.client.query("COMMIT");
  }

  /** One statement: inside the transaction, as a locked one-statement transaction, or a read. */
  runStatement(text: string, values: unknown[], array: boolean, read: boolean): PgResult {
    if (this.txGeneration !== null) {
      try {
        return this.client.query(text, values, array, this.txGeneration);
      } catch (err) {
        this.txFailed = true;
        throw err;
      }
    }
    if (read) return this.client.query(text, values, array);
    const steps: PgStep[] = [
      { text: "BEGIN" },
      { text: `SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})` },
      { text, values, array, result: true },
      { text: "COMMIT" },
    ];
    return this.client.script(steps, true);
  }
}

/** Splits a script on semicolons outside quotes (for `exec`). */
function splitStatements(sql: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ";") {
      parts.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(sql.slice(start));
  return parts.filter((p) => p.trim() !== "");
}
