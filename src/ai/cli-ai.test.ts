import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ContactId } from "../core/ids.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { formatUtcOffset, runAiCommand } from "./cli-ai.ts";
import { checkGuards, tokensUsedToday } from "./guards.ts";
import { getAiSwitch } from "./kill-switch.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

describe("npm run ai", () => {
  it("flips the kill switch that the service reads per turn, and reports status", () => {
    const out: string[] = [];
    expect(getAiSwitch(t.db)).toBe("on");
    expect(runAiCommand(["off"], t.path, (l) => out.push(l))).toBe(0);
    expect(getAiSwitch(t.db)).toBe("off");
    expect(runAiCommand(["status"], t.path, (l) => out.push(l))).toBe(0);
    expect(out).toContain("AI: off");
    expect(out.some((l) => l.startsWith("answer cache:"))).toBe(true);
    expect(runAiCommand(["on"], t.path, (l) => out.push(l))).toBe(0);
    expect(getAiSwitch(t.db)).toBe("on");
  });

  it("prints usage for anything else", () => {
    const out: string[] = [];
    expect(runAiCommand(["maybe"], t.path, (l) => out.push(l))).toBe(2);
    expect(out[0]).toMatch(/^usage:/);
  });
});

describe("npm run ai -- status: today is the business day", () => {
  const at = (iso: string) => Date.parse(iso);
  const run = (sql: string, ...params: unknown[]) =>
    Number(t.db.$client.prepare(sql).run(...params).lastInsertRowid);
  const call = (tokens: number, usd: number, createdAt: number) =>
    run(
      `INSERT INTO ai_calls (purpose, tier, model, outcome, input_tokens, cost_usd, created_at)
       VALUES ('answer', 'fast', 'm', 'ok', ?, ?, ?)`,
      tokens,
      usd,
      createdAt,
    );
  const handoff = (reason: string, handoffAt: number) => {
    const contact = run("INSERT INTO contacts (wa_id) VALUES (?)", `62${handoffAt}${reason}`);
    run(
      "INSERT INTO conversations (contact_id, state, handoff_reason, handoff_at) VALUES (?, 'escalated', ?, ?)",
      contact,
      reason,
      handoffAt,
    );
  };
  const status = (utcOffsetMinutes: number | undefined, now: number) => {
    const out: string[] = [];
    const code = runAiCommand(["status"], t.path, (l) => out.push(l), {
      ...(utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes }),
      now: () => now,
    });
    expect(code).toBe(0);
    return out;
  };

  // 20:00 UTC on 10 March is 03:00 on 11 March in Jakarta (+07:00), whose day began at 17:00
  // UTC: what happened at 16:30 UTC was "yesterday" there, though "today" in UTC.
  const now = at("2026-03-10T20:00:00Z");
  const seed = () => {
    call(1000, 1, at("2026-03-10T16:30:00Z"));
    call(200, 0.5, at("2026-03-10T17:30:00Z"));
    handoff("customer_request", at("2026-03-10T16:30:00Z"));
    handoff("low_confidence", at("2026-03-10T18:00:00Z"));
  };

  it("counts calls, cost and handoffs from the business's midnight, and says which", () => {
    seed();
    const out = status(420, now);
    expect(out).toContain(
      "today (since 00:00 UTC+07:00): 1 model calls for 0 turns (0 per turn), 0 failed, 200 tokens, US$0.5000",
    );
    expect(out).toContain("handoffs today: low_confidence 1");
  });

  it("is the UTC day with offset zero (or none given)", () => {
    seed();
    for (const offset of [0, undefined]) {
      const out = status(offset, now);
      expect(out).toContain(
        "today (since 00:00 UTC+00:00): 2 model calls for 0 turns (0 per turn), 0 failed, 1200 tokens, US$1.5000",
      );
      expect(out.find((l) => l.startsWith("handoffs today:"))).toMatch(
        /customer_request 1.*low_confidence 1|low_confidence 1.*customer_request 1/,
      );
    }
  });

  it("agrees with the daily token budget, which uses the same day", () => {
    seed();
    expect(tokensUsedToday(t.db, now, 420)).toBe(200);
    expect(tokensUsedToday(t.db, now, 0)).toBe(1200);
    expect(tokensUsedToday(t.db, now)).toBe(1200);
    const contact = run("INSERT INTO contacts (wa_id) VALUES ('62999')");
    const limits = { ratePerMinute: 100, dailyTokenBudget: 1000 };
    // Over the budget in UTC terms, well under it in the business's day.
    expect(checkGuards(t.db, contact as ContactId, { ...limits, utcOffsetMinutes: 0 }, now)).toBe(
      "token_budget",
    );
    expect(checkGuards(t.db, contact as ContactId, { ...limits, utcOffsetMinutes: 420 }, now)).toBe(
      null,
    );
  });

  it("spells offsets as BUSINESS_UTC_OFFSET does", () => {
    expect(formatUtcOffset(420)).toBe("+07:00");
    expect(formatUtcOffset(0)).toBe("+00:00");
    expect(formatUtcOffset(-150)).toBe("-02:30");
    expect(formatUtcOffset(345)).toBe("+05:45");
  });
});
