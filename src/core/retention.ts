/**
 * Data retention rules: what personal data is due for redaction or anonymisation, given the
 * current time and the settings. Pure; the SQL lives in src/store/retention.ts.
 *
 * - Messages (texts, raw webhook JSON), status reports and finished jobs' payloads are redacted
 *   `messageDays` after they were stored. What statistics and the Home tab read is kept: kind,
 *   direction, author, status, timestamps, error codes, costs, tiers.
 * - Contacts without activity for `contactDays` are anonymised: phone number, user id and profile
 *   name nulled (not hashed: a hash of a phone number is easy to reverse by trying them all), all
 *   their messages redacted and their conversations' summaries cleared. A returning customer is
 *   then a new contact and starts fresh.
 *
 * A setting of 0 keeps that data forever.
 */

export interface RetentionSettings {
  /** Days after which message texts and raw payloads are redacted; 0 = never. */
  messageDays: number;
  /** Days without activity after which a contact is anonymised; 0 = never. */
  contactDays: number;
}

export const DAY_MS = 24 * 3600_000;

/** The first run comes shortly after start (not during it), then one a day. */
export const RETENTION_FIRST_RUN_MS = 60_000;
export const RETENTION_EVERY_MS = DAY_MS;

/** Rows handled per transaction: each batch holds the write lock for a few milliseconds only. */
export const RETENTION_BATCH = 200;

/** What a redacted message's text becomes. */
export const REDACTED_TEXT = "";
/** What a redacted message's or status report's payload becomes (stored JSON). */
export const REDACTED_PAYLOAD = '{"redacted":true}';

export interface RetentionCutoffs {
  /** Messages, status reports and finished jobs stored before this (Unix ms) are due; null = never. */
  redactBefore: number | null;
  /** Contacts whose last activity is before this (Unix ms) are due; null = never. */
  anonymiseInactiveBefore: number | null;
}

/** The cutoffs in force at `now`. */
export function retentionCutoffs(now: number, s: RetentionSettings): RetentionCutoffs {
  return {
    redactBefore: s.messageDays > 0 ? now - s.messageDays * DAY_MS : null,
    anonymiseInactiveBefore: s.contactDays > 0 ? now - s.contactDays * DAY_MS : null,
  };
}

/** The columns of a message the redaction rule looks at. */
export interface MessageFacts {
  direction: string;
  status: string;
  createdAt: number;
  text: string;
  payload: string;
}

/**
 * What to do with one message: `due` (redact it now), `kept` (too young, or nothing to redact)
 * or `in_use` (old enough but still being worked on: an outbound message not yet handed to
 * WhatsApp, whose send job needs its content, or an inbound one no turn has taken yet).
 */
export function messageRedaction(
  m: MessageFacts,
  redactBefore: number | null,
): "due" | "kept" | "in_use" {
  if (redactBefore === null || m.createdAt >= redactBefore) return "kept";
  if (isRedacted(m)) return "kept";
  return isInUse(m) ? "in_use" : "due";
}

/** A message that must not be redacted yet, whatever its age. */
export function isInUse(m: Pick<MessageFacts, "direction" | "status">): boolean {
  if (m.direction === "out") return m.status === "queued" || m.status === "sending";
  if (m.direction === "in") return m.status === "received";
  return false;
}

export function isRedacted(m: Pick<MessageFacts, "text" | "payload">): boolean {
  return m.text === REDACTED_TEXT && m.payload === REDACTED_PAYLOAD;
}

/** The facts about a contact the anonymisation rule looks at. */
export interface ContactFacts {
  waId: string | null;
  userId: string | null;
  profileName: string | null;
  /** Newest of: contact created/updated, its conversations updated, its newest message stored. */
  lastActivityAt: number;
}

/** Whether a contact is due for anonymisation (and not anonymised already). */
export function contactDue(c: ContactFacts, anonymiseInactiveBefore: number | null): boolean {
  if (anonymiseInactiveBefore === null) return false;
  if (c.waId === null && c.userId === null && c.profileName === null) return false;
  return c.lastActivityAt < anonymiseInactiveBefore;
}

/** How an operator named a contact: `npm run contact -- export <phone or id>`. */
export interface ContactQuery {
  /** Digits of a phone number (the contact's wa_id), when the input can be one. */
  phone: string | null;
  /** Our row id, when the input is a plain number. */
  contactId: number | null;
  /** A business-scoped user id: the input as given (null for `id:<n>`). */
  userId: string | null;
}

/**
 * Reads a phone number (digits, with or without `+`, spaces, dashes, dots or parentheses), a
 * contact id or a business-scoped user id. Null for an empty input. A plain number may be a
 * phone number or a contact id: the caller looks both up and refuses an ambiguous answer;
 * `id:<n>` names a contact id alone.
 */
export function parseContactQuery(input: string): ContactQuery | null {
  const trimmed = input.trim();
  if (trimmed === "") return null;
  const explicit = /^id:(\d+)$/i.exec(trimmed);
  if (explicit) {
    const id = Number(explicit[1]);
    return Number.isSafeInteger(id) && id > 0 ? { phone: null, contactId: id, userId: null } : null;
  }
  const looksLikePhone = /^\+?[\d\s().-]+$/.test(trimmed);
  const digits = looksLikePhone ? trimmed.replace(/\D/g, "") : "";
  const plain = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  return {
    phone: digits.length >= 5 ? digits : null,
    contactId: Number.isSafeInteger(plain) && plain > 0 ? plain : null,
    userId: trimmed,
  };
}

/** The columns of a job the redaction rule looks at. */
export interface JobFacts {
  state: string;
  createdAt: number;
  hasPayload: boolean;
}

/**
 * A job's payload (it may carry an agent's reply or a customer's text) is redacted like a
 * message; only once the job is finished (`done` or `dead`): a pending one still needs it.
 */
export function jobRedaction(j: JobFacts, redactBefore: number | null): "due" | "kept" | "in_use" {
  if (redactBefore === null || j.createdAt >= redactBefore || !j.hasPayload) return "kept";
  return j.state === "done" || j.state === "dead" ? "due" : "in_use";
}
