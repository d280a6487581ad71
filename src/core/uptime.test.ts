import { describe, expect, it } from "vitest";
import { serviceUpSince } from "./uptime.ts";

describe("serviceUpSince", () => {
  it("is null when no runner is alive", () => {
    expect(serviceUpSince([])).toBeNull();
    expect(serviceUpSince([{ startedAt: 0, until: 50 }])).toBeNull();
  });

  it("is the start of the one live runner when nothing overlapped it", () => {
    // A restart of a single instance: the old life ended before the new one began.
    expect(
      serviceUpSince([
        { startedAt: 0, until: 100 },
        { startedAt: 150, until: null },
      ]),
    ).toBe(150);
  });

  it("follows a chain of overlapping lives back to its first start", () => {
    // A started at 0, B at 80 while A lived, A killed at 120, C at 110, B killed at 200.
    expect(
      serviceUpSince([
        { startedAt: 0, until: 120 },
        { startedAt: 80, until: 200 },
        { startedAt: 110, until: null },
      ]),
    ).toBe(0);
    // Whatever order the rows come in.
    expect(
      serviceUpSince([
        { startedAt: 110, until: null },
        { startedAt: 80, until: 200 },
        { startedAt: 0, until: 120 },
      ]),
    ).toBe(0);
  });

  it("stops at a moment with no runner alive", () => {
    expect(
      serviceUpSince([
        { startedAt: 0, until: 100 },
        { startedAt: 101, until: 300 },
        { startedAt: 250, until: null },
        { startedAt: -50, until: 10 },
      ]),
    ).toBe(101); // nobody was up between 100 and 101
    expect(
      serviceUpSince([
        { startedAt: 0, until: 100 },
        { startedAt: 150, until: 300 },
        { startedAt: 250, until: null },
      ]),
    ).toBe(150);
  });

  it("takes the earliest of several live runners", () => {
    expect(
      serviceUpSince([
        { startedAt: 40, until: null },
        { startedAt: 30, until: null },
      ]),
    ).toBe(30);
  });
});
