import { describe, expect, it } from 'vitest';
import { type DashboardView, REFRESH_SECONDS, renderDashboard } from '../../src/admin/page.js';
import { parseQuery, periodOf } from '../../src/admin/query.js';
import { computeFigures } from '../../src/analytics/figures.js';
import type { Gap } from '../../src/analytics/types.js';
import { stringsFor } from '../../src/present/strings.js';
import { realContent } from '../helpers.js';
import { HOSTILE_QUESTION, seedRecords } from './seed.js';

const NOW = new Date('2025-04-02T12:00:00Z');
const q = (s: string) => parseQuery(new URLSearchParams(s), { now: NOW, schemes: ['jbic-aguascalientes'] });

describe('the dashboard query', () => {
  it('shows the last 30 days, today included, when no period is given', () => {
    const { query, problems } = q('');
    expect(problems).toEqual([]);
    expect(query).toEqual({ from: '2025-03-04', to: '2025-04-02', filter: {} });
    expect(periodOf(query)).toEqual({
      from: new Date('2025-03-04T00:00:00Z'),
      to: new Date('2025-04-03T00:00:00Z'),
    });
  });

  it('counts 30 days back from a given end, and reads the filters and the page language', () => {
    const { query } = q('to=2025-02-28&lang=JA&platform=teams&scheme=jbic-aguascalientes&ui=es');
    expect(query).toEqual({
      from: '2025-01-30',
      to: '2025-02-28',
      filter: { lang: 'ja', platform: 'teams', scheme: 'jbic-aguascalientes' },
      ui: 'es',
    });
  });

  it('takes a one-day period and a year and a day, not more', () => {
    expect(q('from=2025-03-01&to=2025-03-01').problems).toEqual([]);
    expect(q('from=2024-01-01&to=2024-12-31').problems).toEqual([]);
    expect(q('from=2024-01-01&to=2025-01-01').problems).toEqual([
      { key: 'dashErrLong', values: { days: 366 } },
    ]);
  });

  it('cuts a long bad value short in its message', () => {
    const { problems } = q(`platform=${'x'.repeat(500)}`);
    expect(String(problems[0]?.values.value).length).toBe(40);
  });
});

describe('the dashboard page', async () => {
  const content = await realContent();
  const from = new Date('2025-03-01T00:00:00Z');
  const to = new Date('2025-04-01T00:00:00Z');
  const records = seedRecords(300, { from, to, content });
  const figures = computeFigures({ records, tickets: [], from, to, now: NOW, desks: content.desks.desks });
  const gap: Gap = {
    id: 'gap-1',
    count: 4,
    langs: ['en', 'ja'],
    firstSeen: '2025-03-02T00:00:00.000Z',
    lastSeen: '2025-03-20T00:00:00.000Z',
    examples: [HOSTILE_QUESTION],
    reasons: { fallback: 4 },
    closest: { entry: 'jbic-aguascalientes/overview', score: 2.5 },
    score: 4,
  };
  const view = (over: Partial<DashboardView> = {}): DashboardView => ({
    s: stringsFor(content, 'en'),
    content,
    query: { from: '2025-03-01', to: '2025-03-31', filter: {} },
    problems: [],
    langs: ['en', 'ja'],
    figures,
    generatedAt: NOW,
    ...over,
  });
  const refresh = `<meta http-equiv="refresh" content="${REFRESH_SECONDS}">`;

  it('shows grouped gaps with their texts escaped, and does not reload itself', () => {
    const html = renderDashboard(
      view({ gaps: { gaps: [gap], groupedAt: NOW.toISOString(), pending: false } }),
    );
    expect(html).toContain('<section id="gaps" data-state="fresh">');
    expect(html).toContain(
      '<li>Where is the &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;desk&lt;/b&gt; &amp; its &quot;hours&quot;?</li>',
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain(refresh);
  });

  it('reloads itself while the first grouping runs, and says so', () => {
    const html = renderDashboard(view());
    expect(html).toContain('<section id="gaps" data-state="grouping">');
    expect(html).toContain('This period&#39;s questions are being grouped');
    expect(html).toContain(refresh);
  });

  it('shows the last groups with their time while newer ones are grouped', () => {
    const html = renderDashboard(
      view({ gaps: { gaps: [gap], groupedAt: '2025-04-02T11:58:00.000Z', pending: true } }),
    );
    expect(html).toContain('data-state="pending"');
    expect(html).toContain('Grouped at 11:58 UTC');
    expect(html).toContain('id="table-gaps"');
    expect(html).toContain(refresh);
  });

  it('says when grouping failed, without reloading in a loop', () => {
    const html = renderDashboard(view({ gaps: { gaps: [], groupedAt: '', pending: false, failed: true } }));
    expect(html).toContain('data-state="failed"');
    expect(html).toContain('could not be grouped');
    expect(html).not.toContain(refresh);
  });

  it('shows only the form and the problems for a bad query', () => {
    const { figures: _, ...rest } = view();
    const html = renderDashboard({ ...rest, problems: [{ key: 'dashErrOrder', values: {} }] });
    expect(html).toContain('<li>The period ends before it starts.</li>');
    expect(html).not.toContain('id="summary"');
    expect(html).not.toContain(refresh);
  });
});
