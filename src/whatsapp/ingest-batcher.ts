import type { Db } from "../store/db.ts";
import { inTransaction } from "../store/tx.ts";
import { type IngestOptions, type IngestResult, ingestDelivery } from "./ingest.ts";
import type { NormalizedDelivery } from "./webhook/types.ts";

/** Stores deliveries, committing those that arrive together in one transaction. */
export interface IngestBatcher {
  /** Resolves once the delivery is committed (answer Meta only then); rejects if it was not. */
  ingest(delivery: NormalizedDelivery): Promise<IngestResult>;
}

/**
 * Group commit: deliveries that arrive in the same event-loop turn share one SQLite transaction,
 * each inside its own savepoint so a delivery that fails rolls back alone. Under load this halves
 * the cost per delivery (one commit and one WAL write of the shared pages instead of many, see
 * docs/benchmarks.md); when idle a batch is a single delivery and nothing waits.
 */
export function createIngestBatcher(
  db: Db,
  opts: IngestOptions,
  now: () => number = Date.now,
): IngestBatcher {
  type Pending = {
    delivery: NormalizedDelivery;
    resolve: (r: IngestResult) => void;
    reject: (e: unknown) => void;
  };
  let queue: Pending[] = [];

  function flush() {
    const batch = queue;
    queue = [];
    const outcomes: ({ ok: true; result: IngestResult } | { ok: false; error: unknown })[] = [];
    try {
      inTransaction(db, () => {
        const at = now();
        for (const p of batch) {
          try {
            // Nested inTransaction = a savepoint: this delivery's writes go or stay together.
            outcomes.push({ ok: true, result: ingestDelivery(db, p.delivery, opts, at) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing of the batch is stored; every sender gets an error.
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok) p.resolve(o.result);
      else p.reject(o.error);
    });
  }

  return {
    ingest(delivery) {
      return new Promise<IngestResult>((resolve, reject) => {
        queue.push({ delivery, resolve, reject });
        if (queue.length === 1) setImmediate(flush);
      });
    },
  };
}
