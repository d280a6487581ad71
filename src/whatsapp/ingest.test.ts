import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InboundMessage } from "../core/inbound.ts";
import { SERVICE_WINDOW_MS } from "../core/window.ts";
import { openTestDatabase, type TestDatabase } from "../store/testing.ts";
import { ingestDelivery } from "./ingest.ts";
import type { NormalizedDelivery } from "./webhook/types.ts";

let t: TestDatabase;
beforeEach(() => {
  t = openTestDatabase();
});
afterEach(() => t.cleanup());

const opts = { burstMs: 1500, maxAttempts: 8 };
let n = 0;

function from(
  sender: { waId?: string; userId?: string; name?: string },
  sentAt = Date.now(),
): NormalizedDelivery {
  n++;
  const msg: InboundMessage = {
    waMessageId: `wamid.t${n}` as InboundMessage["waMessageId"],
    sentAt,
    sender: {
      waId: (sender.waId ?? null) as never,
      userId: (sender.userId ?? null) as never,
      profileName: sender.name ?? null,
    },
    phoneNumberId: "PN",
    context: null,
    referral: null,
    groupId: null,
    content: { kind: "text", body: `m${n}` },
    text: `m${n}`,
    raw: {},
  };
  return {
    messages: [msg],
    events: [],
    statuses: [],
    templates: [],
    errors: [],
    ignoredFields: [],
  };
}

const all = (sql: string) => t.db.$client.prepare(sql).all();

describe("ingestDelivery for a returning customer", () => {
  it("keeps one conversation and moves the window to the newest message", () => {
    const t0 = Date.now() - 3600_000;
    ingestDelivery(t.db, from({ waId: "628", name: "Rina" }, t0), opts);
    ingestDelivery(t.db, from({ waId: "628", name: "Rina" }, t0 + 60_000), opts);
    expect(all("select count(*) n from conversations")).toEqual([{ n: 1 }]);
    expect(all("select window_ends_at w from conversations")).toEqual([
      { w: t0 + 60_000 + SERVICE_WINDOW_MS },
    ]);
    expect(all("select count(*) n from jobs where kind = 'turn'")).toEqual([{ n: 1 }]);
  });

  it("records a new profile name and a newly learnt business-scoped id", () => {
    ingestDelivery(t.db, from({ waId: "628", name: "Rina" }), opts);
    ingestDelivery(t.db, from({ waId: "628", name: "Rina S." }), opts);
    ingestDelivery(t.db, from({ waId: "628", userId: "ID.77", name: "Rina S." }), opts);
    expect(all("select wa_id, user_id, profile_name from contacts")).toEqual([
      { wa_id: "628", user_id: "ID.77", profile_name: "Rina S." },
    ]);
  });

  it("opens a fresh conversation after a closed one, linking back", () => {
    ingestDelivery(t.db, from({ waId: "628" }), opts);
    t.db.$client.exec("update conversations set state = 'closed'");
    ingestDelivery(t.db, from({ waId: "628" }), opts);
    expect(
      all("select id, state, previous_conversation_id p from conversations order by id"),
    ).toEqual([
      { id: 1, state: "closed", p: null },
      { id: 2, state: "bot", p: 1 },
    ]);
  });

  it("skips a message whose sender has no id at all", () => {
    expect(ingestDelivery(t.db, from({}), opts).skipped).toBe(1);
    expect(all("select count(*) n from messages")).toEqual([{ n: 0 }]);
  });
});
