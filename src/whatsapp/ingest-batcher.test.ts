import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InboundMessage } from "../core/inbound.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { createIngestBatcher } from "./ingest-batcher.ts";
import type { NormalizedDelivery } from "./webhook/types.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const opts = { burstMs: 1000, maxAttempts: 8 };

function text(id: string, from: string): NormalizedDelivery {
  const msg: InboundMessage = {
    waMessageId: id as InboundMessage["waMessageId"],
    sentAt: Date.now(),
    sender: { waId: from as never, userId: null, profileName: null },
    phoneNumberId: "PN",
    context: null,
    referral: null,
    groupId: null,
    content: { kind: "text", body: id },
    text: id,
    raw: {},
  };
  return {
    messages: [msg],
    events: [],
    statuses: [],
    templates: [],
    errors: [],
    ignoredFields: [],
  };
}

const count = (table: string) =>
  (t.db.$client.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;

describe("ingest batcher", () => {
  it("stores deliveries that arrive together and resolves each with its own result", async () => {
    const b = createIngestBatcher(t.db, opts);
    const results = await Promise.all([
      b.ingest(text("w1", "1")),
      b.ingest(text("w2", "2")),
      b.ingest(text("w1", "1")),
    ]);
    expect(results.map((r) => [r.inserted, r.duplicates])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    expect(count("messages")).toBe(2);
  });

  it("rolls back only the delivery that failed", async () => {
    const b = createIngestBatcher(t.db, opts);
    const broken = text("w-bad", "3");
    // A message without content makes the insert throw halfway through that delivery.
    (broken.messages[0] as { content: unknown }).content = undefined;
    const [ok1, bad, ok2] = await Promise.allSettled([
      b.ingest(text("w-a", "1")),
      b.ingest(broken),
      b.ingest(text("w-b", "2")),
    ]);
    expect(ok1.status).toBe("fulfilled");
    expect(bad.status).toBe("rejected");
    expect(ok2.status).toBe("fulfilled");
    expect(count("messages")).toBe(2);
    // The failed delivery's contact and conversation were rolled back with it.
    expect(count("contacts")).toBe(2);
    expect(count("conversations")).toBe(2);
  });

  it("rejects every delivery of a batch whose commit fails, storing none", async () => {
    const b = createIngestBatcher(t.db, opts);
    t.db.$client.close();
    const settled = await Promise.allSettled([
      b.ingest(text("w1", "1")),
      b.ingest(text("w2", "2")),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
  });
});
