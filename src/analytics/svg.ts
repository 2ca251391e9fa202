/**
 * Small charts drawn on the server as SVG, for the admin dashboard: no script, no CDN, no style
 * attribute (the page's CSP allows no inline style), only presentation attributes.
 *
 * Every chart is an image to assistive technology (`role="img"`, labelled by its `<title>` and
 * `<desc>`), and writes its values as text beside the marks, so a person reads it at a glance and a
 * screen reader or a test reads the same numbers. Every label is escaped.
 */
import type { Durations } from './figures.js';

/** Escapes text for an XML (and HTML) text node or a quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export interface ChartText {
  /** Unique on the page: the `<title>` and `<desc>` ids derive from it. */
  id: string;
  title: string;
  /** What the chart shows, in a sentence (read by screen readers). */
  desc?: string;
  /** How values are written (default: whole numbers with thousands separators). */
  format?: (n: number) => string;
}

export interface Series {
  label: string;
  color: string;
}

const FONT = 'system-ui, sans-serif';
const INK = '#1f2328';
const MUTED = '#57606a';
const GRID = '#d0d7de';
const defaultFormat = (n: number) => Math.round(n).toLocaleString('en-US');
const px = (n: number) => (Math.round(n * 10) / 10).toString();

/** Roughly how wide `s` is drawn at 12 px: CJK and other wide characters take a full em, the rest about 7 px. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 12 : 7;
  return w;
}

/** Cuts a label to at most `maxPx` wide (with an ellipsis); the whole label stays in the mark's tooltip. */
function clip(s: string, maxPx: number): string {
  if (textWidth(s) <= maxPx) return s;
  let out = '';
  let w = textWidth('…');
  for (const ch of s) {
    w += textWidth(ch);
    if (w > maxPx) break;
    out += ch;
  }
  return `${out}…`;
}

const idOf = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '-');

function frame(c: ChartText, width: number, height: number, kind: string, body: string): string {
  const id = idOf(c.id);
  const labelled = c.desc ? `${id}-title ${id}-desc` : `${id}-title`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${kind}" id="${id}" role="img" ` +
    `aria-labelledby="${labelled}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `font-family="${FONT}" font-size="12" fill="${INK}">` +
    `<title id="${id}-title">${escapeXml(c.title)}</title>` +
    (c.desc ? `<desc id="${id}-desc">${escapeXml(c.desc)}</desc>` : '') +
    body +
    '</svg>'
  );
}

const text = (x: number, y: number, s: string, attrs = '') =>
  `<text x="${px(x)}" y="${px(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(s)}</text>`;
const rect = (x: number, y: number, w: number, h: number, color: string, tip: string, cls = '') =>
  `<rect${cls ? ` class="${cls}"` : ''} x="${px(x)}" y="${px(y)}" width="${px(Math.max(0, w))}" height="${px(Math.max(0, h))}" fill="${escapeXml(color)}"><title>${escapeXml(tip)}</title></rect>`;

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** How wide `legend` draws for these series, with totals of up to six characters. */
const legendWidth = (series: readonly Series[], x: number) =>
  series.reduce((w, s) => w + 16 + textWidth(`${s.label} 000000`) + 16, x);

function legend(series: readonly Series[], totals: readonly string[], x: number, y: number): string {
  let at = x;
  let out = '<g class="legend">';
  series.forEach((s, i) => {
    const label = `${s.label} ${totals[i] ?? ''}`.trim();
    out += `<rect x="${px(at)}" y="${px(y - 10)}" width="12" height="12" fill="${escapeXml(s.color)}"/>`;
    out += text(at + 16, y, label, 'class="legend-label"');
    at += 16 + textWidth(label) + 16;
  });
  return `${out}</g>`;
}

/**
 * Vertical bars, one per category, each with its value above it and its label below (the actions, a
 * histogram's bins).
 */
export function barChart(
  c: ChartText & { bars: ReadonlyArray<{ label: string; value: number; color?: string }>; color?: string },
): string {
  const fmt = c.format ?? defaultFormat;
  const width = Math.max(320, 110 * c.bars.length + 60);
  const height = 240;
  const top = 24;
  const bottom = 44;
  const left = 40;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...c.bars.map((b) => b.value)));
  const slot = (width - left - 20) / Math.max(1, c.bars.length);
  let body = `<line x1="${left}" y1="${top + plotH}" x2="${width - 20}" y2="${top + plotH}" stroke="${GRID}"/>`;
  body += text(left - 6, top + 4, fmt(max), `text-anchor="end" fill="${MUTED}" font-size="10"`);
  body += text(left - 6, top + plotH, '0', `text-anchor="end" fill="${MUTED}" font-size="10"`);
  c.bars.forEach((b, i) => {
    const h = (b.value / max) * plotH;
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    const value = fmt(b.value);
    body += `<g class="bar" data-label="${escapeXml(b.label)}" data-value="${b.value}">`;
    body += rect(x, top + plotH - h, w, h, b.color ?? c.color ?? '#0969da', `${b.label}: ${value}`);
    body += text(
      x + w / 2,
      top + plotH - h - 5,
      value,
      'text-anchor="middle" class="value" font-weight="600"',
    );
    body += text(
      x + w / 2,
      top + plotH + 16,
      clip(b.label, Math.max(42, slot - 4)),
      'text-anchor="middle" class="label"',
    );
    body += '</g>';
  });
  return frame(c, width, height, 'bar', body);
}

/**
 * Stacked columns, one per day (or any ordered category): each segment a series, the column's total
 * above it, and each series' total in the legend.
 */
export function stackedColumns(
  c: ChartText & {
    columns: ReadonlyArray<{ label: string; values: readonly number[] }>;
    series: readonly Series[];
  },
): string {
  const fmt = c.format ?? defaultFormat;
  const n = Math.max(1, c.columns.length);
  const width = Math.ceil(Math.max(480, Math.min(1100, 60 + n * 30), legendWidth(c.series, 44)));
  const height = 300;
  const top = 44;
  const bottom = 36;
  const left = 44;
  const plotW = width - left - 16;
  const plotH = height - top - bottom;
  const totals = c.columns.map((col) => col.values.reduce((a, b) => a + b, 0));
  const max = niceMax(Math.max(0, ...totals));
  const slot = plotW / n;
  // Labels every so many columns, so that they never overlap (about 7 px a character at 10 px).
  const longest = Math.max(1, ...c.columns.map((col) => textWidth(col.label)));
  const every = Math.max(1, Math.ceil((longest * 0.85 + 4) / slot));
  const seriesTotals = c.series.map((_, si) => c.columns.reduce((a, col) => a + (col.values[si] ?? 0), 0));
  let body = legend(c.series, seriesTotals.map(fmt), left, 16);
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH - f * plotH;
    body += `<line x1="${left}" y1="${px(y)}" x2="${left + plotW}" y2="${px(y)}" stroke="${GRID}"/>`;
    body += text(left - 6, y + 4, fmt(max * f), `text-anchor="end" fill="${MUTED}" font-size="10"`);
  }
  c.columns.forEach((col, i) => {
    const x = left + i * slot + slot * 0.1;
    const w = slot * 0.8;
    let y = top + plotH;
    const total = totals[i] ?? 0;
    body += `<g class="column" data-label="${escapeXml(col.label)}" data-value="${total}">`;
    c.series.forEach((s, si) => {
      const v = col.values[si] ?? 0;
      if (v <= 0) return;
      const h = (v / max) * plotH;
      y -= h;
      body += rect(x, y, w, h, s.color, `${col.label} · ${s.label}: ${fmt(v)}`);
    });
    body += text(
      x + w / 2,
      y - 4,
      fmt(total),
      `text-anchor="middle" class="value" font-size="${slot < 22 ? 9 : 11}"`,
    );
    if (i % every === 0)
      body += text(
        x + w / 2,
        top + plotH + 14,
        col.label,
        `text-anchor="middle" class="label" font-size="10"`,
      );
    body += '</g>';
  });
  return frame(c, width, height, 'stacked', body);
}

/**
 * Horizontal bars, one row per item (entries, languages, gaps): the label on the left, the value
 * (and an optional note) after the bar. With `series`, each row is stacked and the legend gives totals.
 */
export function horizontalBars(
  c: ChartText & {
    rows: ReadonlyArray<{ label: string; values: readonly number[]; note?: string }>;
    series: readonly Series[];
    labelWidth?: number;
  },
): string {
  const fmt = c.format ?? defaultFormat;
  const labelW = c.labelWidth ?? 220;
  const rowH = 24;
  const top = c.series.length > 1 ? 34 : 12;
  const plotW = 340;
  const height = top + Math.max(1, c.rows.length) * rowH + 8;
  const totals = c.rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const valueText = (r: (typeof c.rows)[number], total: number) =>
    r.note ? `${fmt(total)} · ${r.note}` : fmt(total);
  // Room after the longest bar for the longest value, at about 7.5 px a character (12 px, semibold).
  const valueW = Math.max(60, ...c.rows.map((r, i) => textWidth(valueText(r, totals[i] ?? 0)) * 1.1 + 12));
  const width = Math.ceil(Math.max(labelW + plotW + valueW, legendWidth(c.series, 8)));
  const max = Math.max(1, ...totals);
  const seriesTotals = c.series.map((_, si) => c.rows.reduce((a, r) => a + (r.values[si] ?? 0), 0));
  let body = c.series.length > 1 ? legend(c.series, seriesTotals.map(fmt), 8, 18) : '';
  if (c.rows.length === 0) body += text(8, top + 16, '—', `fill="${MUTED}"`);
  c.rows.forEach((r, i) => {
    const y = top + i * rowH;
    const total = totals[i] ?? 0;
    body += `<g class="row" data-label="${escapeXml(r.label)}" data-value="${total}">`;
    body += `<text x="${labelW - 8}" y="${px(y + 16)}" text-anchor="end" class="label"><title>${escapeXml(r.label)}</title>${escapeXml(clip(r.label, labelW - 12))}</text>`;
    let x = labelW;
    c.series.forEach((s, si) => {
      const v = r.values[si] ?? 0;
      if (v <= 0) return;
      const w = (v / max) * plotW;
      body += rect(x, y + 4, w, rowH - 8, s.color, `${r.label} · ${s.label}: ${fmt(v)}`);
      x += w;
    });
    body += text(x + 6, y + 16, valueText(r, total), 'class="value" font-weight="600"');
    body += '</g>';
  });
  return frame(c, width, height, 'rows', body);
}

/**
 * Durations per row as a box plot on one shared scale: whiskers from the shortest to the longest, the
 * box from the first to the third quartile, a bar at the median and a tick at p90, with median and p90
 * written beside it. Rows without any duration say `empty`.
 */
export function boxPlot(
  c: ChartText & {
    rows: ReadonlyArray<{ label: string; stats: Durations }>;
    /** The line beside a row, e.g. "median 4.0 h · p90 12.0 h (n = 9)". */
    describe: (stats: Durations) => string;
    empty: string;
    /** A reference line (a response target), in the same unit. */
    target?: { value: number; label: string };
  },
): string {
  const labelW = 240;
  const rowH = 30;
  const top = 16;
  const plotW = 320;
  const lines = c.rows.map((r) => (r.stats.count === 0 ? '' : c.describe(r.stats)));
  const valueW = Math.max(120, ...lines.map((l) => textWidth(l) * 1.05 + 20));
  const width = Math.ceil(labelW + plotW + valueW);
  const height = top + Math.max(1, c.rows.length) * rowH + 22;
  const max = niceMax(Math.max(c.target?.value ?? 0, ...c.rows.map((r) => r.stats.max ?? 0)));
  const scale = (v: number) => labelW + (v / max) * plotW;
  let body = `<line x1="${labelW}" y1="${top + c.rows.length * rowH}" x2="${labelW + plotW}" y2="${top + c.rows.length * rowH}" stroke="${GRID}"/>`;
  body += text(
    labelW,
    top + c.rows.length * rowH + 14,
    '0',
    `fill="${MUTED}" font-size="10" text-anchor="middle"`,
  );
  body += text(
    labelW + plotW,
    top + c.rows.length * rowH + 14,
    c.format ? c.format(max) : defaultFormat(max),
    `fill="${MUTED}" font-size="10" text-anchor="middle"`,
  );
  if (c.target) {
    const x = scale(c.target.value);
    body += `<line class="target" x1="${px(x)}" y1="${top - 4}" x2="${px(x)}" y2="${top + c.rows.length * rowH}" stroke="#cf222e" stroke-dasharray="4 3"><title>${escapeXml(c.target.label)}</title></line>`;
  }
  c.rows.forEach((r, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2;
    const s = r.stats;
    body += `<g class="row" data-label="${escapeXml(r.label)}" data-median="${s.median ?? ''}" data-p90="${s.p90 ?? ''}">`;
    body += `<text x="${labelW - 8}" y="${px(mid + 4)}" text-anchor="end" class="label"><title>${escapeXml(r.label)}</title>${escapeXml(clip(r.label, labelW - 12))}</text>`;
    if (
      s.count === 0 ||
      s.min === null ||
      s.max === null ||
      s.q1 === null ||
      s.q3 === null ||
      s.median === null
    ) {
      body += text(labelW + 4, mid + 4, c.empty, `class="value" fill="${MUTED}"`);
    } else {
      const line = lines[i] ?? '';
      body += `<line x1="${px(scale(s.min))}" y1="${px(mid)}" x2="${px(scale(s.max))}" y2="${px(mid)}" stroke="${MUTED}"/>`;
      body += rect(
        scale(s.q1),
        mid - 8,
        Math.max(2, scale(s.q3) - scale(s.q1)),
        16,
        '#8cb4ff',
        `${r.label}: ${line}`,
      );
      body += `<line x1="${px(scale(s.median))}" y1="${px(mid - 9)}" x2="${px(scale(s.median))}" y2="${px(mid + 9)}" stroke="${INK}" stroke-width="3"/>`;
      if (s.p90 !== null)
        body += `<line x1="${px(scale(s.p90))}" y1="${px(mid - 6)}" x2="${px(scale(s.p90))}" y2="${px(mid + 6)}" stroke="#cf222e" stroke-width="2"/>`;
      body += text(labelW + plotW + 10, mid + 4, line, 'class="value"');
    }
    body += '</g>';
  });
  return frame(c, width, height, 'box', body);
}
