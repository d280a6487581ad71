import {
  buttonReplyMessage,
  imageMessage,
  locationMessage,
  type MessageOptions,
  type MetaWebhookPayload,
  textMessage,
} from "../../emulators/meta-webhook.ts";
import type { SlackMessage, SlackView } from "../../emulators/slack.ts";
import {
  appHomeOpened,
  blockActionsPayload,
  eventCallback,
  messageEvent,
  type SlackRequestBody,
  sendSlackRequest,
  viewSubmissionPayload,
} from "../../emulators/slack-requests.ts";
import { SANDBOX, type SandboxWorld } from "../world.ts";
import { failableModel } from "./snapshot.ts";

/** A request the world cannot carry out as asked (unknown thread, view...): answered 4xx. */
export class ConsoleActionError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 502,
  ) {
    super(message);
  }
}

/** Console-side memory of modals (the emulated Slack does not know when one was closed). */
export interface ModalMemory {
  closedModals: Set<string>;
  modalErrors: Map<string, Record<string, string>>;
}

// A 1×1 PNG: the smallest real image the service can download and mirror to Slack.
const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

const customer = (): MessageOptions => ({
  from: SANDBOX.customerWaId,
  name: SANDBOX.customerName,
  phoneNumberId: SANDBOX.phoneNumberId,
});

async function deliver(world: SandboxWorld, payload: MetaWebhookPayload): Promise<void> {
  const res = await world.meta.send(payload);
  if (res.status !== 200) {
    throw new ConsoleActionError(`the webhook was answered ${res.status}: ${res.body}`, 502);
  }
}

/** The customer writes a text message on WhatsApp. */
export function customerText(world: SandboxWorld, text: string): Promise<void> {
  return deliver(world, textMessage(text, customer()));
}

/** The customer sends a photo (a tiny PNG stored in the Graph emulator, as Meta stores media). */
export function customerImage(world: SandboxWorld, caption: string | undefined): Promise<void> {
  const mediaId = world.graph.addMedia(TINY_PNG, "image/png", "photo.png");
  return deliver(
    world,
    imageMessage({
      ...customer(),
      mediaId,
      mimeType: "image/png",
      ...(caption ? { caption } : {}),
    }),
  );
}

/** The customer shares a location. */
export function customerLocation(
  world: SandboxWorld,
  location: { latitude: number; longitude: number; name?: string; address?: string },
): Promise<void> {
  return deliver(world, locationMessage(location, customer()));
}

/** The customer taps a reply button (of a message the service sent, when `quotedId` is given). */
export function customerButton(
  world: SandboxWorld,
  button: { id: string; title: string; messageId?: number | undefined },
): Promise<void> {
  let quotedId: string | undefined;
  if (button.messageId !== undefined) {
    const row = world.service.db.$client
      .prepare("select wa_message_id from messages where id = ? and direction = 'out'")
      .get(button.messageId) as { wa_message_id: string | null } | undefined;
    if (!row?.wa_message_id) throw new ConsoleActionError("no such sent message", 404);
    quotedId = row.wa_message_id;
  }
  return deliver(
    world,
    buttonReplyMessage(button.id, button.title, {
      ...customer(),
      ...(quotedId ? { context: { quotedId } } : {}),
    }),
  );
}

async function toSlackApp(world: SandboxWorld, body: SlackRequestBody) {
  const res = await sendSlackRequest(world.slackEventsUrl, SANDBOX.signingSecret, body);
  if (res.status !== 200) {
    throw new ConsoleActionError(`the Slack request was answered ${res.status}`, 502);
  }
  return res;
}

function threadRoot(world: SandboxWorld, threadTs: string): SlackMessage {
  const root = world.slack.message(SANDBOX.channel, threadTs);
  if (!root || root.thread_ts !== undefined) throw new ConsoleActionError("no such thread", 404);
  return root;
}

/**
 * The agent writes in a thread: the message exists in Slack (the emulator) and reaches the app
 * as a signed `message` event, as when a person types in Slack. A note gets the configured
 * prefix so it stays internal.
 */
export async function agentReply(
  world: SandboxWorld,
  reply: { threadTs: string; text: string; note: boolean },
): Promise<void> {
  const root = threadRoot(world, reply.threadTs);
  const prefix = world.config.slack.notePrefix;
  const text =
    reply.note && !reply.text.toLowerCase().startsWith(prefix.toLowerCase())
      ? `${prefix} ${reply.text}`
      : reply.text;
  const posted = world.slack.addMessage(SANDBOX.channel, {
    user: SANDBOX.agentUserId,
    text,
    thread_ts: root.ts,
  });
  await toSlackApp(
    world,
    eventCallback(
      messageEvent({
        channel: SANDBOX.channel,
        user: SANDBOX.agentUserId,
        text,
        ts: posted.ts,
        threadTs: root.ts,
        parentUserId: root.user,
      }),
    ),
  );
}

function findView(world: SandboxWorld, viewId: string): SlackView {
  const view =
    world.slack.modals.find((m) => m.id === viewId) ??
    [...world.slack.views.values()].find((v) => v.id === viewId);
  if (!view) throw new ConsoleActionError("no such view", 404);
  return view;
}

/** What was pressed or picked, and where: a message's button or a view's (Home tab, modal). */
export interface PressSpec {
  actionId: string;
  blockId?: string | undefined;
  value?: string | undefined;
  /** A select's picked option. */
  selected?: string | undefined;
  messageTs?: string | undefined;
  viewId?: string | undefined;
}

/** A button or select used in Slack: the signed `block_actions` request Slack would send. */
export async function press(
  world: SandboxWorld,
  memory: ModalMemory,
  spec: PressSpec,
): Promise<void> {
  const common = {
    actionId: spec.actionId,
    user: SANDBOX.agentUserId,
    ...(spec.blockId === undefined ? {} : { blockId: spec.blockId }),
    ...(spec.value === undefined ? {} : { value: spec.value }),
    ...(spec.selected === undefined ? {} : { selectedOption: { value: spec.selected } }),
  };
  if (spec.messageTs !== undefined) {
    const message = world.slack.message(SANDBOX.channel, spec.messageTs);
    if (!message) throw new ConsoleActionError("no such message", 404);
    await toSlackApp(
      world,
      blockActionsPayload({
        ...common,
        channel: SANDBOX.channel,
        messageTs: message.ts,
        ...(message.thread_ts === undefined ? {} : { threadTs: message.thread_ts }),
      }),
    );
    return;
  }
  if (spec.viewId === undefined) {
    throw new ConsoleActionError("a message ts or a view id is required", 400);
  }
  const view = findView(world, spec.viewId);
  // A pick in the modal redraws it (views.update): old errors no longer apply.
  memory.modalErrors.delete(view.id);
  await toSlackApp(
    world,
    blockActionsPayload({
      ...common,
      view: {
        id: view.id,
        type: view.type,
        hash: view.hash,
        private_metadata: view.private_metadata ?? "",
        callback_id: view.callback_id ?? "",
        blocks: view.blocks,
      },
    }),
  );
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Submits a modal with the values typed in the console (one per input block), as Slack's
 * `view_submission` with `state.values` shaped by each input's element type. An answer with
 * `response_action: "errors"` keeps the modal open with the errors; otherwise it closes.
 */
export async function submitModal(
  world: SandboxWorld,
  memory: ModalMemory,
  viewId: string,
  fields: Record<string, string>,
): Promise<{ closed: boolean; errors: Record<string, string> }> {
  const view = world.slack.modals.find((m) => m.id === viewId);
  if (!view || memory.closedModals.has(viewId)) {
    throw new ConsoleActionError("no such open modal", 404);
  }
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of view.blocks) {
    if (!isObj(block) || block.type !== "input" || !isObj(block.element)) continue;
    const blockId = typeof block.block_id === "string" ? block.block_id : null;
    const actionId = block.element.action_id;
    if (blockId === null || typeof actionId !== "string") continue;
    const given = fields[blockId];
    const value = given === undefined || given === "" ? null : given;
    values[blockId] = {
      [actionId]:
        block.element.type === "static_select"
          ? { type: "static_select", selected_option: value === null ? null : { value } }
          : { type: block.element.type, value },
    };
  }
  const res = await toSlackApp(
    world,
    viewSubmissionPayload({
      callbackId: view.callback_id ?? "",
      user: SANDBOX.agentUserId,
      viewId: view.id,
      privateMetadata: view.private_metadata ?? "",
      values,
    }),
  );
  const body = res.body;
  if (isObj(body) && body.response_action === "errors" && isObj(body.errors)) {
    const errors = Object.fromEntries(
      Object.entries(body.errors).map(([k, v]) => [k, String(v)] as const),
    );
    memory.modalErrors.set(viewId, errors);
    return { closed: false, errors };
  }
  memory.modalErrors.delete(viewId);
  memory.closedModals.add(viewId);
  return { closed: true, errors: {} };
}

/** The agent cancels a modal: the console stops showing it (Slack sends nothing by default). */
export function closeModal(world: SandboxWorld, memory: ModalMemory, viewId: string): void {
  if (!world.slack.modals.some((m) => m.id === viewId)) {
    throw new ConsoleActionError("no such modal", 404);
  }
  memory.closedModals.add(viewId);
  memory.modalErrors.delete(viewId);
}

/** The agent opens the app's Home tab: the `app_home_opened` event that makes it publish. */
export async function openHome(world: SandboxWorld): Promise<void> {
  await toSlackApp(world, eventCallback(appHomeOpened(SANDBOX.agentUserId)));
}

/** Moves the sandbox clock forward and lets due jobs run at once. */
export function advanceClock(world: SandboxWorld, ms: number): void {
  world.clock.advance(ms);
  world.service.runner.wake();
}

/** Which remote to make fail for the next `times` calls. */
export type FailTarget = "graph" | "slack" | "model";

/** Makes the next `times` calls to a remote answer 500. */
export function failRemote(world: SandboxWorld, target: FailTarget, times: number): void {
  if (target === "graph") {
    world.graph.failNext({ route: "messages", httpStatus: 500 }, times);
  } else if (target === "slack") {
    world.slack.failNext("chat.postMessage", { status: 500 }, times);
  } else {
    const model = failableModel(world);
    if (model === null) {
      throw new ConsoleActionError("this sandbox's model cannot be made to fail", 409);
    }
    model.failNext({ status: 500 }, times);
  }
}
