// The office's reports as a chart, its table and its CSV read them: one row per bucket (or board, or rating), one
// column per series. The services leave out empty buckets; these fill them, so the time axis is never squeezed.

export type Bucket = "day" | "week" | "month";

const DAY_MS = 86_400_000;

function utcDay(iso: string): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

function iso(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The first UTC day of the bucket holding `day`: itself, the Monday before it, or the first of its month (as
 * PostgreSQL's date_trunc, which the services group by). */
export function bucketStart(day: string, bucket: Bucket): string {
  const date = utcDay(day);
  if (bucket === "week") return iso(new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY_MS));
  if (bucket === "month") return iso(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)));
  return iso(date);
}

/** Every bucket's first day from the one holding `from` to the one holding `to`. */
export function bucketStarts(from: string, to: string, bucket: Bucket): string[] {
  const starts: string[] = [];
  const last = bucketStart(to, bucket);
  let current = utcDay(bucketStart(from, bucket));
  while (iso(current) <= last) {
    starts.push(iso(current));
    current =
      bucket === "month"
        ? new Date(Date.UTC(current.getUTCFullYear(), current.getUTCMonth() + 1, 1))
        : new Date(current.getTime() + (bucket === "week" ? 7 : 1) * DAY_MS);
  }
  return starts;
}

export type Row = Record<string, number | string>;

/** Wide rows, one per `keys` entry (in its order), summing `value(item)` into the column `series(item)`; every
 * series of `seriesKeys` is 0 where nothing was counted. */
export function pivot<T>(
  items: readonly T[],
  keys: readonly string[],
  key: (item: T) => string,
  seriesKeys: readonly string[],
  series: (item: T) => string,
  value: (item: T) => number,
): Row[] {
  const rows = new Map<string, Row>(keys.map((k) => [k, Object.fromEntries([["key", k], ...seriesKeys.map((s) => [s, 0])])]));
  for (const item of items) {
    const row = rows.get(key(item));
    const column = series(item);
    if (row && column in row) row[column] = Number(row[column]) + value(item);
  }
  return [...rows.values()];
}

/** The distinct values of `of(item)`, in first-seen order. */
export function distinct<T>(items: readonly T[], of: (item: T) => string): string[] {
  return [...new Set(items.map(of))];
}

/** The sum of one column over the rows, rounded to cents so that 0.1 + 0.2 reads 0.3. */
export function total(rows: readonly Row[], column: string): number {
  return Math.round(rows.reduce((sum, row) => sum + Number(row[column] ?? 0), 0) * 100) / 100;
}

/** The period a report opens with: the twelve weeks (84 days) up to today, in UTC. */
export function defaultPeriod(now: Date): { from: string; to: string } {
  const to = iso(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())));
  return { from: iso(new Date(utcDay(to).getTime() - 83 * DAY_MS)), to };
}
