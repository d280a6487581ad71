import type { Db } from "../store/db.ts";
import { inTransaction } from "../store/tx.ts";
import { type IngestOptions, type IngestResult, ingestDelivery, storeDelivery } from "./ingest.ts";
import type { NormalizedDelivery } from "./webhook/types.ts";

/** Stores deliveries, committing those that arrive together in one transaction. */
export interface IngestBatcher {
  /** Resolves once the delivery is committed (answer Meta only then); rejects if it was not. */
  ingest(delivery: NormalizedDelivery): Promise<IngestResult>;
}

/**
 * Group commit: deliveries that arrive in the same event-loop turn share one SQLite transaction;
 * if one of them fails, the batch is redone one delivery per transaction so it fails alone. Under load this halves
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
    let results: IngestResult[] | null = null;
    try {
      // Fast path: the whole batch in one transaction. Savepoints per delivery would cost more
      // than the rest of the batch; a failure (rare: a bug or a full disk) is handled below.
      results = inTransaction(db, () => {
        const at = now();
        return batch.map((p) => storeDelivery(db, p.delivery, opts, at));
      });
    } catch {
      results = null;
    }
    if (results) {
      for (const [i, p] of batch.entries()) p.resolve(results[i]!);
      return;
    }
    // Something in the batch failed and everything rolled back: store each delivery alone so
    // the good ones commit and only the bad one is refused (Meta will retry it).
    for (const p of batch) {
      try {
        p.resolve(inTransaction(db, () => ingestDelivery(db, p.delivery, opts, now())));
      } catch (error) {
        p.reject(error);
      }
    }
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
