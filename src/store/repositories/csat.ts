import type { CsatScore } from "../../core/csat.ts";
import type { ConversationId } from "../../core/ids.ts";
import type { Db } from "../db.ts";
import { prepared } from "../prepared.ts";

/** A conversation's satisfaction survey (table `csat_surveys`). */
export interface CsatSurvey {
  conversationId: ConversationId;
  agentUserId: string | null;
  agentName: string | null;
  askedAt: number;
  rating: CsatScore | null;
  ratedAt: number | null;
}

/** The conversation's survey, if it was asked. */
export function surveyFor(db: Db, conversationId: ConversationId): CsatSurvey | undefined {
  return prepared(
    db,
    `SELECT conversation_id AS conversationId, agent_user_id AS agentUserId,
            agent_name AS agentName, asked_at AS askedAt, rating, rated_at AS ratedAt
     FROM csat_surveys WHERE conversation_id = ?`,
  ).get(conversationId) as CsatSurvey | undefined;
}

/**
 * Records that the survey was asked, crediting the agent who handled the conversation. Returns
 * false when the conversation was surveyed before (the primary key: one question per
 * conversation, whatever races).
 */
export function createSurvey(
  db: Db,
  s: { conversationId: ConversationId; agentUserId: string | null; agentName: string | null },
  now: number,
): boolean {
  return (
    prepared(
      db,
      `INSERT INTO csat_surveys (conversation_id, agent_user_id, agent_name, asked_at)
       VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(s.conversationId, s.agentUserId, s.agentName, now).changes === 1
  );
}

/**
 * Stores the customer's rating unless one is stored already (first tap wins: a compare-and-set,
 * so two taps in one batch cannot both count). Returns whether this call stored it.
 */
export function recordRating(
  db: Db,
  conversationId: ConversationId,
  score: CsatScore,
  at: number,
): boolean {
  return (
    prepared(
      db,
      `UPDATE csat_surveys SET rating = ?, rated_at = ?
       WHERE conversation_id = ? AND rating IS NULL`,
    ).run(score, at, conversationId).changes === 1
  );
}

/** CSAT since a moment, overall and per agent, for the Home tab. */
export interface CsatFigures {
  /** Ratings received since `since`. */
  rated: number;
  /** Share (0..1) of ratings that were 3 (good); null when none. */
  satisfied: number | null;
  /** Mean score 1..3; null when none. */
  average: number | null;
  /** Per agent, most ratings first. */
  perAgent: {
    agentUserId: string | null;
    agentName: string | null;
    rated: number;
    satisfied: number | null;
  }[];
}

/**
 * Ratings received at or after `since` (Unix ms), overall and per agent (most ratings first,
 * then by agent id). Both queries read only the rated rows of the range from
 * `csat_surveys_rated_idx`; the per-agent one then looks up each agent's name at their newest
 * rating through the same index.
 */
export function csatFigures(db: Db, since: number): CsatFigures {
  const overall = prepared(
    db,
    `SELECT count(*) AS rated, avg(rating) AS average, avg(rating = 3) AS satisfied
     FROM csat_surveys WHERE rated_at >= ? AND rating IS NOT NULL`,
  ).get(since) as { rated: number; average: number | null; satisfied: number | null };
  // The name is the one the agent had at their newest rating, looked up at that moment.
  const perAgent = prepared(
    db,
    `SELECT g.agent_user_id AS agentUserId,
            (SELECT s.agent_name FROM csat_surveys s
             WHERE s.rated_at = g.newest AND s.agent_user_id IS g.agent_user_id
               AND s.rating IS NOT NULL LIMIT 1) AS agentName,
            g.rated AS rated, g.satisfied AS satisfied
     FROM (SELECT agent_user_id, max(rated_at) AS newest, count(*) AS rated,
                  avg(rating = 3) AS satisfied
           FROM csat_surveys WHERE rated_at >= ? AND rating IS NOT NULL
           GROUP BY agent_user_id) AS g
     ORDER BY g.rated DESC, g.agent_user_id IS NULL, g.agent_user_id`,
  ).all(since) as {
    agentUserId: string | null;
    agentName: string | null;
    rated: number;
    satisfied: number | null;
  }[];
  return {
    rated: overall.rated,
    satisfied: overall.rated === 0 ? null : overall.satisfied,
    average: overall.rated === 0 ? null : overall.average,
    perAgent: perAgent.map(({ agentUserId, agentName, rated, satisfied }) => ({
      agentUserId,
      agentName,
      rated,
      satisfied,
    })),
  };
}
