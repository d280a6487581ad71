import { describe, expect, it } from "vitest";
import {
  DEDUPE_KEY_MIN_KEEP_MS,
  jobDue,
  pruningCutoffs,
  STATUS_EVENT_MIN_KEEP_MS,
  statusEventDue,
} from "./pruning-rule.ts";

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 5, 1);
const DEFAULTS = { jobDoneHours: 72, statusEventDays: 30, unknownOutcomeWaitMs: 45_000 };

describe("pruningCutoffs", () => {
  it("keeps finished jobs 72 hours and status events 30 days by default", () => {
    expect(pruningCutoffs(NOW, DEFAULTS)).toEqual({
      jobsDoneBefore: NOW - 72 * HOUR,
      statusEventsBefore: NOW - 30 * DAY,
    });
  });

  it("never goes under the floors that keep dedupe keys and status deduplication working", () => {
    const c = pruningCutoffs(NOW, { jobDoneHours: 0, statusEventDays: 0, unknownOutcomeWaitMs: 0 });
    expect(c.jobsDoneBefore).toBe(NOW - DEDUPE_KEY_MIN_KEEP_MS);
    expect(c.statusEventsBefore).toBe(NOW - STATUS_EVENT_MIN_KEEP_MS);
  });

  it("keeps status events for at least twice the unknown-outcome wait", () => {
    const wait = 10 * DAY;
    expect(
      pruningCutoffs(NOW, { ...DEFAULTS, statusEventDays: 7, unknownOutcomeWaitMs: wait })
        .statusEventsBefore,
    ).toBe(NOW - 2 * wait);
  });
});

describe("jobDue", () => {
  const cutoffs = pruningCutoffs(NOW, DEFAULTS);
  it("deletes only done jobs finished before the cutoff", () => {
    expect(jobDue({ state: "done", finishedAt: NOW - 73 * HOUR }, cutoffs)).toBe(true);
    expect(jobDue({ state: "done", finishedAt: NOW - 72 * HOUR }, cutoffs)).toBe(false);
    expect(jobDue({ state: "done", finishedAt: null }, cutoffs)).toBe(false);
    for (const state of ["dead", "pending", "running"]) {
      expect(jobDue({ state, finishedAt: NOW - 100 * DAY }, cutoffs)).toBe(false);
    }
  });
});

describe("statusEventDue", () => {
  const cutoffs = pruningCutoffs(NOW, DEFAULTS);
  const old = NOW - 31 * DAY;
  it("deletes old events unless they prove a send still undecided", () => {
    expect(statusEventDue({ createdAt: old, messageStatus: null }, cutoffs)).toBe(true);
    expect(statusEventDue({ createdAt: old, messageStatus: "read" }, cutoffs)).toBe(true);
    expect(statusEventDue({ createdAt: old, messageStatus: "sending" }, cutoffs)).toBe(false);
    expect(statusEventDue({ createdAt: old, messageStatus: "queued" }, cutoffs)).toBe(false);
    expect(statusEventDue({ createdAt: NOW - 29 * DAY, messageStatus: null }, cutoffs)).toBe(false);
  });
});
