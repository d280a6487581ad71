import { describe, expect, it } from "vitest";
import {
  contactDue,
  DAY_MS,
  isInUse,
  jobRedaction,
  messageRedaction,
  parseContactQuery,
  REDACTED_PAYLOAD,
  REDACTED_TEXT,
  retentionCutoffs,
} from "./retention.ts";

const NOW = Date.UTC(2026, 5, 1);

describe("retentionCutoffs", () => {
  it("puts the cutoffs the configured number of days back, 0 = never", () => {
    expect(retentionCutoffs(NOW, { messageDays: 90, contactDays: 365 })).toEqual({
      redactBefore: NOW - 90 * DAY_MS,
      anonymiseInactiveBefore: NOW - 365 * DAY_MS,
    });
    expect(retentionCutoffs(NOW, { messageDays: 0, contactDays: 0 })).toEqual({
      redactBefore: null,
      anonymiseInactiveBefore: null,
    });
  });
});

describe("messageRedaction", () => {
  const cutoff = NOW - 90 * DAY_MS;
  const msg = (over: Partial<Parameters<typeof messageRedaction>[0]> = {}) => ({
    direction: "in",
    status: "handled",
    createdAt: cutoff - 1,
    text: "halo, nomor saya 0812",
    payload: '{"content":{}}',
    ...over,
  });

  it("redacts messages stored before the cutoff, once", () => {
    expect(messageRedaction(msg(), cutoff)).toBe("due");
    expect(messageRedaction(msg({ createdAt: cutoff }), cutoff)).toBe("kept");
    expect(messageRedaction(msg(), null)).toBe("kept");
    expect(messageRedaction(msg({ text: REDACTED_TEXT, payload: REDACTED_PAYLOAD }), cutoff)).toBe(
      "kept",
    );
    // An empty text with its payload still there is not redacted yet.
    expect(messageRedaction(msg({ text: "" }), cutoff)).toBe("due");
  });

  it("leaves messages still being worked on alone", () => {
    expect(messageRedaction(msg({ direction: "out", status: "queued" }), cutoff)).toBe("in_use");
    expect(messageRedaction(msg({ direction: "out", status: "sending" }), cutoff)).toBe("in_use");
    expect(messageRedaction(msg({ status: "received" }), cutoff)).toBe("in_use");
    for (const status of ["accepted", "sent", "delivered", "read", "failed"])
      expect(messageRedaction(msg({ direction: "out", status }), cutoff)).toBe("due");
    expect(messageRedaction(msg({ direction: "event", status: "event" }), cutoff)).toBe("due");
    expect(isInUse({ direction: "in", status: "group" })).toBe(false);
  });
});

describe("jobRedaction", () => {
  const cutoff = NOW - DAY_MS;
  it("removes finished jobs' payloads only", () => {
    const job = { state: "done", createdAt: cutoff - 1, hasPayload: true };
    expect(jobRedaction(job, cutoff)).toBe("due");
    expect(jobRedaction({ ...job, state: "dead" }, cutoff)).toBe("due");
    expect(jobRedaction({ ...job, state: "pending" }, cutoff)).toBe("in_use");
    expect(jobRedaction({ ...job, state: "running" }, cutoff)).toBe("in_use");
    expect(jobRedaction({ ...job, hasPayload: false }, cutoff)).toBe("kept");
    expect(jobRedaction({ ...job, createdAt: cutoff }, cutoff)).toBe("kept");
    expect(jobRedaction(job, null)).toBe("kept");
  });
});

describe("contactDue", () => {
  const cutoff = NOW - 365 * DAY_MS;
  const contact = { waId: "6281234567890", userId: null, profileName: "Budi", lastActivityAt: 0 };
  it("anonymises contacts inactive since before the cutoff, once", () => {
    expect(contactDue({ ...contact, lastActivityAt: cutoff - 1 }, cutoff)).toBe(true);
    expect(contactDue({ ...contact, lastActivityAt: cutoff }, cutoff)).toBe(false);
    expect(contactDue(contact, null)).toBe(false);
    expect(
      contactDue({ waId: null, userId: null, profileName: null, lastActivityAt: 0 }, cutoff),
    ).toBe(false);
    expect(contactDue({ ...contact, waId: null, userId: "US.1" }, cutoff)).toBe(true);
  });
});

describe("parseContactQuery", () => {
  it("reads phone numbers in any usual formatting", () => {
    for (const input of ["+62 812-3456-7890", "6281234567890", " +62 (812) 3456.7890 "])
      expect(parseContactQuery(input)?.phone).toBe("6281234567890");
  });

  it("reads a plain number as a contact id too, and id:<n> as a contact id only", () => {
    expect(parseContactQuery("12")).toEqual({ phone: null, contactId: 12, userId: "12" });
    expect(parseContactQuery("id:12")).toEqual({ phone: null, contactId: 12, userId: null });
    expect(parseContactQuery("+6281234567890")?.contactId).toBeNull();
  });

  it("keeps anything else as a business-scoped user id", () => {
    expect(parseContactQuery("US.13491208655302741918")).toEqual({
      phone: null,
      contactId: null,
      userId: "US.13491208655302741918",
    });
    expect(parseContactQuery("   ")).toBeNull();
  });
});
