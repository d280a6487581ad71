import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Manifest {
  display_information: { name: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean };
    bot_user: { display_name: string };
    slash_commands: { command: string; url?: string; usage_hint?: string }[];
  };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[]; user_events?: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
  };
}

const readManifest = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8")) as Manifest;

const manifest = readManifest("manifest.json");
/** The same app for Socket Mode (`SLACK_APP_TOKEN`): no request URLs, socket mode on. */
const socketManifest = readManifest("manifest.socket.json");

/** Every key path in a JSON value whose key or string value is a URL (or names one). */
function urlPaths(value: unknown, path = "$"): string[] {
  if (typeof value === "string") return /^https?:\/\/|YOUR-PUBLIC-HOST/.test(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => urlPaths(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) =>
      /(^|_)url$/.test(k) ? [`${path}.${k}`] : urlPaths(v, `${path}.${k}`),
    );
  return [];
}

/** manifest.json with its request URLs removed and Socket Mode on: what manifest.socket.json must be. */
function withoutUrls(m: Manifest): Manifest {
  const copy = structuredClone(m);
  for (const c of copy.features.slash_commands) delete c.url;
  delete copy.settings.event_subscriptions.request_url;
  delete copy.settings.interactivity.request_url;
  copy.settings.socket_mode_enabled = true;
  return copy;
}

/** Exactly what the features need: posting/updating, reading threads, reactions, names, files. */
const BOT_SCOPES = [
  "channels:history",
  "chat:write",
  "commands",
  "files:read",
  "files:write",
  "groups:history",
  "reactions:write",
  "usergroups:read",
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

describe("manifest.socket.json", () => {
  it("is manifest.json with Socket Mode on and the request URLs left out, nothing else", () => {
    expect(socketManifest).toEqual(withoutUrls(manifest));
  });

  it("turns Socket Mode on and has no request URL anywhere", () => {
    expect(socketManifest.settings.socket_mode_enabled).toBe(true);
    expect(socketManifest.settings.interactivity.is_enabled).toBe(true);
    expect(urlPaths(socketManifest)).toEqual([]);
    // The check itself finds manifest.json's three URLs.
    expect(urlPaths(manifest)).toHaveLength(3);
  });

  it("has the same display information, bot user and Home tab", () => {
    expect(socketManifest.display_information).toEqual(manifest.display_information);
    expect(socketManifest.features.bot_user).toEqual(manifest.features.bot_user);
    expect(socketManifest.features.app_home).toEqual(manifest.features.app_home);
    expect(socketManifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it("asks for the same scopes and bot events", () => {
    expect([...socketManifest.oauth_config.scopes.bot].sort()).toEqual(BOT_SCOPES);
    expect(socketManifest.oauth_config.scopes.user ?? []).toEqual([]);
    expect([...socketManifest.settings.event_subscriptions.bot_events].sort()).toEqual(BOT_EVENTS);
    expect(socketManifest.settings.event_subscriptions.user_events ?? []).toEqual([]);
  });

  it("declares the same slash commands, without URLs", () => {
    const { url: _url, ...command } = manifest.features.slash_commands[0] ?? { command: "" };
    expect(socketManifest.features.slash_commands).toEqual([command]);
    expect(socketManifest.features.slash_commands.map((c) => c.command)).toEqual(["/jembatan"]);
  });
});
