// The PostgreSQL side of the synchronous bridge (see sync-client.ts): a worker thread that owns
// the connections and answers one request at a time. Plain JavaScript so that it starts the same
// under tsx, vitest and plain node (a worker does not inherit a TypeScript loader everywhere).
import { workerData } from "node:worker_threads";
import pg from "pg";

const { port, notifyPort, flag, url, applicationName } = workerData;
const signal = new Int32Array(flag);

// Counts and timestamps come back as JavaScript numbers, as better-sqlite3 gives them: int8 and
// numeric values here are counts, Unix milliseconds and sums, all far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v)); // int8
pg.types.setTypeParser(1700, (v) => Number(v)); // numeric
// Comparisons return 1/0 as in SQLite, where the application's SQL was written.
pg.types.setTypeParser(16, (v) => (v === "t" ? 1 : 0)); // bool

let client = null;
// Counts connections made, so that a transaction can tell whether it still has its own.
let generation = 0;
let listener = null;

async function connect() {
  if (client) return client;
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  // A dropped connection surfaces on the next query; keep the error from crashing the worker.
  c.on("error", () => {
    if (client === c) client = null;
  });
  c.on("end", () => {
    if (client === c) client = null;
  });
  await c.connect();
  client = c;
  generation++;
  return c;
}

async function listen(channel) {
  if (listener) return;
  const c = new pg.Client({ connectionString: url, application_name: `${applicationName}:listen` });
  c.on("notification", (n) => notifyPort.postMessage({ channel: n.channel, payload: n.payload }));
  c.on("error", () => {
    // Lost: wake the application once (it re-reads the queue) and try again shortly.
    if (listener === c) listener = null;
    notifyPort.postMessage({ channel, payload: "reconnect" });
    setTimeout(() => listen(channel).catch(() => {}), 1000).unref();
  });
  await c.connect();
  await c.query(`LISTEN ${channel}`);
  listener = c;
}

function errorOf(err) {
  return {
    message: err?.message ?? String(err),
    code: err?.code ?? null,
    detail: err?.detail ?? null,
    constraint: err?.constraint ?? null,
  };
}

async function handle(msg) {
  switch (msg.op) {
    case "query": {
      const c = await connect();
      // A statement of a transaction whose connection was lost must not run on a new one,
      // outside the transaction it belongs to.
      if (msg.generation != null && msg.generation !== generation) {
        throw Object.assign(
          new Error("the connection to PostgreSQL was lost during the transaction"),
          { code: "08006" },
        );
      }
      const res = await c.query({
        text: msg.text,
        values: msg.values,
        rowMode: msg.array ? "array" : undefined,
      });
      return {
        rows: res.rows,
        rowCount: res.rowCount ?? 0,
        columns: res.fields?.map((f) => f.name) ?? [],
      };
    }
    case "script": {
      // Several statements in a row without a trip back to the calling thread, e.g. BEGIN and
      // the advisory lock, or BEGIN + lock + one write + COMMIT. With `rollbackOnError`, a
      // failure rolls the script's transaction back before the error is reported.
      const c = await connect();
      let out = null;
      try {
        for (const step of msg.steps) {
          const res = await c.query({
            text: step.text,
            values: step.values,
            rowMode: step.array ? "array" : undefined,
          });
          if (step.result)
            out = {
              rows: res.rows,
              rowCount: res.rowCount ?? 0,
              columns: res.fields?.map((f) => f.name) ?? [],
            };
        }
      } catch (err) {
        if (msg.rollbackOnError) await c.query("ROLLBACK").catch(() => {});
        throw err;
      }
      return { ...(out ?? { rows: [], rowCount: 0, columns: [] }), generation };
    }
    case "migrate": {
      // Several instances may start at once: one applies the migrations, the others wait here.
      const c = await connect();
      await c.query("SELECT pg_advisory_lock($1)", [msg.lockKey]);
      try {
        const { drizzle } = await import("drizzle-orm/node-postgres");
        const { migrate } = await import("drizzle-orm/node-postgres/migrator");
        await migrate(drizzle(c), { migrationsFolder: msg.folder });
      } finally {
        await c.query("SELECT pg_advisory_unlock($1)", [msg.lockKey]);
      }
      return { rows: [], rowCount: 0, columns: [] };
    }
    case "listen":
      await listen(msg.channel);
      return { rows: [], rowCount: 0, columns: [] };
    case "close":
      await Promise.allSettled([client?.end(), listener?.end()]);
      client = null;
      listener = null;
      return { rows: [], rowCount: 0, columns: [] };
    default:
      throw new Error(`unknown op ${msg.op}`);
  }
}

async function serve(msg) {
  let reply;
  try {
    reply = { ok: true, result: await handle(msg) };
  } catch (err) {
    // A failed statement inside a script leaves the transaction aborted; the caller rolls back.
    reply = { ok: false, error: errorOf(err) };
  }
  port.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

// The main thread sends one request and blocks until it is answered, but a queue keeps the
// order safe should two ever overlap (a request sent from an async callback).
const queue = [];
let draining = false;
async function drain() {
  if (draining) return;
  draining = true;
  while (queue.length > 0) await serve(queue.shift());
  draining = false;
}
port.on("message", (msg) => {
  queue.push(msg);
  void drain();
});
