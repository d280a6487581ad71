import type { BsuId, WaId, WaMessageId } from "./ids.ts";

/** Who sent an inbound message: at least one of the two ids is present. */
export interface Sender {
  waId: WaId | null;
  userId: BsuId | null;
  profileName: string | null;
}

/**
 * A click-to-WhatsApp ad the customer came from (`referral`): shown on the thread root and given
 * to the model, since the ad says what the customer is asking about.
 */
export interface Referral {
  sourceUrl: string | null;
  sourceId: string | null;
  sourceType: string | null;
  headline: string | null;
  body: string | null;
  mediaType: string | null;
  ctwaClid: string | null;
}

/** A quoted or forwarded message, from the webhook's `context`. */
export interface InboundContext {
  quotedId: WaMessageId | null;
  forwarded: boolean;
  frequentlyForwarded: boolean;
}

export interface MediaRef {
  mediaId: string;
  mimeType: string | null;
  sha256: string | null;
  caption: string | null;
  filename: string | null;
}

/** The content of an inbound customer message, one variant per WhatsApp type. */
export type InboundContent =
  | { kind: "text"; body: string }
  | { kind: "button_reply"; id: string; title: string }
  | { kind: "list_reply"; id: string; title: string; description: string | null }
  | { kind: "template_button"; payload: string | null; text: string }
  | { kind: "image"; media: MediaRef }
  | { kind: "audio"; media: MediaRef; voice: boolean }
  | { kind: "video"; media: MediaRef }
  | { kind: "document"; media: MediaRef }
  | { kind: "sticker"; media: MediaRef; animated: boolean }
  | {
      kind: "location";
      latitude: number;
      longitude: number;
      name: string | null;
      address: string | null;
      url: string | null;
    }
  | { kind: "contacts"; cards: ContactCard[] }
  | { kind: "order"; order: Order }
  | { kind: "flow_reply"; flow: FlowReply };

export type InboundKind = InboundContent["kind"];

/** A catalog cart the customer sent (`order`). Prices are as Meta sends them (major units). */
export interface Order {
  catalogId: string | null;
  /** The customer's note with the order. */
  note: string | null;
  items: OrderItem[];
}

export interface OrderItem {
  productId: string;
  quantity: number;
  itemPrice: number | null;
  currency: string | null;
}

/** A WhatsApp Flow form the customer submitted (`interactive.nfm_reply`). */
export interface FlowReply {
  /** `flow` for Flows, `address_message` for address forms. */
  name: string | null;
  body: string | null;
  /** The answers, flattened to readable field/value pairs (the `flow_token` left out). */
  fields: { field: string; value: string }[];
}

/**
 * A fact about the conversation carried in the `messages` array that is not something the
 * customer wrote to the business: stored and shown to agents where useful, but it never starts a
 * turn, never refreshes the 24-hour window, never answers the customer, never pages anyone.
 */
export type InboundEventContent =
  | { kind: "reaction"; targetId: WaMessageId; emoji: string | null }
  | { kind: "edit"; targetId: WaMessageId | null; newText: string | null }
  | { kind: "revoke"; targetId: WaMessageId | null }
  /** The customer's new number, or (username users) their new business-scoped user id. */
  | { kind: "number_change"; newWaId: WaId | null; newUserId: BsuId | null; body: string | null }
  | { kind: "identity_change"; body: string | null }
  | { kind: "call_permission_reply"; accepted: boolean | null; permanent: boolean }
  | { kind: "request_welcome" }
  | {
      kind: "unsupported";
      originalType: string;
      errorCode: number | null;
      errorTitle: string | null;
    };

export type InboundEventKind = InboundEventContent["kind"];

export interface ContactCard {
  formattedName: string;
  phones: { phone: string; waId: string | null; type: string | null }[];
  emails: string[];
}

/** One customer message, normalised from the webhook and ready to store. */
export interface InboundMessage {
  waMessageId: WaMessageId;
  /** Unix milliseconds from the message's own `timestamp` field. */
  sentAt: number;
  sender: Sender;
  /** The business phone number id the message was sent to. */
  phoneNumberId: string | null;
  context: InboundContext | null;
  /** The click-to-WhatsApp ad the customer came from, when the message carries one. */
  referral: Referral | null;
  /** Set when the message was written in a WhatsApp group the business number is part of. */
  groupId: string | null;
  content: InboundContent;
  /** A short human-readable rendering (body, caption, "[image]", ...), for transcripts and search. */
  text: string;
  /** The original message object, kept verbatim for later features and debugging. */
  raw: unknown;
}

/** One event from the webhook's `messages` array (see {@link InboundEventContent}). */
export interface InboundEvent {
  waMessageId: WaMessageId;
  /** Unix milliseconds from the event's own `timestamp` field. */
  sentAt: number;
  sender: Sender;
  phoneNumberId: string | null;
  event: InboundEventContent;
  /** A short human-readable rendering, for logs and the agent. */
  text: string;
  raw: unknown;
}
