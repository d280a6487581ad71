import type { z } from "zod";
import type { BsuId, WaId, WaMessageId } from "../../core/ids.ts";
import type {
  ContactCard,
  FlowReply,
  InboundContent,
  InboundContext,
  InboundEvent,
  InboundEventContent,
  InboundMessage,
  MediaRef,
  Referral,
} from "../../core/inbound.ts";
import { contentText, eventText } from "../../core/inbound-text.ts";
import type { WaStatus } from "../../core/status.ts";
import {
  buttonSchema,
  changedMessageSchema,
  changeSchema,
  contactSchema,
  contactsContentSchema,
  entrySchema,
  envelopeSchema,
  errorSchema,
  interactiveSchema,
  locationSchema,
  mediaSchema,
  messageSchema,
  messagesValueSchema,
  orderSchema,
  reactionSchema,
  statusSchema,
  systemSchema,
  templateStatusSchema,
  textSchema,
  unsupportedSchema,
} from "./schema.ts";
import type {
  NormalizedDelivery,
  StatusUpdate,
  TemplateStatusUpdate,
  WaError,
  WebhookSystemError,
} from "./types.ts";

/** An item of a delivery that was dropped, or kept in a degraded form, with where and why. */
export interface DeliveryIssue {
  /** Where in the delivery, e.g. `entry[0].changes[1].value.messages[2].id`. */
  path: string;
  message: string;
}

/**
 * The outcome of parsing one webhook body. `issues` lists dropped or degraded items so that the
 * caller can log them; they never make the delivery fail.
 */
export type ParseDeliveryResult =
  | { ok: true; delivery: NormalizedDelivery; issues: DeliveryIssue[] }
  | { ok: false; error: string };

type Contact = z.infer<typeof contactSchema>;
type ParsedMessage = z.infer<typeof messageSchema>;

const WA_STATUSES: ReadonlySet<string> = new Set<WaStatus>([
  "sent",
  "delivered",
  "read",
  "played",
  "failed",
]);

/**
 * Parses and normalises one WhatsApp webhook delivery (already JSON-parsed), every entry, change,
 * message and status included.
 *
 * Only a wrong envelope (not an object, `object` not `whatsapp_business_account`, no `entry`
 * array) fails the whole delivery. Anything wrong further down is dropped on its own and listed
 * in `issues`, because answering non-200 would make Meta redeliver the same body for days while
 * the good items in it stay unprocessed. In particular:
 * - a message without `id`, without a valid `timestamp` or without a sender (`from`,
 *   `from_user_id`, or the change's only contact) is dropped: without an id it cannot be
 *   deduplicated, without a sender it cannot be answered, and without its timestamp the 24-hour
 *   window would be wrong;
 * - reactions, edits, deletions, system notices, call-permission answers and unknown types are
 *   events (`delivery.events`), not messages: they are stored and shown, never answered;
 * - a message whose content does not match its type is kept as an `unsupported` event (its id
 *   and sender are good, so the conversation still shows that the customer sent something);
 * - a status with a value we do not know (e.g. a future one) is dropped, as it cannot be mapped
 *   onto our status order.
 */
export function parseDelivery(json: unknown): ParseDeliveryResult {
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, error: describe(envelope.error, "") };

  const delivery: NormalizedDelivery = {
    messages: [],
    events: [],
    statuses: [],
    templates: [],
    errors: [],
    ignoredFields: [],
  };
  const issues: DeliveryIssue[] = [];
  const ignored = new Set<string>();

  envelope.data.entry.forEach((rawEntry, e) => {
    const entryPath = `entry[${e}]`;
    const entry = entrySchema.safeParse(rawEntry);
    if (!entry.success) {
      issues.push(issue(entry.error, entryPath));
      return;
    }
    const entryTimeMs = entry.data.time === undefined ? null : entry.data.time * 1000;
    entry.data.changes.forEach((rawChange, c) => {
      const changePath = `${entryPath}.changes[${c}]`;
      const change = changeSchema.safeParse(rawChange);
      if (!change.success) {
        issues.push(issue(change.error, changePath));
        return;
      }
      const valuePath = `${changePath}.value`;
      switch (change.data.field) {
        case "messages":
          collectMessagesValue(change.data.value, valuePath, delivery, issues);
          break;
        case "message_template_status_update": {
          const template = toTemplate(change.data.value, entryTimeMs, valuePath, issues);
          if (template) delivery.templates.push(template);
          break;
        }
        default:
          // A Set: a hostile body may carry many thousands of distinct field names.
          if (!ignored.has(change.data.field)) {
            ignored.add(change.data.field);
            delivery.ignoredFields.push(change.data.field);
          }
      }
    });
  });

  return { ok: true, delivery, issues };
}

function collectMessagesValue(
  rawValue: unknown,
  path: string,
  delivery: NormalizedDelivery,
  issues: DeliveryIssue[],
): void {
  const value = messagesValueSchema.safeParse(rawValue);
  if (!value.success) {
    issues.push(issue(value.error, path));
    return;
  }
  const phoneNumberId = value.data.metadata?.phone_number_id ?? null;

  const contacts: Contact[] = [];
  (value.data.contacts ?? []).forEach((raw, i) => {
    const contact = contactSchema.safeParse(raw);
    if (contact.success) contacts.push(contact.data);
    else issues.push(issue(contact.error, `${path}.contacts[${i}]`));
  });

  (value.data.messages ?? []).forEach((raw, i) => {
    const item = toInboundItem(raw, contacts, phoneNumberId, `${path}.messages[${i}]`, issues);
    if (!item) return;
    if ("event" in item) delivery.events.push(item);
    else delivery.messages.push(item);
  });

  (value.data.statuses ?? []).forEach((raw, i) => {
    const status = toStatusUpdate(raw, `${path}.statuses[${i}]`, issues);
    if (status) delivery.statuses.push(status);
  });

  for (const error of toErrors(value.data.errors, `${path}.errors`, issues)) {
    delivery.errors.push({ ...error, phoneNumberId } satisfies WebhookSystemError);
  }
}

/** The parts of a `messages[]` item shared by messages and events. */
interface ItemBase {
  waMessageId: WaMessageId;
  sentAt: number;
  sender: InboundMessage["sender"];
  phoneNumberId: string | null;
  raw: unknown;
}

type ParsedContent = { message: InboundContent } | { event: InboundEventContent };

function toInboundItem(
  raw: unknown,
  contacts: Contact[],
  phoneNumberId: string | null,
  path: string,
  issues: DeliveryIssue[],
): InboundMessage | InboundEvent | null {
  // A cheap look before zod: an item without a string id is dropped without building zod's
  // error objects, which cost ~100 µs each (a 3 MB body can hold ~750,000 empty items).
  if (
    typeof raw !== "object" ||
    raw === null ||
    typeof (raw as { id?: unknown }).id !== "string" ||
    (raw as { id: string }).id === ""
  ) {
    issues.push({ path: `${path}.id`, message: `${path}.id: missing or not a string (dropped)` });
    return null;
  }
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) {
    issues.push(issue(parsed.error, path));
    return null;
  }
  const m = parsed.data;
  const from = m.from ?? null;
  const fromUserId = m.from_user_id ?? null;
  // The contacts array describes the senders of the messages array; key it on whichever id the
  // message carries, since a user with a username may come without a phone number. A message
  // naming no sender at all belongs to the change's only contact, when there is exactly one
  // (Meta's shape for users known only by a business-scoped user id).
  const contact =
    contacts.find((c) => from !== null && c.wa_id === from) ??
    contacts.find((c) => fromUserId !== null && c.user_id === fromUserId) ??
    (from === null && fromUserId === null && contacts.length === 1 ? contacts[0] : undefined);
  // Meta sends "" rather than leaving a field out for users known only by a user id.
  const system = m.type === "system" ? systemSchema.safeParse(m.system) : null;
  const waId = (from || contact?.wa_id || null) as WaId | null;
  const userId = (fromUserId ||
    contact?.user_id ||
    // A user-id change names the old id only inside the system object.
    (system?.success ? system.data.previous_user_id : null) ||
    null) as BsuId | null;
  if (waId === null && userId === null) {
    issues.push({
      path: `${path}.from`,
      message: `${path}.from: no sender (no from, from_user_id or single contact) (dropped)`,
    });
    return null;
  }
  const errors = toErrors(m.errors, `${path}.errors`, issues);
  const base: ItemBase = {
    waMessageId: m.id as WaMessageId,
    sentAt: m.timestamp * 1000,
    sender: {
      waId,
      userId,
      profileName: contact?.profile?.name ?? contact?.profile?.username ?? null,
    },
    phoneNumberId,
    raw,
  };
  const parsedContent = toContent(raw as Record<string, unknown>, m, errors, path, issues);
  if ("event" in parsedContent) {
    return { ...base, event: parsedContent.event, text: eventText(parsedContent.event) };
  }
  return {
    ...base,
    context: toContext(m.context),
    referral: toReferral(m.referral),
    groupId: m.group_id ?? null,
    content: parsedContent.message,
    text: contentText(parsedContent.message),
  };
}

function toContext(context: ParsedMessage["context"]): InboundContext | null {
  if (!context) return null;
  return {
    quotedId: (context.id ?? null) as WaMessageId | null,
    forwarded: context.forwarded === true,
    frequentlyForwarded: context.frequently_forwarded === true,
  };
}

function toReferral(referral: ParsedMessage["referral"]): Referral | null {
  if (!referral) return null;
  const r: Referral = {
    sourceUrl: referral.source_url ?? null,
    sourceId: referral.source_id ?? null,
    sourceType: referral.source_type ?? null,
    headline: referral.headline ?? null,
    body: referral.body ?? null,
    mediaType: referral.media_type ?? null,
    ctwaClid: referral.ctwa_clid ?? null,
  };
  return Object.values(r).some((v) => v !== null) ? r : null;
}

/** Message types that are edits or deletions when Meta can only name them (`unsupported.type`). */
const EDIT_TYPES = new Set(["edit", "message_edit", "edited"]);
const REVOKE_TYPES = new Set(["revoke", "message_revoke", "deleted", "delete", "message_deleted"]);

function toContent(
  raw: Record<string, unknown>,
  m: ParsedMessage,
  errors: WaError[],
  path: string,
  issues: DeliveryIssue[],
): ParsedContent {
  const type = m.type;
  const body = raw[type];
  const quoted = (m.context?.id ?? null) as WaMessageId | null;
  const unsupported = (originalType: string): ParsedContent => {
    if (EDIT_TYPES.has(originalType))
      return { event: { kind: "edit", targetId: quoted, newText: null } };
    if (REVOKE_TYPES.has(originalType)) return { event: { kind: "revoke", targetId: quoted } };
    return {
      event: {
        kind: "unsupported",
        originalType,
        errorCode: errors[0]?.code ?? null,
        errorTitle: errors[0]?.title ?? null,
      },
    };
  };
  // Parses the content object of a known type; on mismatch the item is kept as unsupported.
  const content = <T>(schema: z.ZodType<T>, build: (data: T) => ParsedContent): ParsedContent => {
    const result = schema.safeParse(body);
    if (result.success) return build(result.data);
    const where = `${path}.${type}`;
    issues.push({ path: where, message: `${describe(result.error, where)} (kept as unsupported)` });
    return unsupported(type);
  };
  const message = (c: InboundContent): ParsedContent => ({ message: c });

  switch (type) {
    case "text":
      return content(textSchema, (t) => message({ kind: "text", body: t.body }));
    case "interactive":
      return content(interactiveSchema, (i) => {
        if (i.type === "button_reply" && i.button_reply) {
          return message({
            kind: "button_reply",
            id: i.button_reply.id,
            title: i.button_reply.title,
          });
        }
        if (i.type === "list_reply" && i.list_reply) {
          return message({
            kind: "list_reply",
            id: i.list_reply.id,
            title: i.list_reply.title,
            description: i.list_reply.description ?? null,
          });
        }
        if (i.type === "nfm_reply" && i.nfm_reply) {
          return message({
            kind: "flow_reply",
            flow: {
              name: i.nfm_reply.name ?? null,
              body: i.nfm_reply.body ?? null,
              fields: flowFields(i.nfm_reply.response_json),
            },
          });
        }
        if (i.type === "call_permission_reply") {
          const response = i.call_permission_reply?.response ?? null;
          return {
            event: {
              kind: "call_permission_reply",
              accepted: response === null ? null : response === "accept",
              permanent: i.call_permission_reply?.is_permanent === true,
            },
          };
        }
        return unsupported(`interactive.${i.type}`);
      });
    case "button":
      return content(buttonSchema, (b) =>
        message({ kind: "template_button", payload: b.payload ?? null, text: b.text }),
      );
    case "image":
    case "video":
    case "document":
      return content(mediaSchema, (media) => message({ kind: type, media: toMediaRef(media) }));
    case "audio":
      return content(mediaSchema, (media) =>
        message({ kind: "audio", media: toMediaRef(media), voice: media.voice === true }),
      );
    case "sticker":
      return content(mediaSchema, (media) =>
        message({ kind: "sticker", media: toMediaRef(media), animated: media.animated === true }),
      );
    case "location":
      return content(locationSchema, (l) =>
        message({
          kind: "location",
          latitude: l.latitude,
          longitude: l.longitude,
          name: l.name ?? null,
          address: l.address ?? null,
          url: l.url ?? null,
        }),
      );
    case "contacts":
      return content(contactsContentSchema, (cards) =>
        message({ kind: "contacts", cards: cards.map(toContactCard) }),
      );
    case "order":
      return content(orderSchema, (o) =>
        message({
          kind: "order",
          order: {
            catalogId: o.catalog_id ?? null,
            note: o.text ?? null,
            items: (o.product_items ?? []).map((item) => ({
              productId: item.product_retailer_id,
              quantity: item.quantity,
              itemPrice: item.item_price ?? null,
              currency: item.currency ?? null,
            })),
          },
        }),
      );
    case "reaction":
      return content(reactionSchema, (r) => ({
        event: {
          kind: "reaction",
          targetId: r.message_id as WaMessageId,
          // Meta omits the emoji (or, in some versions, sends "") when a reaction is removed.
          emoji: r.emoji ? r.emoji : null,
        },
      }));
    case "system":
      return content(systemSchema, (sys) => {
        const kind = sys.type ?? "";
        // `user_changed_number` (with the new number in `wa_id`), older `customer_changed_number`
        // (`new_wa_id`), and `user_changed_user_id` (a username user's new business-scoped id).
        if (kind.includes("changed_number") || kind.includes("changed_user_id") || sys.new_wa_id) {
          const newUserId = kind.includes("changed_user_id") ? (sys.user_id ?? null) : null;
          return {
            event: {
              kind: "number_change",
              newWaId: (newUserId ? null : sys.new_wa_id || sys.wa_id || null) as WaId | null,
              newUserId: newUserId as BsuId | null,
              body: sys.body ?? null,
            },
          };
        }
        if (kind.includes("identity")) {
          return { event: { kind: "identity_change", body: sys.body ?? null } };
        }
        return unsupported(`system.${kind || "unknown"}`);
      });
    case "edit":
      return content(changedMessageSchema, (e) => ({
        event: { kind: "edit", targetId: changedTarget(e) ?? quoted, newText: editedText(e) },
      }));
    case "revoke":
      return content(changedMessageSchema, (e) => ({
        event: { kind: "revoke", targetId: changedTarget(e) ?? quoted },
      }));
    case "request_welcome":
      return { event: { kind: "request_welcome" } };
    case "unsupported": {
      const detail = unsupportedSchema.safeParse(body);
      return unsupported((detail.success && detail.data.type) || "unsupported");
    }
    default:
      return unsupported(type);
  }
}

type ChangedMessage = z.infer<typeof changedMessageSchema>;

function changedTarget(e: ChangedMessage): WaMessageId | null {
  return (e.original_message_id ?? e.message_id ?? e.id ?? null) as WaMessageId | null;
}

/** The new text of an edit: a nested message (`message.text.body`, a caption) or a plain body. */
function editedText(e: ChangedMessage): string | null {
  const nested = e.message as Record<string, unknown> | null | undefined;
  if (nested) {
    const text = nested.text as { body?: unknown } | undefined;
    if (typeof text?.body === "string") return text.body;
    const type = typeof nested.type === "string" ? nested.type : null;
    const media = type ? (nested[type] as { caption?: unknown } | undefined) : undefined;
    if (typeof media?.caption === "string") return media.caption;
  }
  return e.text?.body ?? e.body ?? null;
}

const MAX_FLOW_FIELDS = 50;
const MAX_FLOW_DEPTH = 4;
const MAX_FLOW_VALUE = 500;

/**
 * A Flow's `response_json` as readable field/value pairs: nested objects become `a.b`, arrays are
 * joined, the `flow_token` (an opaque id, not an answer) is left out. Bounded in fields, depth and
 * length, since the JSON is the customer's to fill.
 */
function flowFields(
  json: string | Record<string, unknown> | null | undefined,
): FlowReply["fields"] {
  let data: unknown = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch {
      return json.trim() ? [{ field: "response", value: json.slice(0, MAX_FLOW_VALUE) }] : [];
    }
  }
  const fields: FlowReply["fields"] = [];
  const walk = (value: unknown, key: string, depth: number): void => {
    if (fields.length >= MAX_FLOW_FIELDS) return;
    if (value === null || value === undefined || value === "") return;
    if (typeof value === "object" && !Array.isArray(value) && depth < MAX_FLOW_DEPTH) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (depth === 0 && k === "flow_token") continue;
        walk(v, key ? `${key}.${k}` : k, depth + 1);
      }
      return;
    }
    const text = Array.isArray(value)
      ? value.map((v) => (typeof v === "object" ? compactJson(v) : String(v))).join(", ")
      : typeof value === "object"
        ? compactJson(value)
        : String(value);
    fields.push({ field: key || "response", value: text.slice(0, MAX_FLOW_VALUE) });
  };
  walk(data, "", 0);
  return fields;
}

/** JSON for a nested answer, or a marker when it is too deep to write out. */
function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, MAX_FLOW_VALUE);
  } catch {
    return "(nested data)";
  }
}

function toMediaRef(media: z.infer<typeof mediaSchema>): MediaRef {
  return {
    mediaId: media.id,
    mimeType: media.mime_type ?? null,
    sha256: media.sha256 ?? null,
    caption: media.caption ?? null,
    filename: media.filename ?? null,
  };
}

function toContactCard(card: z.infer<typeof contactsContentSchema>[number]): ContactCard {
  const name = card.name;
  const joined = [name?.first_name, name?.last_name].filter(Boolean).join(" ");
  return {
    formattedName: name?.formatted_name || joined,
    phones: (card.phones ?? []).flatMap((p) =>
      p.phone ? [{ phone: p.phone, waId: p.wa_id ?? null, type: p.type ?? null }] : [],
    ),
    emails: (card.emails ?? []).flatMap((e) => (e.email ? [e.email] : [])),
  };
}

function toStatusUpdate(raw: unknown, path: string, issues: DeliveryIssue[]): StatusUpdate | null {
  const parsed = statusSchema.safeParse(raw);
  if (!parsed.success) {
    issues.push(issue(parsed.error, path));
    return null;
  }
  const s = parsed.data;
  if (!WA_STATUSES.has(s.status)) {
    issues.push({ path: `${path}.status`, message: `unknown status "${s.status}" (dropped)` });
    return null;
  }
  return {
    waMessageId: s.id as WaMessageId,
    status: s.status as WaStatus,
    at: s.timestamp * 1000,
    recipientId: s.recipient_id ?? s.recipient_user_id ?? null,
    callbackData: s.biz_opaque_callback_data ?? null,
    errors: toErrors(s.errors, `${path}.errors`, issues),
    pricingCategory: s.pricing?.category ?? null,
    raw,
  };
}

function toTemplate(
  raw: unknown,
  entryTimeMs: number | null,
  path: string,
  issues: DeliveryIssue[],
): TemplateStatusUpdate | null {
  const parsed = templateStatusSchema.safeParse(raw);
  if (!parsed.success) {
    issues.push(issue(parsed.error, path));
    return null;
  }
  const t = parsed.data;
  return {
    templateId: String(t.message_template_id),
    name: t.message_template_name,
    language: t.message_template_language,
    event: t.event,
    category: t.message_template_category ?? null,
    // Meta spells "no reason" as the string NONE.
    reason: t.reason && t.reason !== "NONE" ? t.reason : null,
    at: entryTimeMs,
  };
}

/** Parses an error list item by item, so that one malformed error does not hide the others. */
function toErrors(
  list: unknown[] | null | undefined,
  path: string,
  issues: DeliveryIssue[],
): WaError[] {
  const errors: WaError[] = [];
  (list ?? []).forEach((raw, i) => {
    const parsed = errorSchema.safeParse(raw);
    if (!parsed.success) {
      issues.push(issue(parsed.error, `${path}[${i}]`));
      return;
    }
    errors.push({
      code: parsed.data.code,
      title: parsed.data.title ?? null,
      message: parsed.data.message ?? null,
      details: parsed.data.error_data?.details ?? null,
    });
  });
  return errors;
}

function issue(error: z.ZodError, base: string): DeliveryIssue {
  return { path: base, message: `${describe(error, base)} (dropped)` };
}

/** `path: message` for each zod issue, the issue's own path appended to `base`. */
function describe(error: z.ZodError, base: string): string {
  return error.issues
    .map((i) => {
      let where = base;
      for (const key of i.path) {
        where += typeof key === "number" ? `[${key}]` : where ? `.${String(key)}` : String(key);
      }
      return `${where || "(root)"}: ${i.message}`;
    })
    .join("; ");
}
