import { describe, expect, it } from "vitest";
import { type OutboundStatus, statusAdvances } from "./status.ts";

describe("statusAdvances", () => {
  it("moves forward through sent, delivered, read", () => {
    expect(statusAdvances("sending", "sent")).toBe(true);
    expect(statusAdvances("sending", "accepted")).toBe(true);
    expect(statusAdvances("accepted", "sent")).toBe(true);
    expect(statusAdvances("sent", "delivered")).toBe(true);
    expect(statusAdvances("delivered", "read")).toBe(true);
    expect(statusAdvances("read", "played")).toBe(true);
  });

  it("accepts a read that skips delivered", () => {
    expect(statusAdvances("sent", "read")).toBe(true);
  });

  it("never moves backwards or repeats", () => {
    expect(statusAdvances("read", "delivered")).toBe(false);
    expect(statusAdvances("delivered", "sent")).toBe(false);
    expect(statusAdvances("delivered", "delivered")).toBe(false);
  });

  it("lets failed replace any non-final status and keeps it final", () => {
    for (const s of ["queued", "sending", "sent", "delivered", "read"] as OutboundStatus[]) {
      expect(statusAdvances(s, "failed")).toBe(true);
    }
    for (const s of ["sent", "delivered", "read", "failed"] as OutboundStatus[]) {
      expect(statusAdvances("failed", s)).toBe(false);
    }
  });
});
