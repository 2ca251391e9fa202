/**
 * The dashboard's and the weekly digest's numbers, computed from turn records and tickets. Pure: the
 * same records, tickets, period and clock give the same figures whichever replica or process asks.
 *
 * Days are UTC days. Durations are in hours. Percentiles are nearest-rank (the value at rank ⌈p·n⌉ of
 * the sorted values), so every figure shown is a time some ticket actually took.
 */
import type { Action, DeskId, Lang, Platform, SchemeId } from '../core/types.js';
import type { Ticket, TicketEvent } from '../tickets/types.js';
import type { TurnRecord } from './types.js';

/** Narrows the figures to one language, platform and/or programme (turns, and tickets by their packet). */
export interface FigureFilter {
  lang?: Lang;
  platform?: Platform;
  scheme?: SchemeId;
}

export interface FiguresInput {
  records: readonly TurnRecord[];
  tickets: readonly Ticket[];
  /** The period, `from` inclusive, `to` exclusive. */
  from: Date;
  to: Date;
  filter?: FigureFilter;
  /** The clock: the open backlog's ages, and the waits of tickets nobody has claimed yet. */
  now: Date;
  /** The desk file's desks: every desk gets a row, and its response target decides breaches. */
  desks: ReadonlyArray<{ id: DeskId; responseTargetHours: number }>;
  /** How many entries `topEntries` lists (default 10). */
  top?: number;
}

/** Turns by what the desk did with them. */
export type ActionCounts = Record<Action, number>;

export interface Feedback {
  helpful: number;
  notHelpful: number;
}

/** One row of a breakdown (a language, a platform, a programme; `key` null for turns with no programme). */
export interface Breakdown extends Feedback {
  key: string | null;
  inquiries: number;
  actions: ActionCounts;
}

export interface EntryFigure extends Feedback {
  entry: string;
  /** Turns answered from it. */
  answers: number;
}

export interface DayFigure {
  /** YYYY-MM-DD (UTC). */
  day: string;
  inquiries: number;
  actions: ActionCounts;
}

/** A distribution of durations in hours; the statistics are null when there are none. */
export interface Durations {
  count: number;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  p90: number | null;
  max: number | null;
}

/** Age buckets of the open backlog, and of the time-to-first-claim histogram, upper bound in hours. */
export const AGE_BUCKETS = [
  { id: 'lt1d', maxHours: 24 },
  { id: 'd1to3', maxHours: 72 },
  { id: 'd3to7', maxHours: 168 },
  { id: 'gte7d', maxHours: Number.POSITIVE_INFINITY },
] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number]['id'];

export const CLAIM_BUCKETS = [
  { id: 'lt1h', maxHours: 1 },
  { id: 'h1to4', maxHours: 4 },
  { id: 'h4to8', maxHours: 8 },
  { id: 'h8to24', maxHours: 24 },
  { id: 'd1to3', maxHours: 72 },
  { id: 'gte3d', maxHours: Number.POSITIVE_INFINITY },
] as const;
export type ClaimBucket = (typeof CLAIM_BUCKETS)[number]['id'];

export interface DeskFigure {
  desk: DeskId;
  /** Whether the desk is in the desk file (a desk removed since still shows its tickets). */
  known: boolean;
  responseTargetHours: number | null;
  /** Tickets opened for the desk in the period. */
  opened: number;
  /** From opening to the first claim, over the period's tickets that were claimed. */
  firstClaim: Durations;
  /** From opening to the first resolution, over the period's tickets that were resolved. */
  resolve: Durations;
  /** The period's tickets whose wait for a first claim (until now if still waiting) passed the target. */
  breaches: number;
  /** Tickets held by the desk now and not resolved or closed, by age. */
  backlog: Record<AgeBucket, number>;
  backlogTotal: number;
}

export interface Figures {
  from: string;
  to: string;
  filter: FigureFilter;
  inquiries: number;
  actions: ActionCounts;
  /** Turns that led to a ticket. */
  ledToTicket: number;
  feedback: Feedback;
  byLang: Breakdown[];
  byPlatform: Breakdown[];
  byScheme: Breakdown[];
  topEntries: EntryFigure[];
  /** Every day of the period, oldest first, days without turns included. */
  perDay: DayFigure[];
  desks: DeskFigure[];
  /** Time to first claim over every desk's tickets of the period. */
  claimHistogram: Record<ClaimBucket, number>;
  tickets: { opened: number; breaches: number; backlog: number };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ACTION_LIST: readonly Action[] = ['answer', 'clarify', 'fallback', 'handoff', 'smalltalk'];

const noActions = (): ActionCounts => ({ answer: 0, clarify: 0, fallback: 0, handoff: 0, smalltalk: 0 });
const emptyBuckets = <K extends string>(buckets: ReadonlyArray<{ id: K }>): Record<K, number> =>
  Object.fromEntries(buckets.map((b) => [b.id, 0])) as Record<K, number>;
const bucketOf = <K extends string>(
  buckets: ReadonlyArray<{ id: K; maxHours: number }>,
  hours: number,
): K => {
  for (const b of buckets) if (hours < b.maxHours) return b.id;
  // The last bucket is unbounded; this is only reached for NaN.
  return (buckets[buckets.length - 1] as { id: K }).id;
};

/** The value at rank ⌈p·n⌉ of `sorted` (ascending, non-empty). */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] as number;
}

export function durations(values: readonly number[]): Durations {
  if (values.length === 0)
    return { count: 0, min: null, q1: null, median: null, q3: null, p90: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    q1: nearestRank(sorted, 0.25),
    median: nearestRank(sorted, 0.5),
    q3: nearestRank(sorted, 0.75),
    p90: nearestRank(sorted, 0.9),
    max: sorted[sorted.length - 1] as number,
  };
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function breakdown(map: Map<string | null, Breakdown>, key: string | null, r: TurnRecord): void {
  let row = map.get(key);
  if (!row) {
    row = { key, inquiries: 0, actions: noActions(), helpful: 0, notHelpful: 0 };
    map.set(key, row);
  }
  row.inquiries++;
  row.actions[r.action]++;
  if (r.feedback === 'helpful') row.helpful++;
  else if (r.feedback === 'not_helpful') row.notHelpful++;
}

/** Most inquiries first; equal counts by key, so the order is the same on every replica. */
const byCount = (rows: Iterable<Breakdown>) =>
  [...rows].sort(
    (a, b) => b.inquiries - a.inquiries || String(a.key ?? '').localeCompare(String(b.key ?? '')),
  );

const firstEvent = (events: readonly TicketEvent[], types: ReadonlyArray<TicketEvent['type']>) =>
  events.find((e) => types.includes(e.type));

const matchesTurn = (r: TurnRecord, f: FigureFilter) =>
  (f.lang === undefined || r.lang === f.lang) &&
  (f.platform === undefined || r.platform === f.platform) &&
  (f.scheme === undefined || r.scheme === f.scheme);

const matchesTicket = (t: Ticket, f: FigureFilter) =>
  (f.lang === undefined || t.packet.lang === f.lang) &&
  (f.platform === undefined || t.requester.platform === f.platform) &&
  (f.scheme === undefined || t.packet.scheme === f.scheme);

/**
 * Computes every figure of the period. Turns count by their `at`; tickets by the desk they were opened
 * for (their `created` event) and their opening time, with claims and resolutions counted whenever
 * they came (a ticket opened on the last day and claimed the next still has a claim time). The backlog
 * is the state now, by the desk that holds each ticket.
 */
export function computeFigures(input: FiguresInput): Figures {
  const { from, to, now } = input;
  const filter = input.filter ?? {};
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const nowMs = now.getTime();
  const fromIso = from.toISOString();
  const toIso = to.toISOString();

  const actions = noActions();
  const feedback: Feedback = { helpful: 0, notHelpful: 0 };
  const langs = new Map<string | null, Breakdown>();
  const platforms = new Map<string | null, Breakdown>();
  const schemes = new Map<string | null, Breakdown>();
  const entries = new Map<string, EntryFigure>();
  const firstDay = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const perDay: DayFigure[] = [];
  for (let d = firstDay; d < toMs; d += DAY)
    perDay.push({ day: utcDay(d), inquiries: 0, actions: noActions() });

  let inquiries = 0;
  let ledToTicket = 0;
  for (const r of input.records) {
    const at = Date.parse(r.at);
    if (!(at >= fromMs && at < toMs) || !matchesTurn(r, filter)) continue;
    inquiries++;
    actions[r.action]++;
    if (r.ticketDesk !== undefined) ledToTicket++;
    if (r.feedback === 'helpful') feedback.helpful++;
    else if (r.feedback === 'not_helpful') feedback.notHelpful++;
    breakdown(langs, r.lang, r);
    breakdown(platforms, r.platform, r);
    breakdown(schemes, r.scheme, r);
    if (r.action === 'answer' && r.entry) {
      let e = entries.get(r.entry);
      if (!e) {
        e = { entry: r.entry, answers: 0, helpful: 0, notHelpful: 0 };
        entries.set(r.entry, e);
      }
      e.answers++;
      if (r.feedback === 'helpful') e.helpful++;
      else if (r.feedback === 'not_helpful') e.notHelpful++;
    }
    const day = perDay[Math.floor((at - firstDay) / DAY)] as DayFigure;
    day.inquiries++;
    day.actions[r.action]++;
  }

  const targets = new Map(input.desks.map((d) => [d.id, d.responseTargetHours]));
  type Acc = { opened: number; claim: number[]; resolve: number[]; breaches: number; backlog: number[] };
  const acc = new Map<DeskId, Acc>();
  const accOf = (desk: DeskId) => {
    let a = acc.get(desk);
    if (!a) {
      a = { opened: 0, claim: [], resolve: [], breaches: 0, backlog: [] };
      acc.set(desk, a);
    }
    return a;
  };
  for (const d of input.desks) accOf(d.id);
  const claimHistogram = emptyBuckets(CLAIM_BUCKETS);

  for (const t of input.tickets) {
    if (!matchesTicket(t, filter)) continue;
    const created = Date.parse(t.createdAt);
    if (t.status !== 'resolved' && t.status !== 'closed' && created <= nowMs)
      accOf(t.desk).backlog.push((nowMs - created) / HOUR);
    if (created < fromMs || created >= toMs) continue;
    const openedFor = t.events.find((e) => e.type === 'created')?.desk ?? t.desk;
    const a = accOf(openedFor);
    a.opened++;
    const claimed = firstEvent(t.events, ['claimed']);
    if (claimed) {
      const h = (Date.parse(claimed.at) - created) / HOUR;
      a.claim.push(h);
      claimHistogram[bucketOf(CLAIM_BUCKETS, h)]++;
    }
    const resolved = firstEvent(t.events, ['resolved']);
    if (resolved) a.resolve.push((Date.parse(resolved.at) - created) / HOUR);
    // The wait ends at the first claim, or when the ticket was resolved or closed without one.
    const waitEnd = firstEvent(t.events, ['claimed', 'resolved', 'closed']);
    const waited = ((waitEnd ? Date.parse(waitEnd.at) : nowMs) - created) / HOUR;
    const target = targets.get(openedFor) ?? t.responseTargetHours;
    if (waited > target) a.breaches++;
  }

  const desks: DeskFigure[] = [...acc.entries()]
    .map(([desk, a]) => {
      const backlog = emptyBuckets(AGE_BUCKETS);
      for (const h of a.backlog) backlog[bucketOf(AGE_BUCKETS, h)]++;
      return {
        desk,
        known: targets.has(desk),
        responseTargetHours: targets.get(desk) ?? null,
        opened: a.opened,
        firstClaim: durations(a.claim),
        resolve: durations(a.resolve),
        breaches: a.breaches,
        backlog,
        backlogTotal: a.backlog.length,
      };
    })
    .sort((a, b) => Number(b.known) - Number(a.known) || a.desk.localeCompare(b.desk));

  return {
    from: fromIso,
    to: toIso,
    filter: { ...filter },
    inquiries,
    actions,
    ledToTicket,
    feedback,
    byLang: byCount(langs.values()),
    byPlatform: byCount(platforms.values()),
    byScheme: byCount(schemes.values()),
    topEntries: [...entries.values()]
      .sort((a, b) => b.answers - a.answers || a.entry.localeCompare(b.entry))
      .slice(0, input.top ?? 10),
    perDay,
    desks,
    claimHistogram,
    tickets: {
      opened: desks.reduce((n, d) => n + d.opened, 0),
      breaches: desks.reduce((n, d) => n + d.breaches, 0),
      backlog: desks.reduce((n, d) => n + d.backlogTotal, 0),
    },
  };
}

/** The actions in the order the dashboard and the digest show them. */
export const FIGURE_ACTIONS = ACTION_LIST;
