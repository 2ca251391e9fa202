import { staleEntries } from '../content/stale.js';
import type { Content } from '../content/types.js';
import type { CliIO } from './io.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The day `--on YYYY-MM-DD` (or `--on=YYYY-MM-DD`) names, today without it, or an error to print. */
export function reviewDay(args: string[], today: Date): Date | string {
  const i = args.findIndex((a) => a === '--on' || a.startsWith('--on='));
  if (i < 0) return today;
  const arg = args[i] as string;
  const value = arg === '--on' ? args[i + 1] : arg.slice('--on='.length);
  const day = value && DATE.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!day || Number.isNaN(day.getTime()) || !day.toISOString().startsWith(value as string))
    return `--on needs a date YYYY-MM-DD, got "${value ?? ''}"`;
  return day;
}

/**
 * `kb check --stale`: the entries whose `as_of` is older than their programme's `review_days` on the day
 * checked. A stale entry is a reminder to review, not an invalid file, so the exit code is 0; with
 * `--strict` it is 1 when any entry is stale (for a CI job that enforces reviews).
 */
export function runStaleCheck(content: Content, args: string[], io: CliIO, today = new Date()): number {
  const on = reviewDay(args, today);
  if (typeof on === 'string') {
    io.stderr.write(`${on}\n`);
    return 2;
  }
  const day = on.toISOString().slice(0, 10);
  const stale = staleEntries(content, on);
  if (args.includes('--json')) {
    io.stdout.write(`${JSON.stringify({ ok: true, on: day, entries: content.knowledge.length, stale })}\n`);
  } else {
    for (const s of stale)
      io.stdout.write(
        `${s.file}: as of ${s.asOf}, review every ${s.reviewDays} days, overdue by ${s.overdueDays} day${s.overdueDays === 1 ? '' : 's'}\n`,
      );
    io.stdout.write(
      stale.length === 0
        ? `no entries past review on ${day} (${content.knowledge.length} entries)\n`
        : `${stale.length} of ${content.knowledge.length} entries past review on ${day}\n`,
    );
  }
  return stale.length > 0 && args.includes('--strict') ? 1 : 0;
}
