import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationId } from "../core/ids.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { inTransaction } from "../store/tx.ts";
import { type HandoffPayload, requestHandoff, whenHandoffCommitted } from "./handoff.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const run = (sql: string, ...params: unknown[]) =>
  Number(t.db.$client.prepare(sql).run(...params).lastInsertRowid);

function conversation(): ConversationId {
  const contact = run("INSERT INTO contacts (wa_id) VALUES (?)", `62${Math.random()}`);
  return run(
    "INSERT INTO conversations (contact_id, state) VALUES (?, 'bot')",
    contact,
  ) as ConversationId;
}

const payload = (conversationId: ConversationId, at: number): HandoffPayload => ({
  conversationId,
  reason: "model_unavailable",
  detail: null,
  confidence: null,
  summary: null,
  lastCustomerText: "halo",
  language: "id",
  customerNotified: false,
  at,
});

/** Lets queued microtasks run. */
const tick = () => new Promise((r) => setImmediate(r));

describe("whenHandoffCommitted", () => {
  it("calls back once after the transaction that recorded the handoff commits", async () => {
    const p = payload(conversation(), 1_000);
    let calls = 0;
    inTransaction(t.db, () => {
      expect(requestHandoff(t.db, p)).toBe(true);
      whenHandoffCommitted(t.db, p, () => calls++);
      // Not before the commit.
      expect(calls).toBe(0);
    });
    await tick();
    expect(calls).toBe(1);
  });

  it("never calls back when the transaction rolled back, and the retry's handoff counts once", async () => {
    const id = conversation();
    let calls = 0;
    // The first death's transaction fails after the handoff was written: nothing happened.
    expect(() =>
      inTransaction(t.db, () => {
        const p = payload(id, 1_000);
        expect(requestHandoff(t.db, p)).toBe(true);
        whenHandoffCommitted(t.db, p, () => calls++);
        throw new Error("the alert could not be written");
      }),
    ).toThrow("the alert could not be written");
    await tick();
    expect(calls).toBe(0);
    expect(t.db.$client.prepare("SELECT state, handoff_at FROM conversations").get()).toEqual({
      state: "bot",
      handoff_at: null,
    });
    // The job dies again later: this time it commits.
    inTransaction(t.db, () => {
      const p = payload(id, 2_000);
      expect(requestHandoff(t.db, p)).toBe(true);
      whenHandoffCommitted(t.db, p, () => calls++);
    });
    await tick();
    expect(calls).toBe(1);
  });

  it("gives up quietly when the database closed before it could look", async () => {
    const p = payload(conversation(), 1_000);
    let calls = 0;
    inTransaction(t.db, () => {
      requestHandoff(t.db, p);
      whenHandoffCommitted(t.db, p, () => calls++);
    });
    t.db.$client.close();
    await tick();
    expect(calls).toBe(0);
  });
});
