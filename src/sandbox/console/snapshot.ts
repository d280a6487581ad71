import type { ScriptedError } from "../../emulators/anthropic.ts";
import { SANDBOX, type SandboxWorld } from "../world.ts";
import {
  buildConsoleState,
  type ConsoleMemory,
  type ConsoleState,
  type PhoneRow,
} from "./state.ts";

/** The most recent phone messages shown: enough for any sandbox session, bounded for the page. */
const PHONE_LIMIT = 200;

/**
 * An emulated model the console can make fail. The sandbox runs the offline responder or the
 * real Claude API, neither of which can be told to fail; a world that also carries an Anthropic
 * emulator (`anthropic`) gets the control enabled.
 */
export interface FailableModel {
  failNext(spec: ScriptedError, times?: number): void;
}

/** The world's emulated model, if it has one the console can make fail. */
export function failableModel(world: SandboxWorld): FailableModel | null {
  const candidate = (world as SandboxWorld & { anthropic?: unknown }).anthropic;
  if (typeof candidate !== "object" || candidate === null) return null;
  const failNext = (candidate as Partial<FailableModel>).failNext;
  return typeof failNext === "function" ? (candidate as FailableModel) : null;
}

function modelInfo(world: SandboxWorld): ConsoleState["model"] {
  const canFail = failableModel(world) !== null;
  const { apiKey, modelFast, modelSmart } = world.config.anthropic;
  if (!apiKey) {
    return {
      label: "offline knowledge-base responder",
      canFail,
      why: canFail
        ? "The next model calls answer 500."
        : "Offline mode: there is no model to make fail (set ANTHROPIC_API_KEY to use Claude).",
    };
  }
  return {
    label: `Claude (${modelFast} / ${modelSmart})`,
    canFail,
    why: canFail
      ? "The next model calls answer 500."
      : "The real Claude API is used: the sandbox cannot make it fail.",
  };
}

interface RawRow {
  id: number;
  direction: "in" | "out";
  author: string | null;
  kind: string;
  text: string;
  payload: string;
  status: string;
  error_code: number | null;
  error_title: string | null;
  created_at: number;
}

/** The sandbox customer's messages (both directions), oldest first. */
export function readPhoneRows(world: SandboxWorld): PhoneRow[] {
  const rows = world.service.db.$client
    .prepare(
      `select m.id, m.direction, m.author, m.kind, m.text, m.payload, m.status, m.error_code,
              m.error_title, m.created_at
         from messages m
         join conversations c on c.id = m.conversation_id
         join contacts k on k.id = c.contact_id
        where k.wa_id = ? and m.direction in ('in', 'out')
        order by m.id desc
        limit ?`,
    )
    .all(SANDBOX.customerWaId, PHONE_LIMIT) as RawRow[];
  return rows.reverse().map((r) => ({
    id: r.id,
    direction: r.direction,
    author: r.author,
    kind: r.kind,
    text: r.text,
    payload: parseJson(r.payload),
    status: r.status,
    errorCode: r.error_code,
    errorTitle: r.error_title,
    createdAt: r.created_at,
  }));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The console's state now: reads the world, builds the view model. */
export function consoleSnapshot(world: SandboxWorld, memory: ConsoleMemory): ConsoleState {
  return buildConsoleState({
    phoneRows: readPhoneRows(world),
    slack: world.slack,
    channel: SANDBOX.channel,
    agentUserId: SANDBOX.agentUserId,
    customer: { name: SANDBOX.customerName, waId: SANDBOX.customerWaId },
    clockOffsetMs: world.clock.offsetMs,
    model: modelInfo(world),
    statusReports: world.statuses.enabled,
    notePrefix: world.config.slack.notePrefix,
    memory,
  });
}
