import type { FlowReply, InboundContent, InboundEventContent, Order } from "./inbound.ts";

/** A price as a customer reads it: whole numbers plain, others with two decimals. */
function price(amount: number): string {
  return Number.isInteger(amount) ? String(amount) : amount.toFixed(2);
}

/**
 * An order as text a person or the model can reason about, e.g.
 * `🛒 Order: 2 × SKU-1 at 15000 IDR; 1 × SKU-2 at 5000 IDR. Total 35000 IDR. Note: "gift wrap"`.
 */
export function orderText(order: Order): string {
  const items = order.items.map((i) => {
    const each =
      i.itemPrice === null ? "" : ` at ${price(i.itemPrice)}${i.currency ? ` ${i.currency}` : ""}`;
    return `${i.quantity} × ${i.productId}${each}`;
  });
  const currencies = new Set(order.items.map((i) => i.currency));
  const priced = order.items.every((i) => i.itemPrice !== null);
  const total =
    priced && currencies.size === 1 && order.items.length > 0
      ? ` Total ${price(order.items.reduce((sum, i) => sum + i.quantity * (i.itemPrice ?? 0), 0))}${
          order.items[0]!.currency ? ` ${order.items[0]!.currency}` : ""
        }.`
      : "";
  const head = `🛒 Order${order.catalogId ? ` (catalog ${order.catalogId})` : ""}: `;
  const list = items.length > 0 ? `${items.join("; ")}.` : "no items.";
  const note = order.note?.trim() ? ` Note: "${order.note.trim()}"` : "";
  return `${head}${list}${total}${note}`;
}

/** A submitted Flow form as `📋 Form reply: Field: value; Field: value`. */
export function flowText(flow: FlowReply): string {
  const label = flow.name === "address_message" ? "Address form" : "Form reply";
  const fields = flow.fields.map((f) => `${f.field}: ${f.value}`).join("; ");
  const body = flow.body?.trim() && flow.body.trim() !== "Sent" ? ` (${flow.body.trim()})` : "";
  return `📋 ${label}${body}: ${fields.length > 0 ? fields : "no answers"}`;
}

/** A short, readable rendering of a customer message for transcripts, search and the model. */
export function contentText(content: InboundContent): string {
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
    case "order":
      return orderText(content.order);
    case "flow_reply":
      return flowText(content.flow);
  }
}

/** A short rendering of an event, for logs and stored rows (never sent to anyone). */
export function eventText(event: InboundEventContent): string {
  switch (event.kind) {
    case "reaction":
      return event.emoji ? `reacted ${event.emoji}` : "removed a reaction";
    case "edit":
      return event.newText === null ? "edited a message" : `edited a message: ${event.newText}`;
    case "revoke":
      return "deleted a message";
    case "number_change":
      return "changed their WhatsApp number";
    case "identity_change":
      return "their WhatsApp identity changed";
    case "call_permission_reply":
      return event.accepted === null
        ? "answered a call permission request"
        : event.accepted
          ? "allowed calls from the business"
          : "declined calls from the business";
    case "request_welcome":
      return "opened the chat for the first time";
    case "unsupported":
      return `sent something WhatsApp cannot show (${event.originalType})`;
  }
}
