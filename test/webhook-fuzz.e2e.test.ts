import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { expandMarkers, type Mutation, mutate } from "./helpers/mutate.ts";

// Every correctly signed body, however broken, gets an answer below 500: mutated real
// deliveries (fields deleted, replaced, retyped, nested deeper, made huge) are posted to the
// real endpoint of one service.
const DIR = "test/fixtures/real/whatsapp";
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as unknown);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant("replace" as const),
    pick: fc.nat(),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(null, "", 0, -1, 1e308, true, [], {}, [null], "wamid.x", "9999999999999"),
    ),
  }),
  fc.record({ kind: fc.constant("deepen" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("huge" as const), pick: fc.nat() }),
);

let h: Harness;
/** Error-level log lines (WhatsApp's own reported errors aside), shown when a run fails. */
const errors: string[] = [];
beforeAll(async () => {
  const sink = {
    write(line: string) {
      if (/"level":(50|60)/.test(line) && !line.includes("reported a system error")) {
        errors.push(line);
      }
    },
  };
  h = await startHarness({ JOB_BURST_MS: "60000" }, {}, createLogger("error", sink));
});
afterAll(async () => h.close());

it("no mutated, correctly signed WhatsApp delivery gets a 5xx", { timeout: 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: fixtures.length - 1 }),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 60, max: 30_000 }),
      fc.integer({ min: 1_000, max: 1_000_000 }),
      async (which, mutations, depth, hugeLength) => {
        const body = structuredClone(fixtures[which]);
        for (const m of mutations) mutate(body, m);
        const raw = expandMarkers(JSON.stringify(body), depth, hugeLength);
        const before = errors.length;
        const res = await h.meta.send(null, { rawBody: raw });
        const logged = errors.slice(before).join("\n");
        expect(res.status, `${res.body} ${logged}`).toBeLessThan(500);
      },
    ),
    { numRuns: 300 },
  );
});
