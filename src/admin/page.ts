import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ActionCounts,
  AGE_BUCKETS,
  type Breakdown,
  CLAIM_BUCKETS,
  type Durations,
  FIGURE_ACTIONS,
  type Figures,
} from '../analytics/figures.js';
import {
  barChart,
  boxPlot,
  escapeXml as esc,
  horizontalBars,
  type Series,
  stackedColumns,
} from '../analytics/svg.js';
import type { Gap } from '../analytics/types.js';
import type { StaleEntry } from '../content/stale.js';
import { type Content, inLang } from '../content/types.js';
import type { Action } from '../core/types.js';
import { PLATFORMS } from '../core/types.js';
import type { Strings } from '../present/strings.js';
import type { GapView } from './gap-board.js';
import type { DashboardQuery, QueryProblem } from './query.js';

/** The page's own stylesheet, inlined and allowed by its hash: the CSP needs no 'unsafe-inline' and no second request. */
const CSS = readFileSync(join(import.meta.dirname, 'dashboard.css'), 'utf8');
const CSS_HASH = createHash('sha256').update(CSS, 'utf8').digest('base64');

/** The page's Content-Security-Policy: nothing runs, nothing loads, it frames nowhere, its form posts only here. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${CSS_HASH}'`,
  // Only the empty icon below: without it the browser asks for /favicon.ico.
  'img-src data:',
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** How soon a page whose gaps are still being grouped reloads itself. */
export const REFRESH_SECONDS = 3;

/** What the page shows; without `figures` (a bad query) only the form and the problems. */
export interface DashboardView {
  s: Strings;
  content: Pick<Content, 'programmes' | 'desks' | 'messages'>;
  query: DashboardQuery;
  problems: QueryProblem[];
  /** The languages the language filter offers. */
  langs: string[];
  figures?: Figures;
  /** The knowledge gaps; undefined while the period's questions are first being grouped. */
  gaps?: GapView;
  stale?: StaleEntry[];
  generatedAt: Date;
}

const ACTION_KEYS: Record<Action, string> = {
  answer: 'dashAnswered',
  clarify: 'dashClarified',
  fallback: 'dashFellBack',
  handoff: 'dashHandedOff',
  smalltalk: 'dashSmalltalk',
};
const ACTION_COLORS: Record<Action, string> = {
  answer: '#1a7f37',
  clarify: '#bf8700',
  fallback: '#cf222e',
  handoff: '#0969da',
  smalltalk: '#8c959f',
};
const AGE_KEYS = {
  lt1d: 'dashAgeUnderDay',
  d1to3: 'dashAgeOneToThree',
  d3to7: 'dashAgeThreeToSeven',
  gte7d: 'dashAgeOverWeek',
} as const;
const AGE_COLORS = { lt1d: '#8cb4ff', d1to3: '#0969da', d3to7: '#bf8700', gte7d: '#cf222e' } as const;
const BIN_KEYS = {
  lt1h: 'dashBinUnderHour',
  h1to4: 'dashBinOneToFour',
  h4to8: 'dashBinFourToEight',
  h8to24: 'dashBinEightToDay',
  d1to3: 'dashBinOneToThreeDays',
  gte3d: 'dashBinOverThreeDays',
} as const;

/** Renders the dashboard as one HTML document: tables and inline SVG charts, every text escaped, no script. */
export function renderDashboard(v: DashboardView): string {
  const { s, query } = v;
  const int = new Intl.NumberFormat(s.lang, { maximumFractionDigits: 0 });
  const one = new Intl.NumberFormat(s.lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const n = (x: number) => int.format(x);
  const hours = (x: number | null) => (x === null ? '—' : s.t('dashHours', { n: one.format(x) }));
  const pct = (part: number, whole: number) => (whole > 0 ? `${one.format((100 * part) / whole)}%` : '—');
  const t = (key: string, values?: Record<string, string | number>) => esc(s.t(key, values));
  const schemeName = (id: string | null) => {
    if (id === null) return s.t('dashNoScheme');
    const p = v.content.programmes.find((x) => x.id === id);
    return p ? inLang(p.name, s.lang) : id;
  };
  const deskName = (id: string) => {
    const d = v.content.desks.desks.find((x) => x.id === id);
    return d ? inLang(d.name, s.lang) : `${id} ${s.t('dashUnknownDesk')}`;
  };
  const actionSeries: Series[] = FIGURE_ACTIONS.map((a) => ({
    label: s.t(ACTION_KEYS[a]),
    color: ACTION_COLORS[a],
  }));
  const actionValues = (c: ActionCounts) => FIGURE_ACTIONS.map((a) => c[a]);

  const selected = (a: string | undefined, b: string) => (a === b ? ' selected' : '');
  const options = (current: string | undefined, items: Array<[string, string]>) =>
    `<option value="">${t('dashAll')}</option>` +
    items
      .map(
        ([value, label]) => `<option value="${esc(value)}"${selected(current, value)}>${esc(label)}</option>`,
      )
      .join('');
  const form =
    '<form class="filters" method="get" action="/admin">' +
    `<label>${t('dashFrom')}<input type="date" name="from" value="${esc(query.from)}"></label>` +
    `<label>${t('dashTo')}<input type="date" name="to" value="${esc(query.to)}"></label>` +
    `<label>${t('dashLang')}<select name="lang">${options(
      query.filter.lang,
      [...new Set([...v.langs, ...(query.filter.lang ? [query.filter.lang] : [])])].map((l) => [l, l]),
    )}</select></label>` +
    `<label>${t('dashPlatform')}<select name="platform">${options(
      query.filter.platform,
      PLATFORMS.map((p) => [p, p]),
    )}</select></label>` +
    `<label>${t('dashScheme')}<select name="scheme">${options(
      query.filter.scheme,
      v.content.programmes.map((p) => [p.id, inLang(p.name, s.lang)]),
    )}</select></label>` +
    `<label>${t('dashUi')}<select name="ui">${Object.keys(v.content.messages)
      .map((l) => `<option value="${esc(l)}"${selected(s.lang, l)}>${esc(l)}</option>`)
      .join('')}</select></label>` +
    `<button type="submit">${t('dashShow')}</button></form>`;

  let body = '';
  if (v.problems.length > 0 || !v.figures) {
    body = `<section class="problems" id="problems"><h2>${t('dashBadQuery')}</h2><ul>${v.problems
      .map((p) => `<li>${t(p.key, p.values)}</li>`)
      .join('')}</ul></section>`;
  } else {
    const f = v.figures;
    body += summary(f);
    body += activity(f);
    body += breakdowns(f);
    body += entries(f);
    body += gaps(v.gaps);
    body += desks(f);
    body += stale(v.stale ?? []);
  }

  return (
    `<!doctype html><html lang="${esc(s.lang)}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">' +
    // While the gaps are being grouped the page reloads itself (no script needed).
    (v.figures && (!v.gaps || v.gaps.pending)
      ? `<meta http-equiv="refresh" content="${REFRESH_SECONDS}">`
      : '') +
    `<title>${t('dashTitle')}</title><style>${CSS}</style></head><body>` +
    `<header><h1>${t('dashTitle')}</h1><p id="period">${t('dashPeriod', { from: query.from, to: query.to })}</p></header>` +
    `${form}<main>${body}</main>` +
    `<footer>${t('dashGenerated', { time: v.generatedAt.toISOString().slice(0, 16).replace('T', ' ') })}</footer>` +
    '</body></html>'
  );

  function tile(id: string, label: string, value: string, note = ''): string {
    return `<div><dt>${esc(label)}</dt><dd data-figure="${id}">${esc(value)}${note ? ` <small>${esc(note)}</small>` : ''}</dd></div>`;
  }

  function summary(f: Figures): string {
    const rated = f.feedback.helpful + f.feedback.notHelpful;
    return (
      `<section id="summary"><h2>${t('dashSummary')}</h2><dl class="tiles">` +
      tile('inquiries', s.t('dashInquiries'), n(f.inquiries)) +
      FIGURE_ACTIONS.map((a) =>
        tile(a, s.t(ACTION_KEYS[a]), n(f.actions[a]), pct(f.actions[a], f.inquiries)),
      ).join('') +
      tile('helpful', s.t('dashHelpful'), n(f.feedback.helpful), pct(f.feedback.helpful, rated)) +
      tile(
        'not-helpful',
        s.t('dashNotHelpful'),
        n(f.feedback.notHelpful),
        pct(f.feedback.notHelpful, rated),
      ) +
      tile('led-to-ticket', s.t('dashLedToTicket'), n(f.ledToTicket)) +
      tile('tickets-opened', s.t('dashOpened'), n(f.tickets.opened)) +
      tile('breaches', s.t('dashBreaches'), n(f.tickets.breaches)) +
      tile('backlog', s.t('dashBacklog'), n(f.tickets.backlog)) +
      '</dl></section>'
    );
  }

  function activity(f: Figures): string {
    const actions = barChart({
      id: 'chart-actions',
      title: s.t('dashActionsChart'),
      desc: FIGURE_ACTIONS.map((a) => `${s.t(ACTION_KEYS[a])}: ${n(f.actions[a])}`).join(', '),
      format: n,
      bars: FIGURE_ACTIONS.map((a) => ({
        label: s.t(ACTION_KEYS[a]),
        value: f.actions[a],
        color: ACTION_COLORS[a],
      })),
    });
    const feedback = barChart({
      id: 'chart-feedback',
      title: s.t('dashFeedbackChart'),
      desc: `${s.t('dashHelpful')}: ${n(f.feedback.helpful)}, ${s.t('dashNotHelpful')}: ${n(f.feedback.notHelpful)}`,
      format: n,
      bars: [
        { label: s.t('dashHelpful'), value: f.feedback.helpful, color: '#1a7f37' },
        { label: s.t('dashNotHelpful'), value: f.feedback.notHelpful, color: '#cf222e' },
      ],
    });
    const perDay = stackedColumns({
      id: 'chart-per-day',
      title: s.t('dashPerDayChart'),
      desc: s.t('dashPeriod', { from: query.from, to: query.to }),
      format: n,
      series: actionSeries,
      columns: f.perDay.map((d) => ({ label: d.day.slice(5), values: actionValues(d.actions) })),
    });
    const figure = (caption: string, chart: string) =>
      `<figure><figcaption>${esc(caption)}</figcaption>${chart}</figure>`;
    return (
      `<section id="activity"><h2>${t('dashActionsChart')}</h2>` +
      `<div class="charts">${figure(s.t('dashActionsChart'), actions)}${figure(s.t('dashFeedbackChart'), feedback)}</div>` +
      `${figure(s.t('dashPerDayChart'), perDay)}</section>`
    );
  }

  function breakdownTable(id: string, rows: Breakdown[], label: (key: string | null) => string): string {
    const head = `<tr><th></th><th class="n">${t('dashInquiries')}</th>${FIGURE_ACTIONS.map(
      (a) => `<th class="n">${t(ACTION_KEYS[a])}</th>`,
    ).join('')}<th class="n">${t('dashHelpful')}</th><th class="n">${t('dashNotHelpful')}</th></tr>`;
    const cells = (r: Breakdown) =>
      `<td class="n" data-col="inquiries">${n(r.inquiries)}</td>` +
      FIGURE_ACTIONS.map((a) => `<td class="n" data-col="${a}">${n(r.actions[a])}</td>`).join('') +
      `<td class="n" data-col="helpful">${n(r.helpful)}</td><td class="n" data-col="not-helpful">${n(r.notHelpful)}</td>`;
    return `<table id="${id}"><thead>${head}</thead><tbody>${rows
      .map((r) => `<tr data-key="${esc(r.key ?? '')}"><th>${esc(label(r.key))}</th>${cells(r)}</tr>`)
      .join('')}</tbody></table>`;
  }

  function breakdowns(f: Figures): string {
    const part = (id: string, title: string, rows: Breakdown[], label: (k: string | null) => string) =>
      `<h3>${esc(title)}</h3>` +
      horizontalBars({
        id: `chart-${id}`,
        title,
        format: n,
        series: actionSeries,
        rows: rows.map((r) => ({ label: label(r.key), values: actionValues(r.actions) })),
      }) +
      breakdownTable(`table-${id}`, rows, label);
    return (
      `<section id="breakdowns"><h2>${t('dashBreakdowns')}</h2>` +
      part('lang', s.t('dashByLang'), f.byLang, (k) => k ?? '') +
      part('platform', s.t('dashByPlatform'), f.byPlatform, (k) => k ?? '') +
      part('scheme', s.t('dashByScheme'), f.byScheme, schemeName) +
      '</section>'
    );
  }

  function entries(f: Figures): string {
    const chart = horizontalBars({
      id: 'chart-entries',
      title: s.t('dashTopEntries'),
      format: n,
      labelWidth: 280,
      series: [{ label: s.t('dashAnswers'), color: '#1a7f37' }],
      rows: f.topEntries.map((e) => ({
        label: e.entry,
        values: [e.answers],
        note: `${s.t('dashHelpful')} ${n(e.helpful)} · ${s.t('dashNotHelpful')} ${n(e.notHelpful)}`,
      })),
    });
    const rows = f.topEntries
      .map(
        (e) =>
          `<tr data-key="${esc(e.entry)}"><td><code>${esc(e.entry)}</code></td><td class="n" data-col="answers">${n(e.answers)}</td>` +
          `<td class="n" data-col="helpful">${n(e.helpful)}</td><td class="n" data-col="not-helpful">${n(e.notHelpful)}</td></tr>`,
      )
      .join('');
    return (
      `<section id="entries"><h2>${t('dashTopEntries')}</h2>${chart}` +
      `<table id="table-entries"><thead><tr><th>${t('dashEntry')}</th><th class="n">${t('dashAnswers')}</th>` +
      `<th class="n">${t('dashHelpful')}</th><th class="n">${t('dashNotHelpful')}</th></tr></thead><tbody>${rows}</tbody></table></section>`
    );
  }

  function gaps(view: GapView | undefined): string {
    const state = !view ? 'grouping' : view.failed ? 'failed' : view.pending ? 'pending' : 'fresh';
    const open = `<section id="gaps" data-state="${state}"><h2>${t('dashTopGaps')}</h2>`;
    const note = !view
      ? t('dashGapGrouping')
      : view.failed
        ? t('dashGapFailed')
        : view.pending
          ? t('dashGapPending', { time: view.groupedAt.slice(11, 16) })
          : '';
    const notice = note ? `<p class="notice">${note}</p>` : '';
    const list: Gap[] = view?.gaps ?? [];
    if (list.length === 0)
      return `${open}${notice}${view && !view.failed ? `<p class="muted">${t('dashGapNone')}</p>` : ''}</section>`;
    const chart = horizontalBars({
      id: 'chart-gaps',
      title: s.t('dashTopGaps'),
      format: n,
      labelWidth: 300,
      series: [{ label: s.t('dashGapCount'), color: '#cf222e' }],
      rows: list.map((g) => ({ label: g.examples[0] ?? g.id, values: [g.count], note: g.langs.join(' ') })),
    });
    const rows = list
      .map(
        (g) =>
          `<tr data-key="${esc(g.id)}"><td><code>${esc(g.id)}</code></td><td class="n" data-col="count">${n(g.count)}</td>` +
          `<td>${esc(g.langs.join(', '))}</td><td>${esc(g.firstSeen.slice(0, 10))} – ${esc(g.lastSeen.slice(0, 10))}</td>` +
          `<td><ul class="examples">${g.examples.map((x) => `<li>${esc(x)}</li>`).join('')}</ul></td>` +
          `<td>${g.closest ? `<code>${esc(g.closest.entry)}</code> (${one.format(g.closest.score)})` : '—'}</td></tr>`,
      )
      .join('');
    return (
      `${open}${notice}${chart}` +
      `<table id="table-gaps"><thead><tr><th>${t('dashGap')}</th><th class="n">${t('dashGapCount')}</th><th>${t('dashGapLangs')}</th>` +
      `<th>${t('dashGapSeen')}</th><th>${t('dashGapExamples')}</th><th>${t('dashGapClosest')}</th></tr></thead><tbody>${rows}</tbody></table>` +
      `<p class="muted">${t('dashGapHow')}</p></section>`
    );
  }

  function desks(f: Figures): string {
    const describe = (d: Durations) =>
      s.t('dashBox', { median: hours(d.median), p90: hours(d.p90), n: n(d.count) });
    const box = (id: string, title: string, pick: (d: Figures['desks'][number]) => Durations) =>
      boxPlot({
        id,
        title,
        format: (x) => hours(x),
        describe,
        empty: s.t('dashNoTimes'),
        rows: f.desks.map((d) => ({ label: deskName(d.desk), stats: pick(d) })),
      });
    const backlog = horizontalBars({
      id: 'chart-backlog',
      title: s.t('dashBacklogChart'),
      format: n,
      series: AGE_BUCKETS.map((b) => ({ label: s.t(AGE_KEYS[b.id]), color: AGE_COLORS[b.id] })),
      rows: f.desks.map((d) => ({
        label: deskName(d.desk),
        values: AGE_BUCKETS.map((b) => d.backlog[b.id]),
      })),
    });
    const histogram = barChart({
      id: 'chart-claim-histogram',
      title: s.t('dashClaimHistogram'),
      format: n,
      color: '#0969da',
      bars: CLAIM_BUCKETS.map((b) => ({ label: s.t(BIN_KEYS[b.id]), value: f.claimHistogram[b.id] })),
    });
    const rows = f.desks
      .map(
        (d) =>
          `<tr data-key="${esc(d.desk)}"><th>${esc(deskName(d.desk))}</th>` +
          `<td class="n" data-col="opened">${n(d.opened)}</td>` +
          `<td class="n" data-col="claim-median">${esc(hours(d.firstClaim.median))}</td>` +
          `<td class="n" data-col="claim-p90">${esc(hours(d.firstClaim.p90))}</td>` +
          `<td class="n" data-col="resolve-median">${esc(hours(d.resolve.median))}</td>` +
          `<td class="n" data-col="resolve-p90">${esc(hours(d.resolve.p90))}</td>` +
          `<td class="n" data-col="target">${esc(hours(d.responseTargetHours))}</td>` +
          `<td class="n" data-col="breaches">${n(d.breaches)}</td>` +
          AGE_BUCKETS.map((b) => `<td class="n" data-col="backlog-${b.id}">${n(d.backlog[b.id])}</td>`).join(
            '',
          ) +
          `<td class="n" data-col="backlog">${n(d.backlogTotal)}</td></tr>`,
      )
      .join('');
    const head =
      `<tr><th rowspan="2">${t('dashDesk')}</th><th class="n" rowspan="2">${t('dashOpened')}</th>` +
      `<th colspan="2">${t('dashFirstClaim')}</th><th colspan="2">${t('dashResolve')}</th>` +
      `<th class="n" rowspan="2">${t('dashTarget')}</th><th class="n" rowspan="2">${t('dashBreaches')}</th>` +
      `<th colspan="${AGE_BUCKETS.length + 1}">${t('dashBacklog')}</th></tr>` +
      `<tr><th class="n">${t('dashMedian')}</th><th class="n">${t('dashNinetieth')}</th><th class="n">${t('dashMedian')}</th><th class="n">${t('dashNinetieth')}</th>` +
      AGE_BUCKETS.map((b) => `<th class="n">${t(AGE_KEYS[b.id])}</th>`).join('') +
      `<th class="n">${t('dashTotal')}</th></tr>`;
    return (
      `<section id="desks"><h2>${t('dashDesks')}</h2>` +
      `<table id="table-desks"><thead>${head}</thead><tbody>${rows}</tbody></table>` +
      `<p class="muted">${t('dashDeskNote')}</p>` +
      `<h3>${t('dashClaimChart')}</h3>${box('chart-claim', s.t('dashClaimChart'), (d) => d.firstClaim)}` +
      `<h3>${t('dashResolveChart')}</h3>${box('chart-resolve', s.t('dashResolveChart'), (d) => d.resolve)}` +
      `<h3>${t('dashClaimHistogram')}</h3>${histogram}` +
      `<h3>${t('dashBacklogChart')}</h3>${backlog}</section>`
    );
  }

  function stale(list: StaleEntry[]): string {
    if (list.length === 0)
      return `<section id="stale"><h2>${t('dashStale')}</h2><p class="muted">${t('dashStaleNone')}</p></section>`;
    const rows = list
      .map(
        (e) =>
          `<tr data-key="${esc(e.id)}"><td><code>${esc(e.id)}</code></td><td>${esc(e.asOf)}</td>` +
          `<td class="n">${n(e.reviewDays)}</td><td class="n" data-col="overdue">${n(e.overdueDays)}</td><td><code>${esc(e.file)}</code></td></tr>`,
      )
      .join('');
    return (
      `<section id="stale"><h2>${t('dashStale')}</h2><table id="table-stale"><thead><tr><th>${t('dashEntry')}</th>` +
      `<th>${t('dashAsOf')}</th><th class="n">${t('dashReviewDays')}</th><th class="n">${t('dashOverdue')}</th><th>${t('dashFile')}</th></tr></thead>` +
      `<tbody>${rows}</tbody></table><p class="muted">${t('dashStaleHow')}</p></section>`
    );
  }
}
