/**
 * The weekly digest: the past week's numbers and the top five knowledge gaps, posted to the admins'
 * channel (the desk file's `admin_channel`, at its `digest` time of the week) through the bulletin
 * outbox. The numbers are the dashboard's (`computeFigures`), the gaps `kb gaps`' (`groupGaps`, same
 * ids), computed once when the digest is queued and stored with it: every channel, and every retry,
 * shows the same digest.
 *
 * A week's digest is queued at most once: its id is `digest:<ISO week>` (the ISO week of its scheduled
 * time in the schedule's time zone), and the bulletin store creates an id only once, also when two
 * replicas race. It covers the seven days before its scheduled time: from the previous week's scheduled
 * time to this week's, so consecutive digests neither overlap nor leave a gap (also across a change to
 * or from daylight saving time).
 */
import type { Logger } from 'pino';
import type { AdminChannel, Content, DigestSchedule } from '../content/types.js';
import { WEEKDAYS } from '../content/types.js';
import type { Action, Clock, DeskId, Lang } from '../core/types.js';
import { type Bulletin, type BulletinStore, bulletinDeliveries } from '../tickets/bulletins.js';
import type { TicketStore } from '../tickets/store.js';
import type { Delivery } from '../tickets/types.js';
import { computeFigures } from './figures.js';
import { groupGaps } from './gaps.js';
import type { TurnStore } from './types.js';

/** How many gaps a digest lists, and example questions per gap. */
const DIGEST_GAPS = 5;
const DIGEST_EXAMPLES = 2;
/** A digest is kept at least this long (its id is what stops the week's digest from being queued again). */
const MIN_KEEP_DAYS = 14;
const DAY_MS = 86_400_000;

/** What a digest says: numbers and gap summaries, no platform markup (the views render it). */
export interface Digest {
  /** `2025-W03`. */
  week: string;
  /** The period, ISO instants: `from` inclusive, `to` exclusive (this week's scheduled time). */
  from: string;
  to: string;
  timeZone: string;
  inquiries: number;
  actions: Record<Action, number>;
  feedback: { helpful: number; notHelpful: number };
  tickets: { opened: number; breaches: number };
  /** Desks that had tickets opened in the week, most first. Hours; null when none was claimed. */
  desks: Array<{ desk: DeskId; opened: number; medianFirstClaimHours: number | null; breaches: number }>;
  /** The open gaps with the most impact, as `kb gaps` ranks them (same ids). */
  gaps: Array<{
    id: string;
    count: number;
    langs: Lang[];
    /** Questions people typed (scrubbed of contact details): user text wherever it is shown. */
    examples: string[];
    closest: string | null;
  }>;
}

export type DigestBulletin = Bulletin<'digest', Digest>;

const formats = new Map<string, Intl.DateTimeFormat>();
/** The wall-clock date and time in `timeZone` at `instant` (milliseconds since the epoch). */
export function wallClock(instant: number, timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, Number(x.value)]));
  return {
    y: p.year ?? 1970,
    m: p.month ?? 1,
    d: p.day ?? 1,
    h: p.hour ?? 0,
    mi: p.minute ?? 0,
    s: p.second ?? 0,
  };
}

/**
 * The instant the wall clock in `timeZone` reads `localMs` (a local time written as if it were UTC):
 * the first such instant when the clock reads it twice (summer time ending), and the time shifted
 * forward when it never does (summer time starting: 02:30 becomes 03:30).
 */
function fromWallClock(localMs: number, timeZone: string): number {
  const offset = (at: number) => {
    const w = wallClock(at, timeZone);
    return Date.UTC(w.y, w.m - 1, w.d, w.h, w.mi, w.s) - Math.floor(at / 1000) * 1000;
  };
  // The offsets half a day before and after: any change of offset lies between them.
  const before = localMs - offset(localMs - DAY_MS / 2);
  const after = localMs - offset(localMs + DAY_MS / 2);
  const reads = (at: number) => at + offset(at) === localMs;
  return [before, after].sort((a, b) => a - b).find(reads) ?? before;
}

/** The ISO week (`2025-W03`) of a local date (UTC midnight of that date, in ms), and its Monday. */
function isoWeekOf(localDay: number): { week: string; monday: number } {
  const dow = (new Date(localDay).getUTCDay() + 6) % 7;
  const monday = localDay - dow * DAY_MS;
  const year = new Date(monday + 3 * DAY_MS).getUTCFullYear();
  const jan4 = Date.UTC(year, 0, 4);
  const firstMonday = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const n = 1 + Math.round((monday - firstMonday) / (7 * DAY_MS));
  return { week: `${year}-W${String(n).padStart(2, '0')}`, monday };
}

export interface DigestWeek {
  week: string;
  /** This week's scheduled time. */
  at: Date;
  /** The previous week's scheduled time: where the digest's period starts. */
  from: Date;
}

/** The week `now` is in (in the schedule's time zone), with its scheduled time and the one before. */
export function digestWeek(now: Date, schedule: DigestSchedule): DigestWeek {
  const w = wallClock(now.getTime(), schedule.timeZone);
  const { week, monday } = isoWeekOf(Date.UTC(w.y, w.m - 1, w.d));
  const local = monday + WEEKDAYS.indexOf(schedule.weekday) * DAY_MS + schedule.hour * 3_600_000;
  return {
    week,
    at: new Date(fromWallClock(local, schedule.timeZone)),
    from: new Date(fromWallClock(local - 7 * DAY_MS, schedule.timeZone)),
  };
}

export interface DigestDeps {
  content: () => Pick<Content, 'desks'>;
  turns: Pick<TurnStore, 'list' | 'decisions'>;
  tickets: Pick<TicketStore, 'list'>;
  bulletins: BulletinStore;
  /** The channels a bulletin to `to` is delivered on (the notifier registry's `reachingAdmins`). */
  channels: (to: AdminChannel) => Array<Delivery['channel']>;
  clock: Clock;
  /** Turn-record retention: a digest (it quotes questions) is kept no longer, and at least 14 days. */
  retentionDays: number;
  /** Called when a digest was queued: kicks the bulletin outbox. */
  onQueued?: () => void;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** The digest of `week`, from the stores as they are at `now`. */
export async function buildDigest(
  deps: Pick<DigestDeps, 'content' | 'turns' | 'tickets'>,
  week: DigestWeek,
  schedule: DigestSchedule,
  now: Date,
): Promise<Digest> {
  const from = week.from.toISOString();
  const to = week.at.toISOString();
  const [records, reviewed, decisions, tickets] = await Promise.all([
    deps.turns.list({ from, to }),
    deps.turns.list({ needsReview: true }),
    deps.turns.decisions(),
    deps.tickets.list({ where: (t) => t.createdAt >= from && t.createdAt < to }),
  ]);
  const figures = computeFigures({
    records,
    tickets,
    from: week.from,
    to: week.at,
    now,
    desks: deps.content().desks.desks,
  });
  const gaps = groupGaps(reviewed, { decisions, now, limit: DIGEST_GAPS });
  return {
    week: week.week,
    from,
    to,
    timeZone: schedule.timeZone,
    inquiries: figures.inquiries,
    actions: { ...figures.actions },
    feedback: { ...figures.feedback },
    tickets: { opened: figures.tickets.opened, breaches: figures.tickets.breaches },
    desks: figures.desks
      .filter((d) => d.opened > 0)
      .sort((a, b) => b.opened - a.opened || a.desk.localeCompare(b.desk))
      .map((d) => ({
        desk: d.desk,
        opened: d.opened,
        medianFirstClaimHours: d.firstClaim.median,
        breaches: d.breaches,
      })),
    gaps: gaps.map((g) => ({
      id: g.id,
      count: g.count,
      langs: g.langs,
      examples: g.examples.slice(0, DIGEST_EXAMPLES),
      closest: g.closest?.entry ?? null,
    })),
  };
}

export type DigestCheck =
  | { state: 'off' }
  | { state: 'not-due'; week: string; at: string }
  | { state: 'queued' | 'exists'; id: string };

/**
 * The periodic check (run with the reminders, on the one replica that runs them): once the desk file's
 * digest time of this week has passed, queues this week's digest unless it is queued already. Running
 * it more often, on a restarted process or on two replicas at once, queues nothing more.
 */
export function createDigestScheduler(deps: DigestDeps) {
  return {
    async check(): Promise<DigestCheck> {
      const { adminChannel, digest: schedule } = deps.content().desks;
      if (!adminChannel || !schedule) return { state: 'off' };
      const now = deps.clock.now();
      const week = digestWeek(now, schedule);
      if (now < week.at) return { state: 'not-due', week: week.week, at: week.at.toISOString() };
      const id = `digest:${week.week}`;
      if (await deps.bulletins.get(id)) return { state: 'exists', id };
      const bulletin: DigestBulletin = {
        id,
        kind: 'digest',
        createdAt: now.toISOString(),
        to: adminChannel,
        body: await buildDigest(deps, week, schedule, now),
        outbox: bulletinDeliveries(id, deps.channels(adminChannel), now),
        refs: {},
      };
      const { created } = await deps.bulletins.createIfAbsent(bulletin);
      if (!created) return { state: 'exists', id };
      deps.logger?.info(
        { bulletin: id, channels: bulletin.outbox.map((d) => d.channel) },
        'weekly digest queued',
      );
      deps.onQueued?.();
      const keepDays = Math.max(deps.retentionDays, MIN_KEEP_DAYS);
      await deps.bulletins.prune(new Date(now.getTime() - keepDays * DAY_MS).toISOString()).catch((error) => {
        deps.logger?.warn({ err: error }, 'old digests not pruned; the next digest tries again');
      });
      return { state: 'queued', id };
    },
  };
}

export type DigestScheduler = ReturnType<typeof createDigestScheduler>;
