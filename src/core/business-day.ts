const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The start (Unix ms) of the business day that contains `now`, in the business's UTC offset
 * (`BUSINESS_UTC_OFFSET`). Every "today" figure (Home tab, `/metrics`, `npm run ai -- status`,
 * the daily token budget's report) uses this one definition, so they agree.
 */
export function startOfBusinessDay(now: number, utcOffsetMinutes: number): number {
  const offsetMs = utcOffsetMinutes * 60_000;
  return Math.floor((now + offsetMs) / DAY_MS) * DAY_MS - offsetMs;
}

/** The start of the business day `days` days before the one containing `now` (0 = today). */
export function businessDaysAgo(now: number, utcOffsetMinutes: number, days: number): number {
  return startOfBusinessDay(now, utcOffsetMinutes) - days * DAY_MS;
}
