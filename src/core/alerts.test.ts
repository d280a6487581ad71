import { describe, expect, it } from "vitest";
import { alertProblem, alertRecovered, QUIET } from "./alerts.ts";

const MIN = 60_000;

describe("alerts: cool-down and recovery on a controlled clock", () => {
  it("posts the first problem, then at most one reminder per cool-down, then the all-clear once", () => {
    let s = QUIET;
    const posts: (string | null)[] = [];
    const problem = (t: number) => {
      const r = alertProblem(s, t, 30 * MIN);
      s = r.next;
      posts.push(r.post);
    };
    problem(0); // raised
    problem(1 * MIN); // within the cool-down: quiet
    problem(29 * MIN); // still quiet
    problem(30 * MIN); // a reminder
    problem(31 * MIN); // quiet again
    expect(posts).toEqual(["raised", null, null, "ongoing", null]);
    expect(s).toEqual({ active: true, raisedAt: 0, lastSentAt: 30 * MIN, occurrences: 5 });

    const recovered = alertRecovered(s);
    expect(recovered.post).toBe("recovered");
    s = recovered.next;
    expect(alertRecovered(s).post).toBeNull(); // only once
    expect(alertProblem(s, 32 * MIN, 30 * MIN).post).toBe("raised"); // a new episode
  });

  it("a recovery with nothing raised says nothing", () => {
    expect(alertRecovered(QUIET)).toEqual({ post: null, next: QUIET });
  });
});
