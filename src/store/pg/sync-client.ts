import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";

/** What PostgreSQL answered to one request. */
export interface PgResult {
  rows: unknown[];
  rowCount: number;
  columns: string[];
}

/** One statement of a script: its text, values, and whether its rows are the script's result. */
export interface PgStep {
  text: string;
  values?: unknown[];
  array?: boolean;
  result?: boolean;
}

/** A PostgreSQL error as the worker reported it, with SQLSTATE in `pgCode`. */
export class PgError extends Error {
  readonly pgCode: string | null;
  /** The SQLite code of the same failure, so callers written for SQLite keep working. */
  readonly code: string;
  readonly constraint: string | null;
  constructor(e: { message: string; code: string | null; constraint: string | null }) {
    // Prefixed with SQLite's words, which callers and logs written for SQLite look for.
    const phrase = e.code ? SQLITE_PHRASES[e.code] : undefined;
    super(phrase ? `${phrase}: ${e.message}` : e.message);
    this.name = "PgError";
    this.pgCode = e.code;
    this.constraint = e.constraint;
    this.code = sqliteCodeOf(e.code);
  }
}

const SQLITE_CODES: Record<string, string> = {
  "23505": "SQLITE_CONSTRAINT_UNIQUE",
  "23503": "SQLITE_CONSTRAINT_FOREIGNKEY",
  "23502": "SQLITE_CONSTRAINT_NOTNULL",
  "23514": "SQLITE_CONSTRAINT_CHECK",
  "40001": "SQLITE_BUSY",
  "40P01": "SQLITE_BUSY",
  "55P03": "SQLITE_BUSY",
};

const SQLITE_PHRASES: Record<string, string> = {
  "23505": "UNIQUE constraint failed",
  "23503": "FOREIGN KEY constraint failed",
  "23502": "NOT NULL constraint failed",
  "23514": "CHECK constraint failed",
};

function sqliteCodeOf(code: string | null): string {
  if (!code) return "SQLITE_IOERR";
  return SQLITE_CODES[code] ?? (code.startsWith("08") ? "SQLITE_IOERR" : "SQLITE_ERROR");
}

/** How long one request may take before the bridge gives up on the worker. */
const ANSWER_TIMEOUT_MS = 60_000;

/**
 * A synchronous PostgreSQL connection: a worker thread owns the `pg` client and the calling
 * thread blocks on an Atomics wait until the answer is posted back.
 *
 * Why by hand rather than an async driver: every repository, transaction and job handler of the
 * service is written synchronously against better-sqlite3 (a transaction is a plain function),
 * and the exactly-once arguments rest on that. Blocking the event loop for a query is what
 * better-sqlite3 does too; here a query costs a loopback round trip instead of a page read.
 * `synckit` does the same trick but gives one stateless call per function, where a transaction
 * needs one connection held across calls.
 */
export class SyncPgClient {
  private readonly worker: Worker;
  private readonly port;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly listeners = new Set<(channel: string, payload: string) => void>();
  private closed = false;

  constructor(url: string, applicationName = "jembatan") {
    const { port1, port2 } = new MessageChannel();
    const notify = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL("./worker.mjs", import.meta.url), {
      workerData: {
        port: port2,
        notifyPort: notify.port2,
        flag: this.flag.buffer,
        url,
        applicationName,
      },
      transferList: [port2, notify.port2],
      // The worker holds no TypeScript; do not hand it the parent's loader flags.
      execArgv: [],
    });
    this.worker.unref();
    notify.port1.on("message", (m: { channel: string; payload: string }) => {
      for (const l of this.listeners) l(m.channel, m.payload);
    });
    notify.port1.unref();
  }

  /** Runs one statement and waits for its answer. */
  query(text: string, values: unknown[] = [], array = false, generation?: number): PgResult {
    return this.request({ op: "query", text, values, array, generation });
  }

  /** Runs statements in order on the one connection; the result is the step marked `result`. */
  script(steps: PgStep[], rollbackOnError = false): PgResult & { generation: number } {
    return this.request({ op: "script", steps, rollbackOnError }) as PgResult & {
      generation: number;
    };
  }

  /** Applies the drizzle migrations in `folder` under an advisory lock. */
  migrate(folder: string, lockKey: number): void {
    this.request({ op: "migrate", folder, lockKey });
  }

  /** Hears NOTIFY on `channel` on a second connection; `fn` runs on the event loop. */
  listen(channel: string, fn: (channel: string, payload: string) => void): () => void {
    this.listeners.add(fn);
    this.request({ op: "listen", channel });
    return () => this.listeners.delete(fn);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends both connections and the worker. */
  close(): void {
    if (this.closed) return;
    try {
      this.request({ op: "close" });
    } finally {
      this.closed = true;
      void this.worker.terminate();
      this.port.close();
    }
  }

  private request(msg: Record<string, unknown>): PgResult {
    if (this.closed) throw new Error("the PostgreSQL connection is closed");
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(msg);
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      const got = receiveMessageOnPort(this.port);
      if (got) {
        const reply = got.message as
          | { ok: true; result: PgResult }
          | {
              ok: false;
              error: { message: string; code: string | null; constraint: string | null };
            };
        if (reply.ok) return reply.result;
        throw new PgError(reply.error);
      }
      if (Date.now() > deadline) {
        throw new PgError({
          message: `PostgreSQL did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`,
          code: "08006",
          constraint: null,
        });
      }
      Atomics.wait(this.flag, 0, 0, 1000);
      Atomics.store(this.flag, 0, 0);
    }
  }
}
