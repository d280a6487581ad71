import type { OutboundPurpose } from "../core/opt-out.ts";
import type { MediaMessage, ReplyButton, TemplateMessage } from "../whatsapp/graph/client.ts";

/**
 * What we send to a customer; stored as the outbound message's payload. A text's `purpose`
 * marks the one message still sent to an opted-out contact: the opt-out's own confirmation.
 */
export type OutboundContent =
  | { kind: "text"; body: string; purpose?: OutboundPurpose }
  /** `preview`: the body as the customer reads it, for transcripts (never sent). */
  | { kind: "template"; template: TemplateMessage; preview?: string }
  | { kind: "media"; media: MediaMessage }
  | { kind: "buttons"; body: string; buttons: ReplyButton[] };

/** Who wrote an outbound message. */
export type OutboundAuthor = "bot" | "agent" | "system";

/** Templates are the only content allowed outside the 24-hour window. */
export function needsOpenWindow(content: OutboundContent): boolean {
  return content.kind !== "template";
}

/** Why this message may go out while its contact is opted out (see `blockedByOptOut`). */
export function outboundPurpose(content: OutboundContent): OutboundPurpose | null {
  return content.kind === "text" ? (content.purpose ?? null) : null;
}

/** A short readable rendering for transcripts. */
export function outboundText(content: OutboundContent): string {
  switch (content.kind) {
    case "text":
      return content.body;
    case "buttons":
      return `${content.body} [${content.buttons.map((b) => b.title).join(" | ")}]`;
    case "template":
      return content.preview
        ? `[template ${content.template.name}] ${content.preview}`
        : `[template ${content.template.name}]`;
    case "media":
      return content.media.caption ?? `[${content.media.kind}]`;
  }
}
