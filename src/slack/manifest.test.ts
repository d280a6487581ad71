import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Manifest {
  display_information: { name: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url: string; usage_hint?: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[]; user_events?: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = JSON.parse(
  readFileSync(new URL("../../manifest.json", import.meta.url), "utf8"),
) as Manifest;

/** Exactly what the features need: posting/updating, reading threads, reactions, names, files. */
const BOT_SCOPES = [
  "channels:history",
  "chat:write",
  "commands",
  "files:read",
  "files:write",
  "groups:history",
  "reactions:write",
  "users:read",
];
const BOT_EVENTS = ["app_home_opened", "message.channels", "message.groups"];

describe("manifest.json", () => {
  it("points every request URL at /slack/events (HTTP mode)", () => {
    const urls = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c) => c.url),
    ];
    expect(urls).toHaveLength(3);
    for (const url of urls) expect(url).toBe("https://YOUR-PUBLIC-HOST/slack/events");
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it("subscribes to exactly the bot events the app handles", () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual(BOT_EVENTS);
    expect(manifest.settings.event_subscriptions.user_events ?? []).toEqual([]);
  });

  it("asks for exactly the minimal bot scopes and no user scopes", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(BOT_SCOPES);
    expect(manifest.oauth_config.scopes.user ?? []).toEqual([]);
  });

  it("has the Home tab on, the messages tab off and a bot user", () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.features.app_home.messages_tab_enabled).toBe(false);
    expect(manifest.features.bot_user.display_name.length).toBeGreaterThan(0);
  });

  it("declares the /jembatan command", () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(["/jembatan"]);
    expect(manifest.features.slash_commands[0]?.usage_hint).toContain("ai on");
  });
});
