import type { FigureFilter } from '../analytics/figures.js';
import { PLATFORMS, type Platform } from '../core/types.js';

/** What the dashboard shows: a period of whole UTC days (`to` included) and the filters. */
export interface DashboardQuery {
  /** YYYY-MM-DD, first day shown. */
  from: string;
  /** YYYY-MM-DD, last day shown (included). */
  to: string;
  filter: FigureFilter;
  /** The language the page is written in (`ui=`), when one was asked for. */
  ui?: string;
}

/** Something wrong in the query, as a message key and its values (the page words it in its language). */
export interface QueryProblem {
  key: string;
  values: Record<string, string | number>;
}

/** The longest period one page computes: a year and a day. */
export const MAX_DAYS = 366;
/** The period shown when none is asked for: the last 30 days, today included. */
export const DEFAULT_DAYS = 30;

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LANG = /^[a-z]{2,8}(-[a-z0-9]{1,8})?$/i;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Milliseconds of a YYYY-MM-DD UTC day, or NaN for anything else (2025-02-30 included). */
function dayMs(s: string): number {
  if (!DATE.test(s)) return Number.NaN;
  const ms = Date.parse(`${s}T00:00:00Z`);
  return Number.isNaN(ms) || utcDay(ms) !== s ? Number.NaN : ms;
}

/** Where a query value is shown back in a message: cut short, so a long value cannot flood the page. */
const shown = (v: string) => (v.length > 40 ? `${v.slice(0, 39)}…` : v);

/**
 * Reads `?from=&to=&lang=&platform=&scheme=&ui=`. Empty fields mean "all" (or the default period);
 * anything else wrong is listed, every problem at once, and the caller shows no figures.
 */
export function parseQuery(
  params: URLSearchParams,
  opts: { now: Date; schemes: readonly string[] },
): { query: DashboardQuery; problems: QueryProblem[] } {
  const problems: QueryProblem[] = [];
  const get = (k: string) => (params.get(k) ?? '').trim();
  const today = Date.UTC(opts.now.getUTCFullYear(), opts.now.getUTCMonth(), opts.now.getUTCDate());

  /** The day's milliseconds, undefined when left empty, NaN (and a problem) when not a date. */
  const date = (field: 'from' | 'to') => {
    const raw = get(field);
    if (raw === '') return undefined;
    const ms = dayMs(raw);
    if (Number.isNaN(ms)) problems.push({ key: 'dashErrDate', values: { field, value: shown(raw) } });
    return ms;
  };
  const givenFrom = date('from');
  const toMs = date('to') ?? today;
  const fromMs = givenFrom ?? (Number.isNaN(toMs) ? today : toMs) - (DEFAULT_DAYS - 1) * DAY;
  if (!Number.isNaN(fromMs) && !Number.isNaN(toMs)) {
    if (fromMs > toMs) problems.push({ key: 'dashErrOrder', values: {} });
    else if ((toMs - fromMs) / DAY + 1 > MAX_DAYS)
      problems.push({ key: 'dashErrLong', values: { days: MAX_DAYS } });
  }

  const filter: FigureFilter = {};
  const lang = get('lang');
  if (lang !== '') {
    if (LANG.test(lang)) filter.lang = lang.toLowerCase();
    else problems.push({ key: 'dashErrValue', values: { field: 'lang', value: shown(lang) } });
  }
  const platform = get('platform');
  if (platform !== '') {
    if ((PLATFORMS as readonly string[]).includes(platform)) filter.platform = platform as Platform;
    else problems.push({ key: 'dashErrValue', values: { field: 'platform', value: shown(platform) } });
  }
  const scheme = get('scheme');
  if (scheme !== '') {
    if (opts.schemes.includes(scheme)) filter.scheme = scheme;
    else problems.push({ key: 'dashErrValue', values: { field: 'scheme', value: shown(scheme) } });
  }
  const ui = get('ui');

  const query: DashboardQuery = {
    from: Number.isNaN(fromMs) ? get('from') : utcDay(fromMs),
    to: Number.isNaN(toMs) ? get('to') : utcDay(toMs),
    filter,
    ...(LANG.test(ui) ? { ui } : {}),
  };
  return { query, problems };
}

/** The period of a valid query as instants: `from` at 00:00 UTC, `to` the midnight after its last day. */
export function periodOf(query: DashboardQuery): { from: Date; to: Date } {
  return { from: new Date(`${query.from}T00:00:00Z`), to: new Date(dayMs(query.to) + DAY) };
}
