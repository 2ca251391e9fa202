import type { Content, KnowledgeEntry, Programme } from './types.js';

const DAY_MS = 86_400_000;

/** An entry whose `as_of` is older than its programme's `review_days`. */
export interface StaleEntry {
  id: string;
  scheme: string;
  /** The entry's file, relative to the content directory (`knowledge/<scheme>/<topic>.md`). */
  file: string;
  /** YYYY-MM-DD */
  asOf: string;
  reviewDays: number;
  /** Whole days past the review date (at least 1). */
  overdueDays: number;
}

/**
 * Whole days by which `asOf` is past a review every `reviewDays`, or 0 when it is not. Counted on UTC
 * calendar days: an entry reviewed every 365 days becomes stale on day 366, whatever the hour.
 */
export function overdueDays(asOf: string, reviewDays: number, now: Date): number {
  const start = Date.parse(`${asOf}T00:00:00Z`);
  if (Number.isNaN(start)) return 0;
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const age = Math.floor((today - start) / DAY_MS);
  return Math.max(0, age - reviewDays);
}

/** Whether `entry` is past its programme's review period at `now`; false for an entry without a programme. */
export function isStale(entry: KnowledgeEntry, programme: Programme | undefined, now: Date): boolean {
  return programme !== undefined && overdueDays(entry.asOf, programme.reviewDays, now) > 0;
}

/** Entries past review at `now`, most overdue first (then by id). */
export function staleEntries(content: Pick<Content, 'knowledge' | 'programmes'>, now: Date): StaleEntry[] {
  const programmes = new Map(content.programmes.map((p) => [p.id, p]));
  const stale: StaleEntry[] = [];
  for (const entry of content.knowledge) {
    const programme = programmes.get(entry.scheme);
    if (!programme) continue;
    const overdue = overdueDays(entry.asOf, programme.reviewDays, now);
    if (overdue > 0)
      stale.push({
        id: entry.id,
        scheme: entry.scheme,
        file: entry.file,
        asOf: entry.asOf,
        reviewDays: programme.reviewDays,
        overdueDays: overdue,
      });
  }
  return stale.sort((a, b) => b.overdueDays - a.overdueDays || a.id.localeCompare(b.id));
}
