import { z } from "zod";

// Every object schema here is loose: Meta adds fields without notice, and an unknown field must
// never cost us a customer message. Optional fields accept null as well as absence for the same
// reason. Only what normalisation actually reads is described.

/** Unix seconds as Meta sends them (a decimal string), or as a number. */
export const unixSeconds = z.union(
  [
    z.number().finite().nonnegative(),
    z
      .string()
      .regex(/^\d+$/)
      .transform((s) => Number(s)),
  ],
  { error: "expected Unix seconds (a string of digits or a number)" },
);

const numberLike = z.union(
  [
    z.number().finite(),
    z
      .string()
      .regex(/^-?\d+(\.\d+)?$/)
      .transform((s) => Number(s)),
  ],
  { error: "expected a number" },
);

const optionalString = z.string().nullish();

/**
 * WhatsApp's ids (wamid, wa_id, business-scoped user ids, group ids) are well under 100
 * characters. They are stored in unique indexes, and PostgreSQL refuses an index entry over
 * about 2.7 kB: a longer "id" is not WhatsApp's, and its item is refused like any malformed one
 * (on both engines, so that they accept the same deliveries).
 */
const ID_MAX = 512;
const waIdString = z.string().min(1).max(ID_MAX);
const optionalId = z.string().max(ID_MAX).nullish();

/** The top of a delivery: the only part that makes the whole delivery invalid when wrong. */
export const envelopeSchema = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(z.unknown()),
});

export const entrySchema = z.looseObject({
  // Present on template updates; a malformed time is dropped rather than failing the entry.
  time: unixSeconds.optional().catch(undefined),
  changes: z.array(z.unknown()),
});

export const changeSchema = z.looseObject({
  field: z.string(),
  value: z.unknown(),
});

export const messagesValueSchema = z.looseObject({
  metadata: z
    .looseObject({ phone_number_id: optionalString, display_phone_number: optionalString })
    .nullish()
    .catch(undefined),
  contacts: z.array(z.unknown()).nullish(),
  messages: z.array(z.unknown()).nullish(),
  statuses: z.array(z.unknown()).nullish(),
  errors: z.array(z.unknown()).nullish(),
});

export const contactSchema = z.looseObject({
  wa_id: optionalId,
  user_id: optionalId,
  profile: z.looseObject({ name: optionalString, username: optionalString }).nullish(),
});

export const errorSchema = z.looseObject({
  code: numberLike,
  title: optionalString,
  message: optionalString,
  error_data: z.looseObject({ details: optionalString }).nullish().catch(undefined),
});

export const contextSchema = z.looseObject({
  id: optionalString,
  from: optionalString,
  forwarded: z.boolean().nullish(),
  frequently_forwarded: z.boolean().nullish(),
});

export const referralSchema = z.looseObject({
  source_url: optionalString,
  source_id: optionalString,
  source_type: optionalString,
  headline: optionalString,
  body: optionalString,
  media_type: optionalString,
  ctwa_clid: optionalString,
});

/**
 * The part of a message shared by every type; the content itself is parsed per type. The sender
 * may be missing here: a user known only by a business-scoped id can appear only in the change's
 * `contacts` (normalisation looks there).
 */
export const messageSchema = z.looseObject({
  id: waIdString,
  from: waIdString.nullish().catch(undefined),
  from_user_id: waIdString.nullish().catch(undefined),
  timestamp: unixSeconds,
  type: z.string().min(1),
  // A broken context, referral or error list should not lose the message itself.
  context: contextSchema.nullish().catch(undefined),
  referral: referralSchema.nullish().catch(undefined),
  group_id: waIdString.nullish().catch(undefined),
  system: z.unknown().optional(),
  errors: z.array(z.unknown()).nullish().catch(undefined),
});

export const textSchema = z.looseObject({ body: z.string() });

export const interactiveSchema = z.looseObject({
  type: z.string(),
  button_reply: z.looseObject({ id: z.string(), title: z.string() }).nullish(),
  list_reply: z
    .looseObject({ id: z.string(), title: z.string(), description: optionalString })
    .nullish(),
  nfm_reply: z
    .looseObject({
      // A JSON string per Meta's docs; some senders give the object itself.
      response_json: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
      body: optionalString,
      name: optionalString,
    })
    .nullish(),
  call_permission_reply: z
    .looseObject({ response: optionalString, is_permanent: z.boolean().nullish() })
    .nullish(),
});

export const orderSchema = z.looseObject({
  catalog_id: optionalString,
  text: optionalString,
  product_items: z
    .array(
      z.looseObject({
        product_retailer_id: z.union([z.string(), z.number()]).transform(String),
        quantity: numberLike,
        item_price: numberLike.nullish(),
        currency: optionalString,
      }),
    )
    .nullish(),
});

/** `system` messages: a number change (`new_wa_id`) or an identity change. */
export const systemSchema = z.looseObject({
  body: optionalString,
  type: optionalString,
  new_wa_id: optionalId,
  wa_id: optionalId,
  user: optionalString,
  user_id: optionalId,
  previous_user_id: optionalId,
});

/**
 * Edits and deletions: which message they refer to has been spelt several ways across API
 * versions and partners, so every known spelling is accepted.
 */
export const changedMessageSchema = z.looseObject({
  original_message_id: optionalString,
  message_id: optionalString,
  id: optionalString,
  body: optionalString,
  text: z.looseObject({ body: optionalString }).nullish().catch(undefined),
  message: z.record(z.string(), z.unknown()).nullish().catch(undefined),
});

export const buttonSchema = z.looseObject({ payload: optionalString, text: z.string() });

export const mediaSchema = z.looseObject({
  id: z.string().min(1),
  mime_type: optionalString,
  sha256: optionalString,
  caption: optionalString,
  filename: optionalString,
  voice: z.boolean().nullish(),
  animated: z.boolean().nullish(),
});

export const locationSchema = z.looseObject({
  latitude: numberLike,
  longitude: numberLike,
  name: optionalString,
  address: optionalString,
  url: optionalString,
});

export const contactCardSchema = z.looseObject({
  name: z
    .looseObject({
      formatted_name: optionalString,
      first_name: optionalString,
      last_name: optionalString,
    })
    .nullish(),
  phones: z
    .array(z.looseObject({ phone: optionalString, wa_id: optionalString, type: optionalString }))
    .nullish(),
  emails: z.array(z.looseObject({ email: optionalString })).nullish(),
});

export const contactsContentSchema = z.array(contactCardSchema);

export const reactionSchema = z.looseObject({
  message_id: z.string().min(1),
  emoji: optionalString,
});

/** Meta names the type it could not deliver in `unsupported.type` (e.g. `edit`, `poll_creation`). */
export const unsupportedSchema = z.looseObject({ type: optionalString });

export const statusSchema = z.looseObject({
  id: waIdString,
  // Stored beside the id in a unique index; Meta's statuses are single words.
  status: z.string().max(128),
  timestamp: unixSeconds,
  recipient_id: optionalId,
  // Business-scoped user id of the recipient (2026+), the only recipient id for some users.
  recipient_user_id: optionalId,
  biz_opaque_callback_data: optionalString,
  pricing: z.looseObject({ category: optionalString }).nullish().catch(undefined),
  errors: z.array(z.unknown()).nullish().catch(undefined),
});

export const templateStatusSchema = z.looseObject({
  event: z.string().min(1),
  message_template_id: z.union([z.number().int(), z.string().min(1)]),
  message_template_name: z.string(),
  message_template_language: z.string(),
  reason: optionalString,
  message_template_category: optionalString,
});
