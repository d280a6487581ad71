import type { Db } from "../store/db.ts";

// Rows at known times for the tests of the alert figures and the rate alerts (real SQLite, real
// migrations): only the columns the figures read, the rest left to their defaults.

/** A contact and its conversation; returns the conversation id. */
export function seedConversation(
  db: Db,
  c: { state?: string; handoffAt?: number | null; createdAt?: number } = {},
): number {
  const contact = db.$client.prepare("INSERT INTO contacts (wa_id) VALUES (NULL)").run();
  return Number(
    db.$client
      .prepare(
        "INSERT INTO conversations (contact_id, state, handoff_at, created_at) VALUES (?, ?, ?, ?)",
      )
      .run(contact.lastInsertRowid, c.state ?? "bot", c.handoffAt ?? null, c.createdAt ?? 0)
      .lastInsertRowid,
  );
}

/** One message of a conversation; `statusAt` defaults to `createdAt`. */
export function seedMessage(
  db: Db,
  m: {
    conversationId: number;
    direction: "in" | "out" | "event";
    status: string;
    createdAt: number;
    statusAt?: number | null;
    errorDetail?: string | null;
  },
): void {
  db.$client
    .prepare(
      `INSERT INTO messages (conversation_id, direction, kind, payload, status, created_at, status_at, error_detail)
       VALUES (?, ?, 'text', '{}', ?, ?, ?, ?)`,
    )
    .run(
      m.conversationId,
      m.direction,
      m.status,
      m.createdAt,
      m.statusAt === undefined ? m.createdAt : m.statusAt,
      m.errorDetail ?? null,
    );
}

/** One model call (default: an `ok` answer call taking 1 s). */
export function seedAiCall(
  db: Db,
  c: { createdAt: number; outcome?: string; purpose?: string; latencyMs?: number },
): void {
  db.$client
    .prepare(
      `INSERT INTO ai_calls (purpose, tier, model, outcome, latency_ms, created_at)
       VALUES (?, 'fast', 'm', ?, ?, ?)`,
    )
    .run(c.purpose ?? "answer", c.outcome ?? "ok", c.latencyMs ?? 1000, c.createdAt);
}
