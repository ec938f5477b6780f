// How dates, credit amounts and fees read, in the reader's language and time zone. Date-only values from the
// services ("2026-12-31": a completion day, a claim window's last day) are calendar days, not instants: they are
// shown as that day everywhere, never shifted by the time zone.

export const CURRENCY = "USD";

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function day(value: string): Date | null {
  const match = DAY.exec(value);
  if (!match) return null;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** "Dec 31, 2026" for a calendar day ("2026-12-31"). */
export function formatDay(value: string | null | undefined, locale = "en-US"): string {
  if (!value) return "";
  const date = day(value);
  if (!date) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

/** "Jan 15, 2027" for an instant, in the reader's time zone. */
export function formatDate(value: string | null | undefined, locale = "en-US", timeZone?: string): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(date);
}

/** "Jan 15, 2027, 8:00 AM" for an instant, in the reader's time zone. */
export function formatDateTime(value: string | null | undefined, locale = "en-US", timeZone?: string): string {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(date);
}

/** "Jan 15 – 16, 2027, 8:00 AM – 5:00 PM" style ranges; one instant when there is no end. */
export function formatRange(
  starts: string | null | undefined,
  ends: string | null | undefined,
  locale = "en-US",
  timeZone?: string,
): string {
  if (!starts) return "";
  const start = new Date(starts);
  if (!ends) return formatDateTime(starts, locale, timeZone);
  const end = new Date(ends);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return `${starts} – ${ends}`;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).formatRange(
    start,
    end,
  );
}

/** Credit amounts always with two decimals: "0.75", "14.25", "1.00". */
export function formatCredits(amount: string | number | null | undefined, locale = "en-US"): string {
  if (amount === null || amount === undefined || amount === "") return "";
  const value = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(value)) return String(amount);
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

/** Fees arrive in cents: 45000 -> "$450.00". */
export function formatFee(cents: number, locale = "en-US", currency = CURRENCY): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(cents / 100);
}

/** Bytes as "1.2 MB" for download progress. */
export function formatBytes(bytes: number, locale = "en-US"): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: "unit",
    unit: units[unit],
    unitDisplay: "short",
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/** Today's calendar day in the reader's time zone, as "YYYY-MM-DD". */
export function todayIso(now = new Date()): string {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, "0");
  const d = String(now.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** Whole days from today to a calendar day (negative when it has passed). */
export function daysUntil(value: string, now = new Date()): number {
  const target = day(value);
  const today = day(todayIso(now));
  if (!target || !today) return 0;
  return Math.round((target.getTime() - today.getTime()) / 86_400_000);
}

/** "2026-12" month key of an instant in the reader's time zone, for grouping a calendar. */
export function monthKey(value: string): string {
  const date = new Date(value);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

/** "January 2027" for a month key. */
export function formatMonth(key: string, locale = "en-US"): string {
  const [y, m] = key.split("-").map(Number);
  return new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" }).format(
    new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, 1)),
  );
}

/** Sum of credit amounts without floating-point drift (amounts are multiples of 0.25). */
export function quarters(amount: string | number): number {
  return Math.round(Number(amount) * 4);
}

/** A local date and time as a date-time field holds it ("2027-01-15T08:00:00", the reader's time zone) as an instant
 * ("2027-01-15T13:00:00.000Z"); null when it is not one. */
export function localToInstant(value: string | null | undefined): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An instant as a date-time field holds it: the reader's local date and time ("2027-01-15T08:00:00"). */
export function instantToLocal(value: string | null | undefined): string | null {
  if (!value) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
