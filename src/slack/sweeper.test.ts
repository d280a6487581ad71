import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationState } from "../core/conversation.ts";
import type { ContactId, ConversationId } from "../core/ids.ts";
import type { Db } from "../store/db.ts";
import { contacts, conversations, slackThreads } from "../store/schema.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import type { SlackSettings } from "./deps.ts";
import { sweepThreads } from "./sweeper.ts";

const min = 60_000;
const hour = 60 * min;
const t0 = 1_800_000_000_000;

const settings: SlackSettings = {
  botToken: "xoxb-test",
  escalationChannel: "C0ESCALATE",
  routing: [],
  notePrefix: "note:",
  signature: "",
  slaMention: "<!subteam^S0SUPPORT>",
  sla: {
    firstReminderMs: 15 * min,
    reminderEveryMs: 10 * min,
    maxReminders: 3,
    windowWarningMs: hour,
  },
  bridgeMessage: { id: "id", en: "en", closedId: "closedId", closedEn: "closedEn" },
  businessHours: null,
  businessHoursText: null,
  operatorRetryMs: 5 * min,
};

let t: TestDatabase;
let db: Db;
let phone = 0;

beforeEach(() => {
  t = openTestDatabase();
  db = t.db;
});
afterEach(() => t.cleanup());

interface ThreadSpec {
  state?: ConversationState;
  windowEndsAt?: number | null;
  status?: (typeof slackThreads.$inferSelect)["status"];
  rootTs?: string | null;
  customerWaitingSince?: number | null;
}

/** A contact, its conversation and the conversation's handoff thread. */
function seedThread(spec: ThreadSpec = {}): { conversationId: ConversationId; threadId: number } {
  phone += 1;
  const contact = db
    .insert(contacts)
    .values({ waId: `62811000${phone}`, profileName: `Customer ${phone}`, createdAt: t0 })
    .returning()
    .get();
  const conversation = db
    .insert(conversations)
    .values({
      contactId: contact.id as ContactId,
      state: spec.state ?? "escalated",
      windowEndsAt: spec.windowEndsAt === undefined ? t0 + 24 * hour : spec.windowEndsAt,
      lastCustomerMessageAt: t0,
      createdAt: t0,
      updatedAt: t0,
    })
    .returning()
    .get();
  const thread = db
    .insert(slackThreads)
    .values({
      conversationId: conversation.id,
      channel: "C0ESCALATE",
      rootTs: spec.rootTs === undefined ? `1700000000.00${phone}00` : spec.rootTs,
      status: spec.status ?? "waiting",
      reason: "Customer asked for a person",
      customerWaitingSince:
        spec.customerWaitingSince === undefined ? t0 : spec.customerWaitingSince,
      createdAt: t0,
      updatedAt: t0,
    })
    .returning()
    .get();
  return { conversationId: conversation.id, threadId: thread.id };
}

interface JobRow {
  kind: string;
  order_key: string;
  dedupe_key: string;
  state: string;
  run_at: number;
  payload: string;
}

const jobRows = () =>
  db.$client
    .prepare("SELECT kind, order_key, dedupe_key, state, run_at, payload FROM jobs ORDER BY id")
    .all() as JobRow[];
const keys = (prefix: string) =>
  jobRows()
    .map((j) => j.dedupe_key)
    .filter((k) => k.startsWith(prefix));
const thread = (id: number) => db.select().from(slackThreads).where(eq(slackThreads.id, id)).get()!;
const postText = (j: JobRow) => (JSON.parse(j.payload) as { text: string }).text;

describe("sweepThreads: SLA reminders", () => {
  it("queues one reminder when the customer has waited the SLA time, in the thread's order", () => {
    const { conversationId, threadId } = seedThread();
    expect(sweepThreads(db, settings, t0 + 14 * min)).toBe(0);
    expect(jobRows()).toEqual([]);

    const now = t0 + 15 * min;
    expect(sweepThreads(db, settings, now)).toBe(1);
    const [job] = jobRows();
    expect(job).toMatchObject({
      kind: "slack.post",
      order_key: `slack:conversation:${conversationId}`,
      dedupe_key: `sla:${threadId}:${t0}:1`,
      state: "pending",
      run_at: now,
    });
    expect(JSON.parse(job!.payload)).toMatchObject({ conversationId });
    expect(postText(job!)).toContain("<!subteam^S0SUPPORT>");
    expect(postText(job!)).toContain("15 min");
    expect(thread(threadId)).toMatchObject({ remindersSent: 1, lastReminderAt: now });

    // The same pass again, or a later one within the interval: nothing more.
    expect(sweepThreads(db, settings, now)).toBe(0);
    expect(sweepThreads(db, settings, now + 9 * min)).toBe(0);
    expect(jobRows()).toHaveLength(1);
  });

  it("repeats only after the interval, at most maxReminders times", () => {
    const { threadId } = seedThread();
    const queued: number[] = [];
    for (let m = 0; m <= 120; m++) {
      if (sweepThreads(db, settings, t0 + m * min) > 0) queued.push(m);
    }
    expect(queued).toEqual([15, 25, 35]);
    expect(keys("sla:")).toEqual([1, 2, 3].map((n) => `sla:${threadId}:${t0}:${n}`));
    expect(thread(threadId)).toMatchObject({ remindersSent: 3, lastReminderAt: t0 + 35 * min });
  });

  it("starts over when a new wait begins after a human replied", () => {
    const { threadId } = seedThread();
    sweepThreads(db, settings, t0 + 15 * min);
    // A human answered (the relay clears the wait and the counters), then the customer wrote again.
    const since = t0 + 40 * min;
    db.update(slackThreads)
      .set({ customerWaitingSince: since, remindersSent: 0, lastReminderAt: null })
      .where(eq(slackThreads.id, threadId))
      .run();
    expect(sweepThreads(db, settings, since + 14 * min)).toBe(0);
    expect(sweepThreads(db, settings, since + 15 * min)).toBe(1);
    expect(keys("sla:")).toEqual([`sla:${threadId}:${t0}:1`, `sla:${threadId}:${since}:1`]);
  });

  it("queues nothing for closed or bot conversations, unposted or finished threads, or when nobody waits", () => {
    seedThread({ state: "closed" });
    seedThread({ state: "bot" });
    seedThread({ customerWaitingSince: null });
    seedThread({ rootTs: null });
    seedThread({ status: "closed", state: "closed" });
    seedThread({ status: "returned_to_ai", state: "bot" });
    // Even with the window about to close.
    seedThread({ state: "closed", windowEndsAt: t0 + 30 * min });
    seedThread({ customerWaitingSince: null, windowEndsAt: t0 + 30 * min });
    for (const m of [0, 15, 29, 60, 240]) expect(sweepThreads(db, settings, t0 + m * min)).toBe(0);
    expect(jobRows()).toEqual([]);
    expect(
      db
        .select()
        .from(slackThreads)
        .all()
        .map((r) => [r.remindersSent, r.windowWarnedFor]),
    ).toEqual(Array.from({ length: 8 }, () => [0, null]));
  });

  it("works for a conversation an agent has claimed and not answered yet", () => {
    const { threadId } = seedThread({ state: "agent", status: "in_progress" });
    expect(sweepThreads(db, settings, t0 + 15 * min)).toBe(1);
    expect(keys("sla:")).toEqual([`sla:${threadId}:${t0}:1`]);
  });
});

describe("sweepThreads: the 24-hour window warning", () => {
  const noReminders: SlackSettings = { ...settings, sla: { ...settings.sla, maxReminders: 0 } };

  it("warns once per window end, within the warning time before it", () => {
    const end = t0 + 24 * hour;
    const { conversationId, threadId } = seedThread({ windowEndsAt: end });
    expect(sweepThreads(db, noReminders, end - hour - 1)).toBe(0);
    expect(sweepThreads(db, noReminders, end - hour)).toBe(1);
    expect(jobRows()).toEqual([
      expect.objectContaining({
        kind: "slack.post",
        order_key: `slack:conversation:${conversationId}`,
        dedupe_key: `window:${threadId}:${end}`,
      }),
    ]);
    expect(postText(jobRows()[0]!)).toContain("24-hour window closes in 1 h");
    expect(thread(threadId).windowWarnedFor).toBe(end);
    for (const before of [59, 30, 1])
      expect(sweepThreads(db, noReminders, end - before * min)).toBe(0);
    // After the end: nothing (the agent is told when a reply cannot be sent).
    expect(sweepThreads(db, noReminders, end + min)).toBe(0);

    // The customer wrote again: a new window, and a new warning before its end.
    const next = end + 3 * hour;
    db.update(conversations)
      .set({ windowEndsAt: next })
      .where(eq(conversations.id, conversationId))
      .run();
    expect(sweepThreads(db, noReminders, next - 2 * hour)).toBe(0);
    expect(sweepThreads(db, noReminders, next - 30 * min)).toBe(1);
    expect(sweepThreads(db, noReminders, next - 20 * min)).toBe(0);
    expect(keys("window:")).toEqual([`window:${threadId}:${end}`, `window:${threadId}:${next}`]);
    expect(thread(threadId).windowWarnedFor).toBe(next);
  });

  it("does not warn when the window end is unknown", () => {
    seedThread({ windowEndsAt: null });
    expect(sweepThreads(db, noReminders, t0 + 23.5 * hour)).toBe(0);
    expect(jobRows()).toEqual([]);
  });

  it("queues a reminder and a warning in the same pass when both are due", () => {
    const end = t0 + 30 * min;
    const { threadId } = seedThread({ windowEndsAt: end });
    expect(sweepThreads(db, settings, t0 + 15 * min)).toBe(2);
    expect(jobRows().map((j) => j.dedupe_key)).toEqual([
      `sla:${threadId}:${t0}:1`,
      `window:${threadId}:${end}`,
    ]);
  });
});

describe("sweepThreads: one transaction", () => {
  it("updates the counters in the same transaction as the queued notices", () => {
    const first = seedThread();
    const second = seedThread();
    // A real SQLite failure part-way through the pass: queuing the second thread's reminder aborts.
    db.$client.exec(`
      CREATE TRIGGER fail_second_reminder BEFORE INSERT ON jobs
      WHEN NEW.dedupe_key LIKE 'sla:${second.threadId}:%'
      BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;`);
    expect(() => sweepThreads(db, settings, t0 + 15 * min)).toThrow(/disk full/);
    // Nothing half-done: no job, and neither thread's counters moved.
    expect(jobRows()).toEqual([]);
    expect(thread(first.threadId)).toMatchObject({ remindersSent: 0, lastReminderAt: null });
    expect(thread(second.threadId)).toMatchObject({ remindersSent: 0, lastReminderAt: null });
    expect(db.$client.inTransaction).toBe(false);

    // Once the failure is gone the next pass queues both, each exactly once.
    db.$client.exec("DROP TRIGGER fail_second_reminder");
    expect(sweepThreads(db, settings, t0 + 16 * min)).toBe(2);
    expect(sweepThreads(db, settings, t0 + 17 * min)).toBe(0);
    expect(keys("sla:")).toEqual([
      `sla:${first.threadId}:${t0}:1`,
      `sla:${second.threadId}:${t0}:1`,
    ]);
    expect(thread(first.threadId)).toMatchObject({
      remindersSent: 1,
      lastReminderAt: t0 + 16 * min,
    });
    expect(thread(second.threadId)).toMatchObject({
      remindersSent: 1,
      lastReminderAt: t0 + 16 * min,
    });
  });
});
