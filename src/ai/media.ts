import type { ContentBlockParam } from "@anthropic-ai/sdk/resources/messages";
import type { InboundContent } from "../core/inbound.ts";
import { flowText, orderText } from "../core/inbound-text.ts";
import type { Logger } from "../logger.ts";
import type { MessageRow } from "../store/repositories/messages.ts";
import type { GraphClient } from "../whatsapp/graph/client.ts";
import { GraphApiError } from "../whatsapp/graph/errors.ts";

/** Speech to text, for voice notes. No default: plug a service in through the service overrides. */
export interface Transcriber {
  transcribe(audio: { bytes: Uint8Array; mimeType: string }, signal: AbortSignal): Promise<string>;
}

/** A turn's customer messages as model input. */
export interface TurnContent {
  /** Text and media blocks for the model, in message order. */
  blocks: ContentBlockParam[];
  /** The customer's words (text, captions, titles, transcripts): for triggers, search, routing. */
  text: string;
  hasMedia: boolean;
  /** Messages we could not read (voice without a transcriber, video, sticker, unsupported). */
  unreadable: number;
  /** Messages with something to answer. */
  readable: number;
}

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MAX_PDF_BYTES = 10 * 1024 * 1024;

/** The normalised content stored with an inbound message. */
export function contentOf(m: MessageRow): InboundContent | null {
  const p = m.payload as { content?: InboundContent } | null;
  return p?.content ?? null;
}

/** Location and contact cards as text for the model; null for kinds that are not text. */
export function describeAsText(c: InboundContent): string | null {
  switch (c.kind) {
    case "text":
      return c.body;
    case "button_reply":
      return c.title;
    case "list_reply":
      return c.description ? `${c.title} (${c.description})` : c.title;
    case "template_button":
      return c.text;
    case "order":
      return orderText(c.order);
    case "flow_reply":
      return flowText(c.flow);
    case "location":
      return `[shared a location: ${[c.name, c.address].filter(Boolean).join(", ") || "pin"} (${c.latitude}, ${c.longitude})${c.url ? ` ${c.url}` : ""}]`;
    case "contacts":
      return `[shared contact card(s): ${c.cards
        .map((k) =>
          [k.formattedName, ...k.phones.map((p) => p.phone), ...k.emails].filter(Boolean).join(" "),
        )
        .join("; ")}]`;
    default:
      return null;
  }
}

/**
 * Builds the model input of a turn. Images (JPEG, PNG, GIF, WebP) and PDF documents are
 * downloaded through the Graph client and given to the model with their captions; other
 * documents, videos, stickers and voice notes (unless a transcriber is plugged in) are described
 * as unreadable. A transient Graph failure is thrown so the turn job retries.
 */
export async function buildTurnContent(
  messages: MessageRow[],
  deps: {
    graph: Pick<GraphClient, "downloadMedia"> | null;
    transcriber?: Transcriber | null;
    logger: Logger;
  },
  signal: AbortSignal,
): Promise<TurnContent> {
  const blocks: ContentBlockParam[] = [];
  const words: string[] = [];
  let hasMedia = false;
  let unreadable = 0;
  let readable = 0;
  const note = (text: string) => blocks.push({ type: "text", text });

  async function download(mediaId: string) {
    if (!deps.graph) return null;
    try {
      return await deps.graph.downloadMedia(mediaId);
    } catch (err) {
      if (err instanceof GraphApiError && err.retryable) throw err;
      deps.logger.warn({ err, mediaId }, "could not download customer media");
      return null;
    }
  }

  for (const m of messages) {
    const c = contentOf(m) ?? { kind: "text" as const, body: m.text };
    const asText = describeAsText(c);
    if (asText !== null) {
      if (asText.trim() === "") continue;
      note(asText);
      words.push(asText);
      readable++;
      continue;
    }
    switch (c.kind) {
      case "image":
      case "document": {
        const caption = c.media.caption?.trim() ?? "";
        if (caption) words.push(caption);
        const mime = (c.media.mimeType ?? "").split(";")[0]!.trim().toLowerCase();
        const isPdf = c.kind === "document" && mime === "application/pdf";
        const isImage = c.kind === "image" && IMAGE_TYPES.has(mime);
        const label =
          c.kind === "image"
            ? "[image]"
            : `[document${c.media.filename ? ` ${c.media.filename}` : ""}]`;
        const file = isPdf || isImage ? await download(c.media.mediaId) : null;
        const limit = isPdf ? MAX_PDF_BYTES : MAX_IMAGE_BYTES;
        if (file && file.bytes.byteLength <= limit) {
          const data = Buffer.from(file.bytes).toString("base64");
          note(`${label}${caption ? ` caption: ${caption}` : ""}`);
          blocks.push(
            isPdf
              ? {
                  type: "document",
                  source: { type: "base64", media_type: "application/pdf", data },
                }
              : {
                  type: "image",
                  source: {
                    type: "base64",
                    media_type: mime as "image/jpeg" | "image/png" | "image/gif" | "image/webp",
                    data,
                  },
                },
          );
          hasMedia = true;
          readable++;
        } else {
          note(`${label} (could not be opened)${caption ? ` caption: ${caption}` : ""}`);
          if (caption) readable++;
          else unreadable++;
        }
        break;
      }
      case "audio": {
        let transcript: string | null = null;
        if (c.voice && deps.transcriber) {
          const file = await download(c.media.mediaId);
          if (file) {
            try {
              transcript = (await deps.transcriber.transcribe(file, signal)).trim() || null;
            } catch (err) {
              deps.logger.warn({ err }, "voice note transcription failed");
            }
          }
        }
        if (transcript) {
          note(`[voice note, transcribed] ${transcript}`);
          words.push(transcript);
          readable++;
        } else {
          note(c.voice ? "[voice note: cannot be listened to]" : "[audio file: cannot be played]");
          unreadable++;
        }
        break;
      }
      case "video":
      case "sticker": {
        const caption = c.kind === "video" ? (c.media.caption?.trim() ?? "") : "";
        note(`[${c.kind}: cannot be viewed]${caption ? ` caption: ${caption}` : ""}`);
        if (caption) {
          words.push(caption);
          readable++;
        } else unreadable++;
        break;
      }
      default:
        // Rows stored before events were told apart (reactions, unsupported types) land here.
        if ((c as { kind: string }).kind !== "reaction") {
          note("[unsupported message: cannot be viewed]");
          unreadable++;
        }
    }
  }
  return { blocks, text: words.join("\n"), hasMedia, unreadable, readable };
}
