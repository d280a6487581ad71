/** Opening hours: days of the week (0 = Sunday) and minutes since midnight, in one UTC offset. */
export interface BusinessHours {
  days: number[];
  openMinute: number;
  closeMinute: number;
  utcOffsetMinutes: number;
}

const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/**
 * Parses `Mon-Fri 09:00-17:00` (day range or comma list, then a time range). Returns an error
 * message instead of throwing so config validation can list it with the other problems.
 */
export function parseBusinessHours(spec: string, utcOffsetMinutes: number): BusinessHours | string {
  const m =
    /^\s*([a-z]{3})(?:\s*-\s*([a-z]{3}))?((?:\s*,\s*[a-z]{3})*)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/i.exec(
      spec,
    );
  if (!m) return 'expected e.g. "Mon-Fri 09:00-17:00"';
  const day = (s: string | undefined) => (s ? DAY_NAMES.indexOf(s.toLowerCase()) : -1);
  const first = day(m[1]);
  const last = m[2] ? day(m[2]) : first;
  const extra = (m[3] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(day);
  if (first < 0 || last < 0 || extra.some((d) => d < 0))
    return "unknown day name (use Mon, Tue, ...)";
  const days = new Set<number>(extra);
  for (let d = first; ; d = (d + 1) % 7) {
    days.add(d);
    if (d === last) break;
  }
  const openMinute = Number(m[4]) * 60 + Number(m[5]);
  const closeMinute = Number(m[6]) * 60 + Number(m[7]);
  if (openMinute >= closeMinute || closeMinute > 24 * 60)
    return "the closing time must be after the opening time";
  return { days: [...days].sort(), openMinute, closeMinute, utcOffsetMinutes };
}

/** Whether `now` (Unix ms) falls within the opening hours. */
export function isOpen(hours: BusinessHours, now: number): boolean {
  const local = new Date(now + hours.utcOffsetMinutes * 60_000);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return (
    hours.days.includes(local.getUTCDay()) &&
    minute >= hours.openMinute &&
    minute < hours.closeMinute
  );
}
