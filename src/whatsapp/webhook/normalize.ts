import type { z } from "zod";
import type { BsuId, WaId, WaMessageId } from "../../core/ids.ts";
import type {
  ContactCard,
  InboundContent,
  InboundContext,
  InboundMessage,
  MediaRef,
} from "../../core/inbound.ts";
import type { WaStatus } from "../../core/status.ts";
import {
  buttonSchema,
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
  reactionSchema,
  statusSchema,
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
 * - a message without `id`, without a valid `timestamp` or with neither `from` nor
 *   `from_user_id` is dropped: without an id it cannot be deduplicated, without a sender it cannot
 *   be answered, and without its timestamp the 24-hour window would be wrong;
 * - a message whose content does not match its type is kept as `unsupported` (its id and sender
 *   are good, so the conversation still sees that the customer wrote);
 * - a status with a value we do not know (e.g. a future one) is dropped, as it cannot be mapped
 *   onto our status order.
 */
export function parseDelivery(json: unknown): ParseDeliveryResult {
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, error: describe(envelope.error, "") };

  const delivery: NormalizedDelivery = {
    messages: [],
    statuses: [],
    templates: [],
    errors: [],
    ignoredFields: [],
  };
  const issues: DeliveryIssue[] = [];

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
          if (!delivery.ignoredFields.includes(change.data.field)) {
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
    const message = toInboundMessage(
      raw,
      contacts,
      phoneNumberId,
      `${path}.messages[${i}]`,
      issues,
    );
    if (message) delivery.messages.push(message);
  });

  (value.data.statuses ?? []).forEach((raw, i) => {
    const status = toStatusUpdate(raw, `${path}.statuses[${i}]`, issues);
    if (status) delivery.statuses.push(status);
  });

  for (const error of toErrors(value.data.errors, `${path}.errors`, issues)) {
    delivery.errors.push({ ...error, phoneNumberId } satisfies WebhookSystemError);
  }
}

function toInboundMessage(
  raw: unknown,
  contacts: Contact[],
  phoneNumberId: string | null,
  path: string,
  issues: DeliveryIssue[],
): InboundMessage | null {
  const parsed = messageSchema.safeParse(raw);
  if (!parsed.success) {
    issues.push(issue(parsed.error, path));
    return null;
  }
  const m = parsed.data;
  const from = m.from ?? null;
  const fromUserId = m.from_user_id ?? null;
  // The contacts array describes the senders of the messages array; key it on whichever id the
  // message carries, since a user with a username may come without a phone number.
  const contact =
    contacts.find((c) => from !== null && c.wa_id === from) ??
    contacts.find((c) => fromUserId !== null && c.user_id === fromUserId);
  const errors = toErrors(m.errors, `${path}.errors`, issues);
  const content = toContent(raw as Record<string, unknown>, m, errors, path, issues);

  return {
    waMessageId: m.id as WaMessageId,
    sentAt: m.timestamp * 1000,
    sender: {
      waId: (from ?? contact?.wa_id ?? null) as WaId | null,
      userId: (fromUserId ?? contact?.user_id ?? null) as BsuId | null,
      profileName: contact?.profile?.name ?? contact?.profile?.username ?? null,
    },
    phoneNumberId,
    context: toContext(m.context),
    content,
    text: renderText(content),
    raw,
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

function toContent(
  raw: Record<string, unknown>,
  m: ParsedMessage,
  errors: WaError[],
  path: string,
  issues: DeliveryIssue[],
): InboundContent {
  const type = m.type;
  const body = raw[type];
  const unsupported = (originalType: string): InboundContent => ({
    kind: "unsupported",
    originalType,
    errorCode: errors[0]?.code ?? null,
    errorTitle: errors[0]?.title ?? null,
  });
  // Parses the content object of a known type; on mismatch the message is kept as unsupported.
  const content = <T>(schema: z.ZodType<T>, build: (data: T) => InboundContent): InboundContent => {
    const result = schema.safeParse(body);
    if (result.success) return build(result.data);
    const where = `${path}.${type}`;
    issues.push({ path: where, message: `${describe(result.error, where)} (kept as unsupported)` });
    return unsupported(type);
  };

  switch (type) {
    case "text":
      return content(textSchema, (t) => ({ kind: "text", body: t.body }));
    case "interactive":
      return content(interactiveSchema, (i) => {
        if (i.type === "button_reply" && i.button_reply) {
          return { kind: "button_reply", id: i.button_reply.id, title: i.button_reply.title };
        }
        if (i.type === "list_reply" && i.list_reply) {
          return {
            kind: "list_reply",
            id: i.list_reply.id,
            title: i.list_reply.title,
            description: i.list_reply.description ?? null,
          };
        }
        // Flow replies (nfm_reply) and future interactive kinds.
        return unsupported(`interactive.${i.type}`);
      });
    case "button":
      return content(buttonSchema, (b) => ({
        kind: "template_button",
        payload: b.payload ?? null,
        text: b.text,
      }));
    case "image":
    case "video":
    case "document":
      return content(mediaSchema, (media) => ({ kind: type, media: toMediaRef(media) }));
    case "audio":
      return content(mediaSchema, (media) => ({
        kind: "audio",
        media: toMediaRef(media),
        voice: media.voice === true,
      }));
    case "sticker":
      return content(mediaSchema, (media) => ({
        kind: "sticker",
        media: toMediaRef(media),
        animated: media.animated === true,
      }));
    case "location":
      return content(locationSchema, (l) => ({
        kind: "location",
        latitude: l.latitude,
        longitude: l.longitude,
        name: l.name ?? null,
        address: l.address ?? null,
        url: l.url ?? null,
      }));
    case "contacts":
      return content(contactsContentSchema, (cards) => ({
        kind: "contacts",
        cards: cards.map(toContactCard),
      }));
    case "reaction":
      return content(reactionSchema, (r) => ({
        kind: "reaction",
        targetId: r.message_id as WaMessageId,
        // Meta omits the emoji (or, in some versions, sends "") when a reaction is removed.
        emoji: r.emoji ? r.emoji : null,
      }));
    case "unsupported": {
      const detail = unsupportedSchema.safeParse(body);
      return unsupported((detail.success && detail.data.type) || "unsupported");
    }
    default:
      return unsupported(type);
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

/** A short, readable rendering of the content for transcripts and search. */
function renderText(content: InboundContent): string {
  switch (content.kind) {
    case "text":
      return content.body;
    // What the customer tapped is what they "said".
    case "button_reply":
    case "list_reply":
      return content.title;
    case "template_button":
      return content.text;
    case "image":
    case "video":
      return content.media.caption || `[${content.kind}]`;
    case "document":
      return (
        content.media.caption ||
        (content.media.filename ? `[document: ${content.media.filename}]` : "[document]")
      );
    case "audio":
      return content.voice ? "[voice note]" : "[audio]";
    case "sticker":
      return "[sticker]";
    case "location": {
      const label = [content.name, content.address].filter(Boolean).join(", ");
      const where = `(${content.latitude},${content.longitude})`;
      return label ? `📍 ${label} ${where}` : `📍 ${where}`;
    }
    case "contacts":
      return content.cards
        .map((card) => {
          const parts = [card.formattedName, ...card.phones.map((p) => p.phone)].filter(Boolean);
          return `[contact: ${parts.join(" ")}]`;
        })
        .join(" ");
    case "reaction":
      return content.emoji
        ? `[reaction ${content.emoji} to ${content.targetId}]`
        : `[reaction removed from ${content.targetId}]`;
    case "unsupported":
      return `[unsupported: ${content.originalType}]`;
  }
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
