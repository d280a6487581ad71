import { describe, expect, it } from "vitest";
import { isWindowOpen, refreshWindow, SERVICE_WINDOW_MS, windowClosesAt } from "./window.ts";

const t0 = Date.UTC(2026, 10, 25, 8, 0, 0);

describe("service window", () => {
  it("closes 24 hours after the customer's message", () => {
    expect(windowClosesAt(t0)).toBe(t0 + SERVICE_WINDOW_MS);
  });

  it("opens on the first message and extends on later ones", () => {
    expect(refreshWindow(null, t0)).toBe(t0 + SERVICE_WINDOW_MS);
    expect(refreshWindow(t0 + SERVICE_WINDOW_MS, t0 + 1000)).toBe(t0 + 1000 + SERVICE_WINDOW_MS);
  });

  it("is not shortened by an older message arriving late", () => {
    expect(refreshWindow(t0 + SERVICE_WINDOW_MS, t0 - 60_000)).toBe(t0 + SERVICE_WINDOW_MS);
  });

  it("is open strictly before its end", () => {
    const end = windowClosesAt(t0);
    expect(isWindowOpen(end, end - 1)).toBe(true);
    expect(isWindowOpen(end, end)).toBe(false);
    expect(isWindowOpen(null, t0)).toBe(false);
  });
});
