import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../http/app.ts";
import type { SandboxWorld } from "../world.ts";
import {
  advanceClock,
  agentReply,
  ConsoleActionError,
  closeModal,
  customerButton,
  customerImage,
  customerLocation,
  customerText,
  failRemote,
  type ModalMemory,
  openHome,
  press,
  submitModal,
} from "./actions.ts";
import { consolePage } from "./page.ts";
import { consoleSnapshot } from "./snapshot.ts";
import { streamState } from "./stream.ts";

// Slack ts: seconds, a dot, microseconds. View ids: Slack's `V…`.
const ts = z.string().regex(/^\d{1,12}\.\d{1,6}$/);
const id = z.string().min(1).max(255);

/** The JSON bodies the API accepts; anything else is a 400 and changes nothing. */
export const API_SCHEMAS = {
  customerText: z.object({ text: z.string().trim().min(1).max(4096) }).strict(),
  customerImage: z.object({ caption: z.string().max(1024).optional() }).strict(),
  customerLocation: z
    .object({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      name: z.string().max(200).optional(),
      address: z.string().max(500).optional(),
    })
    .strict(),
  customerButton: z
    .object({
      id: z.string().min(1).max(256),
      title: z.string().min(1).max(20),
      messageId: z.number().int().positive().optional(),
    })
    .strict(),
  reply: z
    .object({ threadTs: ts, text: z.string().trim().min(1).max(4000), note: z.boolean() })
    .strict(),
  action: z
    .object({
      actionId: id,
      blockId: id.optional(),
      value: z.string().max(2000).optional(),
      selected: z.string().max(2000).optional(),
      messageTs: ts.optional(),
      viewId: id.optional(),
    })
    .strict()
    .refine((a) => (a.messageTs === undefined) !== (a.viewId === undefined), {
      message: "exactly one of messageTs and viewId",
    }),
  modalSubmit: z
    .object({ viewId: id, values: z.record(id, z.string().max(3000)) })
    .strict()
    .refine((m) => Object.keys(m.values).length <= 100, { message: "too many values" }),
  modalClose: z.object({ viewId: id }).strict(),
  home: z.object({}).strict(),
  clock: z.object({ hours: z.number().positive().max(72) }).strict(),
  fail: z
    .object({ target: z.enum(["graph", "slack", "model"]), times: z.number().int().min(1).max(20) })
    .strict(),
  statusReports: z.object({ enabled: z.boolean() }).strict(),
} as const;

/** Options of {@link createConsole}; the defaults suit a person watching the page. */
export interface ConsoleOptions {
  /** How often an event stream compares the world's state with what it last pushed. */
  pollMs?: number;
  /** How long a quiet stream waits before a heartbeat comment (keeps proxies from closing it). */
  heartbeatMs?: number;
}

/** The console's routes and a count of open event streams (for tests and shutdown checks). */
export interface SandboxConsole {
  routes: Hono<AppEnv>;
  openStreams(): number;
}

type Handler = (world: SandboxWorld, c: Context<AppEnv>) => Promise<unknown> | unknown;

/**
 * The sandbox's web console, to mount at `/sandbox`: the page (`GET /`), its live state
 * (`GET /state`, `GET /events` as server-sent events) and a JSON API that acts in the world as
 * the customer, the agent and the operator would (`POST /api/...`). Only the sandbox mounts it;
 * inputs are validated with zod and a bad request is a 400 that changes nothing.
 */
export function createConsole(
  world: () => SandboxWorld,
  opts: ConsoleOptions = {},
): SandboxConsole {
  const memory: ModalMemory = { closedModals: new Set(), modalErrors: new Map() };
  const snapshot = () => consoleSnapshot(world(), memory);
  let streams = 0;
  const app = new Hono<AppEnv>();

  app.get("/", (c) => c.html(consolePage()));
  app.get("/state", (c) => {
    try {
      return c.json(snapshot());
    } catch {
      return c.json({ error: "the sandbox is not running" }, 503);
    }
  });
  app.get("/events", (c) =>
    streamState(c, {
      snapshot,
      pollMs: opts.pollMs ?? 300,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      opened: () => {
        streams += 1;
      },
      closed: () => {
        streams -= 1;
      },
    }),
  );

  /** A POST route: JSON body checked against `schema`, then `run` in the world. */
  function post<S extends z.ZodType>(
    path: string,
    schema: S,
    run: (w: SandboxWorld, body: z.infer<S>) => Promise<unknown> | unknown,
  ) {
    const handler: Handler = async (w, c) => {
      const type = c.req.header("content-type") ?? "";
      // JSON only: a cross-site form post (which cannot set this type) is refused.
      if (!type.toLowerCase().startsWith("application/json")) {
        return c.json({ error: "send application/json" }, 400);
      }
      let raw: unknown;
      try {
        raw = await c.req.json();
      } catch {
        return c.json({ error: "the body is not JSON" }, 400);
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        return c.json({ error: "invalid request", issues: z.treeifyError(parsed.error) }, 400);
      }
      const result = await run(w, parsed.data);
      return c.json({ ok: true, ...(result && typeof result === "object" ? result : {}) });
    };
    app.post(path, async (c) => {
      let w: SandboxWorld;
      try {
        w = world();
      } catch {
        return c.json({ error: "the sandbox is still starting" }, 503);
      }
      try {
        return (await handler(w, c)) as Response;
      } catch (err) {
        if (err instanceof ConsoleActionError) return c.json({ error: err.message }, err.status);
        if (err instanceof RangeError) return c.json({ error: err.message }, 400);
        throw err;
      }
    });
  }

  post("/api/customer/text", API_SCHEMAS.customerText, (w, b) => customerText(w, b.text));
  post("/api/customer/image", API_SCHEMAS.customerImage, (w, b) => customerImage(w, b.caption));
  post("/api/customer/location", API_SCHEMAS.customerLocation, (w, b) => customerLocation(w, b));
  post("/api/customer/button", API_SCHEMAS.customerButton, (w, b) => customerButton(w, b));
  post("/api/slack/reply", API_SCHEMAS.reply, (w, b) => agentReply(w, b));
  post("/api/slack/action", API_SCHEMAS.action, (w, b) => press(w, memory, b));
  post("/api/slack/modal/submit", API_SCHEMAS.modalSubmit, (w, b) =>
    submitModal(w, memory, b.viewId, b.values),
  );
  post("/api/slack/modal/close", API_SCHEMAS.modalClose, (w, b) => closeModal(w, memory, b.viewId));
  post("/api/slack/home", API_SCHEMAS.home, (w) => openHome(w));
  post("/api/clock", API_SCHEMAS.clock, (w, b) => {
    advanceClock(w, Math.round(b.hours * 3600_000));
    return { clockOffsetMs: w.clock.offsetMs };
  });
  post("/api/fail", API_SCHEMAS.fail, (w, b) => failRemote(w, b.target, b.times));
  post("/api/status-reports", API_SCHEMAS.statusReports, (w, b) => {
    w.statuses.enabled = b.enabled;
  });

  return { routes: app, openStreams: () => streams };
}

/** The sandbox's `mounts` factory: the console at `/sandbox`. */
export function consoleMounts(world: () => SandboxWorld): Record<string, Hono<AppEnv>> {
  return { "/sandbox": createConsole(world).routes };
}
