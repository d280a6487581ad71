import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { templateStatusHandler, templateStatusText } from "./template-status.ts";

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

describe("template status alerts (real database, controlled clock)", () => {
  let t: TestDatabase;
  beforeEach(() => {
    t = openTestDatabase();
  });
  afterEach(() => t.cleanup());
  const MIN = 60_000;
  const handle = templateStatusHandler({ channel: "C0ALERTS", cooldownMs: 30 * MIN });
  const posts = () =>
    (
      t.db.$client
        .prepare("SELECT payload FROM jobs WHERE kind = 'slack.announce' ORDER BY id")
        .all() as { payload: string }[]
    ).map((r) => JSON.parse(r.payload) as { channel?: string; text: string });
  const alerts = () => posts().filter((p) => p.channel === "C0ALERTS");
  const update = (event: string, at: number, name = "promo") => ({
    ...base,
    name,
    event,
    reason: event === "REJECTED" ? "INVALID_FORMAT" : null,
    at,
  });

  it("rejected, paused or disabled raises an alert per template; approved again recovers it", () => {
    handle(t.db, update("REJECTED", 1), 0);
    handle(t.db, update("PAUSED", 2, "other"), 1);
    // The announcements for the team are still queued (escalation channel: no channel set).
    expect(posts().filter((p) => p.channel === undefined)).toHaveLength(2);
    expect(alerts().map((p) => p.text)).toEqual([
      "🚨 WhatsApp template `promo` (id) is REJECTED: INVALID_FORMAT. Sends of it fail until it is approved again.",
      "🚨 WhatsApp template `other` (id) is PAUSED. Sends of it fail until it is approved again.",
    ]);
    // A redelivered or repeated problem within the cool-down: nothing more.
    handle(t.db, update("DISABLED", 3), 5 * MIN);
    expect(alerts()).toHaveLength(2);
    handle(t.db, update("APPROVED", 4), 6 * MIN);
    handle(t.db, update("APPROVED", 5), 7 * MIN);
    expect(alerts().map((p) => p.text)).toHaveLength(3);
    expect(alerts().at(-1)!.text).toBe(
      "✅ Recovered: WhatsApp template `promo` (id) is approved again.",
    );
    // PENDING and other events change no alert; "other" is still raised.
    handle(t.db, update("PENDING", 6, "other"), 8 * MIN);
    expect(alerts()).toHaveLength(3);
    expect(t.db.$client.prepare("SELECT key, active FROM alerts ORDER BY key").all()).toEqual([
      { key: "template:other:id", active: 1 },
      { key: "template:promo:id", active: 0 },
    ]);
  });

  it("an approval of a template never raised posts nothing", () => {
    handle(t.db, update("APPROVED", 1), 0);
    expect(alerts()).toEqual([]);
  });

  it("a hostile name cannot break the line or the key", () => {
    handle(t.db, { ...update("REJECTED", 1, `${"x".repeat(100_000)}<!channel>`) }, 0);
    const [alert] = alerts();
    expect(alert!.text.length).toBeLessThan(600);
    expect(alert!.text).not.toContain("<!channel>");
    const [row] = t.db.$client.prepare("SELECT length(key) n FROM alerts").all() as { n: number }[];
    expect(row!.n).toBeLessThanOrEqual(600);
  });
});
