/** A nominal type: `Brand<string, "WaMessageId">` is a string the compiler will not mix up with other strings. */
export type Brand<T, B extends string> = T & { readonly __brand: B };

/** WhatsApp message id (`wamid.…`), unique per message on Meta's side. */
export type WaMessageId = Brand<string, "WaMessageId">;
/** A customer's WhatsApp id (their phone number in international form, digits only). */
export type WaId = Brand<string, "WaId">;
/** A business-scoped user id (2026+), present when a user has a username instead of a number. */
export type BsuId = Brand<string, "BsuId">;
/** Our own row ids. */
export type ContactId = Brand<number, "ContactId">;
export type ConversationId = Brand<number, "ConversationId">;
export type MessageId = Brand<number, "MessageId">;
export type JobId = Brand<number, "JobId">;
