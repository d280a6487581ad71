import type { BsuId, WaId, WaMessageId } from "./ids.ts";

/** Who sent an inbound message: at least one of the two ids is present. */
export interface Sender {
  waId: WaId | null;
  userId: BsuId | null;
  profileName: string | null;
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
  | { kind: "reaction"; targetId: WaMessageId; emoji: string | null }
  | {
      kind: "unsupported";
      originalType: string;
      errorCode: number | null;
      errorTitle: string | null;
    };

export type InboundKind = InboundContent["kind"];

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
  content: InboundContent;
  /** A short human-readable rendering (body, caption, "[image]", ...), for transcripts and search. */
  text: string;
  /** The original message object, kept verbatim for later features and debugging. */
  raw: unknown;
}
