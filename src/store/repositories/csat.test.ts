import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CsatScore } from "../../core/csat.ts";
import type { ConversationId } from "../../core/ids.ts";
import { openTestDatabase, type TestDatabase, testEngine } from "../testing.ts";
import { createSurvey, csatFigures, recordRating, surveyFor } from "./csat.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;
const cid = (n: number) => n as ConversationId;

/** A survey asked and, unless `rating` is null, answered at `ratedAt`. */
function seed(
  n: number,
  agent: [string, string] | null,
  rating: CsatScore | null,
  ratedAt = NOW,
): void {
  createSurvey(
    t.db,
    { conversationId: cid(n), agentUserId: agent?.[0] ?? null, agentName: agent?.[1] ?? null },
    ratedAt - 60_000,
  );
  if (rating !== null) recordRating(t.db, cid(n), rating, ratedAt);
}

describe("surveys", () => {
  it("asks once per conversation and keeps the first rating", () => {
    expect(surveyFor(t.db, cid(1))).toBeUndefined();
    expect(
      createSurvey(t.db, { conversationId: cid(1), agentUserId: "U1", agentName: "Sari" }, 5),
    ).toBe(true);
    expect(
      createSurvey(t.db, { conversationId: cid(1), agentUserId: "U2", agentName: "Budi" }, 6),
    ).toBe(false);
    expect(surveyFor(t.db, cid(1))).toEqual({
      conversationId: 1,
      agentUserId: "U1",
      agentName: "Sari",
      askedAt: 5,
      rating: null,
      ratedAt: null,
    });
    expect(recordRating(t.db, cid(1), 3, 10)).toBe(true);
    expect(recordRating(t.db, cid(1), 1, 11)).toBe(false);
    expect(surveyFor(t.db, cid(1))).toMatchObject({ rating: 3, ratedAt: 10 });
    // No survey, nothing to rate.
    expect(recordRating(t.db, cid(2), 3, 10)).toBe(false);
    expect(surveyFor(t.db, cid(2))).toBeUndefined();
  });
});

describe("csatFigures", () => {
  it("is empty on an empty database", () => {
    expect(csatFigures(t.db, 0)).toEqual({
      rated: 0,
      satisfied: null,
      average: null,
      perAgent: [],
    });
  });

  it("is empty when surveys were asked but nobody answered", () => {
    seed(1, ["U1", "Sari"], null);
    seed(2, ["U2", "Budi"], null);
    expect(csatFigures(t.db, 0)).toEqual({
      rated: 0,
      satisfied: null,
      average: null,
      perAgent: [],
    });
  });

  it("counts ratings since the given moment, overall and per agent", () => {
    // Sari: 3, 3, 2, 1 this week; Budi: 3, 3; unknown agent: 2. Older and unanswered ones do not count.
    seed(1, ["U1", "Sari"], 3, NOW - 1 * DAY);
    seed(2, ["U1", "Sari"], 3, NOW - 2 * DAY);
    seed(3, ["U1", "Sari"], 2, NOW - 3 * DAY);
    seed(4, ["U1", "Sari W."], 1, NOW - 0.5 * DAY);
    seed(5, ["U2", "Budi"], 3, NOW - 1 * DAY);
    seed(6, ["U2", "Budi"], 3, NOW - 6 * DAY);
    seed(7, null, 2, NOW - 1 * DAY);
    seed(8, ["U2", "Budi"], 1, NOW - 8 * DAY);
    seed(9, ["U3", "Tono"], null);
    const f = csatFigures(t.db, NOW - 7 * DAY);
    expect(f.rated).toBe(7);
    expect(f.satisfied).toBeCloseTo(4 / 7, 10);
    expect(f.average).toBeCloseTo((3 + 3 + 2 + 1 + 3 + 3 + 2) / 7, 10);
    expect(f.perAgent).toEqual([
      // The name the agent had at their newest rating.
      { agentUserId: "U1", agentName: "Sari W.", rated: 4, satisfied: 0.5 },
      { agentUserId: "U2", agentName: "Budi", rated: 2, satisfied: 1 },
      { agentUserId: null, agentName: null, rated: 1, satisfied: 0 },
    ]);

    // The boundary is inclusive; a later start leaves the older ratings out.
    const recent = csatFigures(t.db, NOW - 1 * DAY);
    expect(recent.rated).toBe(4);
    expect(recent.average).toBeCloseTo((3 + 1 + 3 + 2) / 4, 10);
    expect(recent.perAgent.map((a) => [a.agentUserId, a.rated])).toEqual([
      ["U1", 2],
      ["U2", 1],
      [null, 1],
    ]);
    expect(csatFigures(t.db, NOW + 1).rated).toBe(0);
  });

  it("orders agents with equal counts by id, the unknown agent last", () => {
    seed(1, ["U9", "Zed"], 3);
    seed(2, null, 3);
    seed(3, ["U1", "Ann"], 1);
    expect(csatFigures(t.db, 0).perAgent.map((a) => a.agentUserId)).toEqual(["U1", "U9", null]);
  });

  // EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its own statistics.
  it.skipIf(testEngine() === "postgres")(
    "reads the range from the rated index, not the whole table",
    () => {
      // The two queries of csatFigures, as written there.
      const plan = (sql: string) =>
        (t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0) as { detail: string }[])
          .map((r) => r.detail)
          .join(" | ");
      expect(
        plan(`SELECT count(*) AS rated, avg(rating) AS average, avg(rating = 3) AS satisfied
     FROM csat_surveys WHERE rated_at >= ? AND rating IS NOT NULL`),
      ).toContain("USING COVERING INDEX csat_surveys_rated_idx (rated_at>?)");
      const perAgent = plan(`SELECT g.agent_user_id AS agentUserId,
            (SELECT s.agent_name FROM csat_surveys s
             WHERE s.rated_at = g.newest AND s.agent_user_id IS g.agent_user_id
               AND s.rating IS NOT NULL LIMIT 1) AS agentName,
            g.rated AS rated, g.satisfied AS satisfied
     FROM (SELECT agent_user_id, max(rated_at) AS newest, count(*) AS rated,
                  avg(rating = 3) AS satisfied
           FROM csat_surveys WHERE rated_at >= ? AND rating IS NOT NULL
           GROUP BY agent_user_id) AS g
     ORDER BY g.rated DESC, g.agent_user_id IS NULL, g.agent_user_id`);
      expect(perAgent).toContain("USING COVERING INDEX csat_surveys_rated_idx (rated_at>?)");
      // The name: one index lookup per agent, at their newest rating.
      expect(perAgent).toContain(
        "SEARCH s USING INDEX csat_surveys_rated_idx (rated_at=? AND agent_user_id=?",
      );
    },
  );
});
