export type {
  DownloadedMedia,
  GraphClient,
  GraphClientOptions,
  MediaInfo,
  MediaKind,
  MediaMessage,
  ReplyButton,
  SendOptions,
  SendResult,
  TemplateComponent,
  TemplateInfo,
  TemplateMediaRef,
  TemplateMessage,
  TemplateParameter,
} from "./client.ts";
export { createGraphClient } from "./client.ts";
export type { GraphApiErrorInit, GraphErrorKind, RequestFate } from "./errors.ts";
export {
  classifyGraphError,
  GraphApiError,
  GraphValidationError,
  requestFate,
  requestNeverSent,
} from "./errors.ts";
