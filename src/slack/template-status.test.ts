import { describe, expect, it } from "vitest";
import { templateStatusText } from "./template-status.ts";

const base = { templateId: "1", name: "promo", language: "id", category: "MARKETING", at: null };

describe("templateStatusText", () => {
  it("says what each review result means for the team", () => {
    expect(templateStatusText({ ...base, event: "APPROVED", reason: "NONE" })).toBe(
      "✅ WhatsApp template `promo` (id) is now *APPROVED*. It can be sent from *Send template*.",
    );
    expect(
      templateStatusText({ ...base, event: "REJECTED", reason: "INVALID_FORMAT <!channel>" }),
    ).toBe(
      "❌ WhatsApp template `promo` (id) is now *REJECTED*: INVALID_FORMAT &lt;!channel&gt;. Fix it and submit a new one with `/jembatan template new`.",
    );
    expect(templateStatusText({ ...base, event: "PAUSED", reason: null })).toContain(
      "Sends of it fail",
    );
    expect(templateStatusText({ ...base, event: "FLAGGED", reason: null })).toBe(
      "📋 WhatsApp template `promo` (id) is now *FLAGGED*.",
    );
  });

  it("stays short whatever the webhook carries", () => {
    const text = templateStatusText({
      ...base,
      name: "x".repeat(100_000),
      event: "REJECTED",
      reason: "y".repeat(100_000),
    });
    expect(text.length).toBeLessThan(700);
  });
});
