import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConversationState } from "../core/conversation.ts";
import type { ContactId, ConversationId } from "../core/ids.ts";
import type { Db } from "../store/db.ts";
import { failInserts } from "../store/fault-testing.ts";
import { createSettingsReader, writeSetting } from "../store/runtime-settings.ts";
import { contacts, conversations, slackThreads } from "../store/schema.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { liveSettings, type SlackSettings } from "./deps.ts";
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
  rootRefreshMs: 5 * min,
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
  /** What the root shows: by default the window end as of t0, drawn at t0. */
  rootWindowEndsAt?: number | null;
  rootUpdatedAt?: number | null;
}

/** A contact, its conversation and the conversation's handoff thread. */
function seedThread(spec: ThreadSpec = {}): { conversationId: ConversationId; threadId: number } {
  phone += 1;
  const contact = db
    .insert(contacts)
    .values({ waId: `62811000${phone}`, profileName: `Customer ${phone}`, createdAt: t0 })
    .returning()
    .get();
  const windowEndsAt = spec.windowEndsAt === undefined ? t0 + 24 * hour : spec.windowEndsAt;
  const conversation = db
    .insert(conversations)
    .values({
      contactId: contact.id as ContactId,
      state: spec.state ?? "escalated",
      windowEndsAt,
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
      rootWindowEndsAt: spec.rootWindowEndsAt === undefined ? windowEndsAt : spec.rootWindowEndsAt,
      rootUpdatedAt: spec.rootUpdatedAt === undefined ? t0 : spec.rootUpdatedAt,
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
    const nobodyWaits = seedThread({ customerWaitingSince: null, windowEndsAt: t0 + 30 * min });
    for (const m of [0, 15, 29, 60, 240]) sweepThreads(db, settings, t0 + m * min);
    // No reminder or warning. The only job: the root of the thread nobody waits in is redrawn
    // once its window closed (the root stays true for whoever looks at it).
    expect(jobRows().map((j) => [j.kind, j.dedupe_key])).toEqual([
      ["slack.update_root", `root:${nobodyWaits.threadId}:${t0 + 30 * min}:closed`],
    ]);
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
  // Root redraws (which also happen around the window's end) are tested on their own below.
  const noReminders: SlackSettings = {
    ...settings,
    sla: { ...settings.sla, maxReminders: 0 },
    rootRefreshMs: Number.MAX_SAFE_INTEGER,
  };

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
    // A real database failure part-way through the pass: queuing the second thread's reminder aborts.
    const repaired = failInserts(
      db,
      "fail_second_reminder",
      "jobs",
      `NEW.dedupe_key LIKE 'sla:${second.threadId}:%'`,
      "disk full (simulated)",
    );
    expect(() => sweepThreads(db, settings, t0 + 15 * min)).toThrow(/disk full/);
    // Nothing half-done: no job, and neither thread's counters moved.
    expect(jobRows()).toEqual([]);
    expect(thread(first.threadId)).toMatchObject({ remindersSent: 0, lastReminderAt: null });
    expect(thread(second.threadId)).toMatchObject({ remindersSent: 0, lastReminderAt: null });
    expect(db.$client.inTransaction).toBe(false);

    // Once the failure is gone the next pass queues both, each exactly once.
    repaired();
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

describe("sweepThreads: redrawing the root's window", () => {
  // Reminders and warnings off: only root redraws are queued.
  const rootOnly: SlackSettings = {
    ...settings,
    sla: { ...settings.sla, maxReminders: 0, windowWarningMs: hour },
  };
  const rootJobs = () => jobRows().filter((j) => j.kind === "slack.update_root");
  const customerWrites = (conversationId: ConversationId, at: number) =>
    db
      .update(conversations)
      .set({ windowEndsAt: at + 24 * hour, lastCustomerMessageAt: at })
      .where(eq(conversations.id, conversationId))
      .run();

  it("queues nothing while the root still shows the true window", () => {
    seedThread();
    for (const m of [0, 5, 60, 600]) expect(sweepThreads(db, rootOnly, t0 + m * min)).toBe(0);
    expect(jobRows()).toEqual([]);
  });

  it("redraws once after the customer wrote again, at most once per interval", () => {
    const { conversationId, threadId } = seedThread();
    // The customer writes 2 minutes after the root was drawn: the redraw waits for the interval.
    customerWrites(conversationId, t0 + 2 * min);
    const end1 = t0 + 2 * min + 24 * hour;
    expect(sweepThreads(db, rootOnly, t0 + 3 * min)).toBe(0);
    expect(sweepThreads(db, rootOnly, t0 + 5 * min)).toBe(1);
    expect(rootJobs()).toEqual([
      expect.objectContaining({
        kind: "slack.update_root",
        order_key: `slack:conversation:${conversationId}`,
        dedupe_key: `root:${threadId}:${end1}:open`,
        state: "pending",
        run_at: t0 + 5 * min,
      }),
    ]);
    expect(JSON.parse(rootJobs()[0]!.payload)).toEqual({ conversationId });
    // Recorded in the same pass: what the root will show, and when.
    expect(thread(threadId)).toMatchObject({ rootWindowEndsAt: end1, rootUpdatedAt: t0 + 5 * min });
    // Nothing new: nothing queued, however often the sweeper runs.
    for (const m of [5, 6, 9, 30]) expect(sweepThreads(db, rootOnly, t0 + m * min)).toBe(0);

    // The customer writes at 31 min (past the interval: redrawn at once), and again at 32 min
    // (within the interval after that redraw: it waits until 36 min).
    customerWrites(conversationId, t0 + 31 * min);
    expect(sweepThreads(db, rootOnly, t0 + 31 * min)).toBe(1);
    customerWrites(conversationId, t0 + 32 * min);
    const end2 = t0 + 32 * min + 24 * hour;
    const queuedAt: number[] = [];
    for (let m = 32; m <= 60; m++) {
      if (sweepThreads(db, rootOnly, t0 + m * min) > 0) queuedAt.push(m);
    }
    expect(queuedAt).toEqual([36]);
    expect(rootJobs().map((j) => j.dedupe_key)).toEqual([
      `root:${threadId}:${end1}:open`,
      `root:${threadId}:${t0 + 31 * min + 24 * hour}:open`,
      `root:${threadId}:${end2}:open`,
    ]);
    expect(thread(threadId)).toMatchObject({
      rootWindowEndsAt: end2,
      rootUpdatedAt: t0 + 36 * min,
    });
  });

  it("redraws when the window enters its last hour and when it has closed", () => {
    const end = t0 + 24 * hour;
    const { threadId } = seedThread({ windowEndsAt: end });
    const queuedAt: number[] = [];
    for (let m = 22 * 60; m <= 26 * 60; m++) {
      if (sweepThreads(db, rootOnly, t0 + m * min) > 0) queuedAt.push(m - 24 * 60);
    }
    expect(queuedAt).toEqual([-60, 0]);
    expect(rootJobs().map((j) => j.dedupe_key)).toEqual([
      `root:${threadId}:${end}:closing`,
      `root:${threadId}:${end}:closed`,
    ]);
    expect(thread(threadId)).toMatchObject({ rootWindowEndsAt: end, rootUpdatedAt: end });
  });

  it("redraws a root that never recorded what it showed (drawn before this was recorded)", () => {
    const { threadId } = seedThread({ rootWindowEndsAt: null, rootUpdatedAt: null });
    expect(sweepThreads(db, rootOnly, t0 + min)).toBe(1);
    expect(rootJobs().map((j) => j.dedupe_key)).toEqual([
      `root:${threadId}:${t0 + 24 * hour}:open`,
    ]);
    expect(sweepThreads(db, rootOnly, t0 + 10 * min)).toBe(0);
  });

  it("does not queue a redraw twice when the same one is already queued", () => {
    const { conversationId, threadId } = seedThread();
    customerWrites(conversationId, t0 + min);
    expect(sweepThreads(db, rootOnly, t0 + 10 * min)).toBe(1);
    // A late job's record brings the old window back (or a second process swept): same key.
    db.update(slackThreads)
      .set({ rootWindowEndsAt: t0 + 24 * hour, rootUpdatedAt: t0 })
      .where(eq(slackThreads.id, threadId))
      .run();
    expect(sweepThreads(db, rootOnly, t0 + 20 * min)).toBe(0);
    expect(rootJobs()).toHaveLength(1);
    expect(thread(threadId).rootWindowEndsAt).toBe(t0 + min + 24 * hour);
  });

  it("leaves closed, bot, unposted and finished threads alone", () => {
    const stale = { windowEndsAt: t0 + 30 * min, rootWindowEndsAt: null, rootUpdatedAt: null };
    seedThread({ ...stale, state: "closed" });
    seedThread({ ...stale, state: "bot" });
    seedThread({ ...stale, rootTs: null });
    seedThread({ ...stale, status: "closed", state: "closed" });
    seedThread({ ...stale, status: "returned_to_ai", state: "bot" });
    for (const m of [0, 40, 120]) expect(sweepThreads(db, rootOnly, t0 + m * min)).toBe(0);
    expect(jobRows()).toEqual([]);
  });

  it("queues the redraw and records it in one transaction", () => {
    const { conversationId, threadId } = seedThread();
    customerWrites(conversationId, t0 + min);
    const repaired = failInserts(
      db,
      "fail_root",
      "jobs",
      "NEW.kind = 'slack.update_root'",
      "disk full (simulated)",
    );
    expect(() => sweepThreads(db, rootOnly, t0 + 10 * min)).toThrow(/disk full/);
    expect(jobRows()).toEqual([]);
    expect(thread(threadId)).toMatchObject({ rootWindowEndsAt: t0 + 24 * hour, rootUpdatedAt: t0 });
    repaired();
    expect(sweepThreads(db, rootOnly, t0 + 11 * min)).toBe(1);
    expect(sweepThreads(db, rootOnly, t0 + 12 * min)).toBe(0);
    expect(rootJobs()).toHaveLength(1);
  });
});

describe("sweepThreads with the runtime settings in force (liveSettings)", () => {
  it("reminds after the SLA minutes a manager set, read at each sweep", () => {
    seedThread();
    const reader = createSettingsReader(
      db,
      {
        confidenceThreshold: 0.6,
        models: { fast: "a", smart: "b" },
        businessHoursText: null,
        slaMinutes: 15,
      },
      { modelChoices: ["a", "b"], utcOffsetMinutes: 0 },
    );
    const deps = { settings, runtimeSettings: reader };
    expect(sweepThreads(db, liveSettings(deps), t0 + 6 * min)).toBe(0);
    writeSetting(db, "sla.minutes", "5", t0);
    expect(liveSettings(deps).sla).toEqual({ ...settings.sla, firstReminderMs: 5 * min });
    expect(sweepThreads(db, liveSettings(deps), t0 + 6 * min)).toBe(1);
    // Without runtime settings (some tests), the environment's settings as they are.
    expect(liveSettings({ settings })).toBe(settings);
  });

  it("lays the opening hours in force over the environment's", () => {
    const reader = createSettingsReader(
      db,
      {
        confidenceThreshold: 0.6,
        models: { fast: "a", smart: "b" },
        businessHoursText: "Mon-Fri 09:00-17:00",
        slaMinutes: 15,
      },
      { modelChoices: ["a", "b"], utcOffsetMinutes: 420 },
    );
    const deps = { settings, runtimeSettings: reader };
    expect(liveSettings(deps)).toMatchObject({
      businessHours: { days: [1, 2, 3, 4, 5], openMinute: 540, utcOffsetMinutes: 420 },
      businessHoursText: "Mon-Fri 09:00-17:00",
    });
    writeSetting(db, "business.hours", "always", t0);
    expect(liveSettings(deps)).toMatchObject({ businessHours: null, businessHoursText: null });
  });
});
