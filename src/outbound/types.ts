import type { MediaMessage, ReplyButton, TemplateMessage } from "../whatsapp/graph/client.ts";

/** What we send to a customer; stored as the outbound message's payload. */
export type OutboundContent =
  | { kind: "text"; body: string }
  | { kind: "template"; template: TemplateMessage }
  | { kind: "media"; media: MediaMessage }
  | { kind: "buttons"; body: string; buttons: ReplyButton[] };

/** Who wrote an outbound message. */
export type OutboundAuthor = "bot" | "agent" | "system";

/** Templates are the only content allowed outside the 24-hour window. */
export function needsOpenWindow(content: OutboundContent): boolean {
  return content.kind !== "template";
}

/** A short readable rendering for transcripts. */
export function outboundText(content: OutboundContent): string {
  switch (content.kind) {
    case "text":
      return content.body;
    case "buttons":
      return `${content.body} [${content.buttons.map((b) => b.title).join(" | ")}]`;
    case "template":
      return `[template ${content.template.name}]`;
    case "media":
      return content.media.caption ?? `[${content.media.kind}]`;
  }
}
