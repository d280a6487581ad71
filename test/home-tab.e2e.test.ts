import { afterEach, describe, expect, it } from "vitest";
import { appHomeOpened, blockActionsPayload } from "../src/emulators/slack-requests.ts";
import { AI_TOGGLE_ACTION, HOME_ACTIONS } from "../src/slack/blocks/index.ts";
import { encodeHomeState } from "../src/slack/home/state.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { AGENT, slackFlow } from "./helpers/slack.ts";

// The Home tab as a workspace, through real Slack payloads (signed, through Bolt): opening it,
// its range / refresh / filter / paging actions carrying their state in their values, the AI
// switch redrawing it in the state it showed, and foreign values falling back to the defaults.

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const OTHER = "U0OTHER";

describe("Home tab", () => {
  it("opens, follows its own buttons and select, and falls back on foreign values", async () => {
    h = await startHarness();
    h.slack.addUser(OTHER, { name: "other" });
    const f = slackFlow(h);
    const view = (user: string) => JSON.stringify(h!.slack.views.get(user)?.blocks ?? []);
    const publishes = () => h!.slack.calls.filter((c) => c.method === "views.publish").length;
    const click = async (spec: Parameters<typeof blockActionsPayload>[0]) => {
      const before = publishes();
      expect((await f.request(blockActionsPayload(spec))).status).toBe(200);
      await h!.slack.waitFor(() => publishes() > before, 5000);
    };

    // A new install: the explanation, not a wall of zeros.
    expect((await f.event(appHomeOpened(AGENT))).status).toBe(200);
    await h.slack.waitFor(() => h!.slack.views.has(AGENT), 5000);
    expect(view(AGENT)).toContain("No conversations yet");

    // A handoff: the queue lists it as waiting for a first reply.
    await f.handoff();
    await click({
      actionId: HOME_ACTIONS.refresh,
      value: encodeHomeState({ range: "today", filter: "all", page: 0 }),
      user: AGENT,
      view: { id: "V1" },
    });
    expect(view(AGENT)).toContain("Queue: 1 open");
    expect(view(AGENT)).toContain("*⏳ Waiting for a first reply* (1)");
    expect(view(AGENT)).toContain("Figures: today");

    // The 30-day button: the figures of 30 days, the state kept in the refresh button.
    const thirty = encodeHomeState({ range: "30d", filter: "all", page: 0 });
    await click({
      actionId: HOME_ACTIONS.range30d,
      value: thirty,
      user: AGENT,
      view: { id: "V1" },
    });
    expect(view(AGENT)).toContain("Figures: last 30 days");

    // The AI switch redraws the tab in the state it showed (read from its refresh button).
    await click({
      actionId: AI_TOGGLE_ACTION,
      value: "off",
      user: AGENT,
      view: { id: "V1", blocks: h.slack.views.get(AGENT)!.blocks },
    });
    expect(view(AGENT)).toContain("AI replies are off");
    expect(view(AGENT)).toContain("Figures: last 30 days");

    // The filter select: "mine" is empty for an agent who owns nothing.
    await click({
      actionId: HOME_ACTIONS.filter,
      selectedOption: { value: encodeHomeState({ range: "today", filter: "mine", page: 0 }) },
      user: AGENT,
      view: { id: "V1" },
    });
    expect(view(AGENT)).toContain("Nothing open matches this filter");

    // A foreign or forged value: the default view (today, all, first page), no error.
    await click({
      actionId: HOME_ACTIONS.next,
      value: '{"r":"1y","f":"<!channel>","p":-4}',
      user: AGENT,
      view: { id: "V1" },
    });
    expect(view(AGENT)).toContain("Figures: today");
    expect(view(AGENT)).toContain("Queue: 1 open");
    await click({
      actionId: HOME_ACTIONS.refresh,
      value: "not json",
      user: AGENT,
      view: { id: "V1" },
    });
    expect(view(AGENT)).toContain("Figures: today");

    // An agent (not a manager): the queue and their own figures, no switch, no settings.
    await click({
      actionId: HOME_ACTIONS.rangeToday,
      value: encodeHomeState({ range: "today", filter: "all", page: 0 }),
      user: OTHER,
      view: { id: "V2" },
    });
    expect(view(OTHER)).toContain("Queue: 1 open");
    expect(view(OTHER)).toContain("Your figures: today");
    expect(view(OTHER)).not.toContain(AI_TOGGLE_ACTION);
    expect(view(OTHER)).not.toContain("settings_open");
    expect(view(OTHER)).not.toContain("Top handoff reasons");
  });
});
