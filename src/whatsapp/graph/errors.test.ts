import { describe, expect, it } from "vitest";
import { classifyGraphError, GraphApiError, type GraphErrorKind } from "./errors.ts";

const templateCodes = Array.from({ length: 17 }, (_, i) => 132000 + i);

const byCode: [number, GraphErrorKind][] = [
  [130429, "rate_limited"],
  [131056, "rate_limited"],
  [131047, "window_closed"],
  [1, "retryable"],
  [2, "retryable"],
  [131000, "retryable"],
  [131016, "retryable"],
  [133004, "retryable"],
  [131057, "retryable"],
  [4, "retryable"],
  [80007, "retryable"],
  [190, "auth"],
  [368, "operator"],
  [131031, "operator"],
  [130497, "operator"],
  [131026, "permanent"],
  [131048, "permanent"],
  [131049, "permanent"],
  [131050, "permanent"],
  [131051, "permanent"],
  [131052, "permanent"],
  [131053, "permanent"],
  [100, "permanent"],
  [131008, "permanent"],
  [131009, "permanent"],
  ...templateCodes.map((code): [number, GraphErrorKind] => [code, "permanent"]),
];

describe("classifyGraphError", () => {
  it.each(byCode)("code %i is %s whatever the HTTP status", (code, kind) => {
    expect(classifyGraphError(code, 400)).toBe(kind);
    expect(classifyGraphError(code, 500)).toBe(kind);
    expect(classifyGraphError(code, null)).toBe(kind);
  });

  it.each([
    [null, 500, "retryable"],
    [null, 503, "retryable"],
    [999999, 502, "retryable"],
    [null, 400, "permanent"],
    [null, 404, "permanent"],
    [999999, 400, "permanent"],
    [132017, 400, "permanent"],
    [131999, 403, "permanent"],
    [null, 429, "rate_limited"],
    [null, null, "retryable"],
    [999999, null, "permanent"],
  ] as const)("code %s with HTTP %s is %s", (code, status, kind) => {
    expect(classifyGraphError(code, status)).toBe(kind);
  });

  it("classifies by code before HTTP status", () => {
    expect(classifyGraphError(131047, 500)).toBe("window_closed");
    expect(classifyGraphError(131000, 400)).toBe("retryable");
  });
});

describe("GraphApiError", () => {
  it("derives its kind from code and status and exposes every field", () => {
    const err = new GraphApiError("boom", {
      code: 130429,
      subcode: 2494055,
      httpStatus: 400,
      details: "slow down",
      fbtraceId: "Atrace",
      retryAfterMs: 3000,
    });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("GraphApiError");
    expect(err.message).toBe("boom");
    expect(err).toMatchObject({
      kind: "rate_limited",
      code: 130429,
      subcode: 2494055,
      httpStatus: 400,
      details: "slow down",
      fbtraceId: "Atrace",
      retryAfterMs: 3000,
      retryable: true,
    });
  });

  it.each([
    ["retryable", true],
    ["rate_limited", true],
    ["window_closed", false],
    ["permanent", false],
    ["auth", false],
    ["operator", false],
  ] as const)("kind %s has retryable=%s", (kind, retryable) => {
    expect(new GraphApiError("x", { kind, code: null, httpStatus: null }).retryable).toBe(
      retryable,
    );
  });

  it("lets an explicit kind override the classification and defaults optional fields to null", () => {
    const err = new GraphApiError("x", { kind: "permanent", code: null, httpStatus: 200 });
    expect(err.kind).toBe("permanent");
    expect([err.subcode, err.details, err.fbtraceId, err.retryAfterMs]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});
