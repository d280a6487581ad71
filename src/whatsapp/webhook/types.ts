import type { WaMessageId } from "../../core/ids.ts";
import type { InboundEvent, InboundMessage } from "../../core/inbound.ts";
import type { WaStatus } from "../../core/status.ts";

/** An error WhatsApp attached to a status or a webhook value. */
export interface WaError {
  code: number;
  title: string | null;
  message: string | null;
  details: string | null;
}

/** A delivery report for a message we sent. */
export interface StatusUpdate {
  waMessageId: WaMessageId;
  status: WaStatus;
  /** Unix milliseconds from the status's own `timestamp`. */
  at: number;
  recipientId: string | null;
  /** Our own value echoed back from `biz_opaque_callback_data` (we put our message id there). */
  callbackData: string | null;
  errors: WaError[];
  pricingCategory: string | null;
  raw: unknown;
}

/** A `message_template_status_update` change. */
export interface TemplateStatusUpdate {
  templateId: string;
  name: string;
  language: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, ... kept as WhatsApp spells it. */
  event: string;
  category: string | null;
  reason: string | null;
  /** Unix milliseconds from `entry[].time` when present. */
  at: number | null;
}

/** System errors sent in a `value.errors` array (not tied to a message). */
export interface WebhookSystemError extends WaError {
  phoneNumberId: string | null;
}

/** Everything one webhook delivery carried, every entry and change included. */
export interface NormalizedDelivery {
  /** What customers wrote: these open the window and start turns. */
  messages: InboundMessage[];
  /** Reactions, edits, deletions, system notices...: stored and shown, never answered. */
  events: InboundEvent[];
  statuses: StatusUpdate[];
  templates: TemplateStatusUpdate[];
  errors: WebhookSystemError[];
  /** Changes whose `field` we do not handle, by field name, so they can be logged. */
  ignoredFields: string[];
}
