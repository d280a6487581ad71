import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { clearAlert, raiseAlert } from "./alerts.ts";

// The alert shell on a real SQLite file with the real migrations and a controlled clock.
let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const settings = { channel: "C0ALERTS", cooldownMs: 30 * 60_000 };
const posted = () =>
  (
    t.db.$client
      .prepare("SELECT payload FROM jobs WHERE kind = 'slack.announce' ORDER BY id")
      .all() as {
      payload: string;
    }[]
  ).map((r) => JSON.parse(r.payload) as { channel: string; text: string });

describe("raiseAlert / clearAlert", () => {
  it("posts once, repeats after the cool-down, recovers once", () => {
    const MIN = 60_000;
    raiseAlert(t.db, settings, "whatsapp.account", "token expired (190)", 0);
    raiseAlert(t.db, settings, "whatsapp.account", "token expired (190)", 5 * MIN);
    expect(posted()).toEqual([{ channel: "C0ALERTS", text: "🚨 token expired (190)" }]);
    raiseAlert(t.db, settings, "whatsapp.account", "token expired (190)", 31 * MIN);
    expect(posted().at(-1)!.text).toMatch(
      /^🚨 Still happening \(3 times since 1970-01-01T00:00:00.000Z\)/,
    );
    clearAlert(t.db, settings, "whatsapp.account", "WhatsApp accepts sends again", 40 * MIN);
    clearAlert(t.db, settings, "whatsapp.account", "WhatsApp accepts sends again", 41 * MIN);
    expect(posted().map((p) => p.text)).toHaveLength(3);
    expect(posted().at(-1)!.text).toBe("✅ Recovered: WhatsApp accepts sends again");
    // Keys are separate.
    raiseAlert(t.db, settings, "dead:send", "a send job died", 42 * MIN);
    expect(posted()).toHaveLength(4);
  });

  it("clearing what was never raised writes nothing", () => {
    clearAlert(t.db, settings, "slack.config", "ok", 1);
    expect(posted()).toEqual([]);
    expect(t.db.$client.prepare("SELECT count(*) n FROM alerts").get()).toEqual({ n: 0 });
  });
});
