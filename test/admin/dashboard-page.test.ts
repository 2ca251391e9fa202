import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJournalTurnStore } from '../../src/analytics/journal-store.js';
import type { TurnRecord } from '../../src/analytics/types.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { loadContent } from '../../src/content/load.js';
import type { Content } from '../../src/content/types.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { Ticket } from '../../src/tickets/types.js';
import { copyContent, repoRoot, until } from '../helpers.js';
import { HOSTILE_QUESTION, planTickets, seedRecords } from './seed.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const artifacts = join(repoRoot, 'test/artifacts');
if (!available && !process.env.CI) {
  console.warn(
    `dashboard browser test not run: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/** March 2025, seen from the afternoon of April 2. */
const FROM = new Date('2025-03-01T00:00:00.000Z');
const TO = new Date('2025-04-01T00:00:00.000Z');
const NOW = new Date('2025-04-02T12:00:00.000Z');
const RECORDS = 3_000;
const TICKETS = 140;
const HOUR = 3_600_000;
const ACTIONS = ['answer', 'clarify', 'fallback', 'handoff', 'smalltalk'] as const;
const CHARTS = [
  'chart-actions',
  'chart-feedback',
  'chart-per-day',
  'chart-lang',
  'chart-platform',
  'chart-scheme',
  'chart-entries',
  'chart-gaps',
  'chart-claim',
  'chart-resolve',
  'chart-claim-histogram',
  'chart-backlog',
];

// Independent of src/analytics/figures.ts: the test's own reading of the raw records and tickets.
const countBy = <T>(xs: readonly T[], key: (x: T) => string) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
};
/** Nearest rank, as the dashboard documents: the value at rank ⌈p·n⌉. */
const rank = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(p * s.length)) - 1];
};
const oneDecimal = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const hoursText = (h: number | undefined) => (h === undefined ? '—' : `${oneDecimal.format(h)} h`);
const num = (s: string | null) => Number((s ?? '').replace(/,/g, '').trim());

describe.runIf(available || process.env.CI)('the dashboard in headless Chromium', () => {
  let dir: string;
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let content: Content;
  let records: TurnRecord[];
  let tickets: Ticket[];
  const problems: string[] = [];

  beforeAll(async () => {
    if (!available) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package`);
    dir = await copyContent('madoguchi-dashboard-');
    const dataDir = join(dir, 'data');
    content = await loadContent(dir);
    await mkdir(artifacts, { recursive: true });

    // A month of turn records, written into the real journal store the server then opens.
    records = seedRecords(RECORDS, { from: FROM, to: TO, content });
    const turns = await createJournalTurnStore({ dataDir, sync: false });
    for (const r of records) await turns.add(r);
    await turns.close();

    // Tickets opened, claimed and resolved through the real ticket service, each change at its own time.
    let at = FROM;
    const clock = { now: () => at };
    const store = createLowdbTicketStore({ dataDir, sync: false });
    await store.open();
    const service = createTicketService({ store, desks: () => content.desks, clock });
    const plans = planTickets(TICKETS, {
      from: FROM,
      to: TO,
      now: NOW,
      desks: content.desks.desks.map((d) => d.id),
      schemes: content.programmes.map((p) => p.id),
    });
    tickets = [];
    for (const [i, p] of plans.entries()) {
      at = p.openedAt;
      let t = await service.open({
        key: `seed-${i}`,
        desk: p.desk,
        requester: { platform: p.platform, userId: `${p.platform}:company-${i % 17}` },
        origin: { platform: p.platform, conversation: `conv-${i}` },
        packet: {
          text: 'We would like to talk to someone.',
          lang: p.lang,
          intent: null,
          confidence: 0.8,
          scheme: p.scheme,
          transcript: [],
          details: { company: 'Example KK' },
        },
      });
      if (p.claimAfterHours !== undefined) {
        at = new Date(p.openedAt.getTime() + p.claimAfterHours * HOUR);
        t = await service.claim(t.id, { user: 'web:admin' });
      }
      if (p.resolveAfterHours !== undefined) {
        at = new Date(p.openedAt.getTime() + p.resolveAfterHours * HOUR);
        t = await service.resolve(t.id, { user: 'web:admin' }, 'Done.');
      }
      tickets.push(t);
    }
    await store.close();

    const config = loadConfig({
      PORT: '0',
      MADOGUCHI_CONTENT_DIR: dir,
      MADOGUCHI_DATA_DIR: dataDir,
      MADOGUCHI_WATCH: 'false',
    });
    app = await startApp({ config, logger: pino({ level: 'silent' }), clock: { now: () => NOW } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await open('/admin?from=2025-03-01&to=2025-03-31');
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * Opens a dashboard page once its knowledge gaps are grouped: the first view of a period starts the
   * grouping on the gap worker and says so (and reloads itself); the signal is the section's state.
   */
  const open = async (path: string) => {
    await until(
      async () => {
        const res = await page.goto(`${app.url}${path}`);
        expect(res?.status()).toBe(200);
        const state = await page.locator('#gaps').getAttribute('data-state');
        expect(state).not.toBe('failed');
        return state === 'fresh';
      },
      `the gaps of ${path} grouped`,
      30_000,
    );
  };
  const figure = async (id: string) =>
    num(
      await page
        .locator(`[data-figure="${id}"]`)
        .first()
        .evaluate((e) => e.firstChild?.textContent ?? ''),
    );
  const cell = async (table: string, key: string, col: string) =>
    (await page.locator(`#${table} tr[data-key="${key}"] [data-col="${col}"]`).textContent())?.trim() ?? '';

  it('draws every chart as a labelled image, with the page’s own stylesheet and nothing blocked', async () => {
    const ids = await page.locator('svg.chart').evaluateAll((els) => els.map((e) => e.id));
    expect(ids.sort()).toEqual([...CHARTS].sort());
    for (const id of CHARTS) {
      const chart = page.locator(`svg#${id}`);
      expect(await chart.getAttribute('role')).toBe('img');
      const title = (await chart.locator(':scope > title').textContent())?.trim() ?? '';
      expect(title?.length).toBeGreaterThan(0);
      // The accessible name is the chart's title: what a screen reader announces.
      // (aria-labelledby: the title, then the description when there is one.)
      expect(await page.getByRole('img', { name: title }).count()).toBeGreaterThan(0);
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(200);
      expect(box?.height).toBeGreaterThan(60);
      // Each chart writes its numbers as text, not only as shapes.
      expect(await chart.locator('text').count()).toBeGreaterThan(1);
    }
    // The hashed inline stylesheet applied (the CSP let it in), and nothing was refused or failed.
    expect(await page.locator('header').evaluate((e) => getComputedStyle(e).borderBottomStyle)).toBe('solid');
    expect(problems).toEqual([]);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    await page.screenshot({ path: join(artifacts, '7-dashboard.png'), fullPage: true });
    await page.locator('#activity').screenshot({ path: join(artifacts, '7-dashboard-activity.png') });
  });

  it('shows the inquiries, actions and feedback counted from the raw records', async () => {
    expect(await figure('inquiries')).toBe(RECORDS);
    const by = countBy(records, (r) => r.action);
    for (const a of ACTIONS) expect(await figure(a)).toBe(by.get(a) ?? 0);
    expect(await figure('helpful')).toBe(records.filter((r) => r.feedback === 'helpful').length);
    expect(await figure('not-helpful')).toBe(records.filter((r) => r.feedback === 'not_helpful').length);
    expect(await figure('led-to-ticket')).toBe(records.filter((r) => r.ticketDesk).length);
    // The bar chart writes the same counts above its bars.
    const bars = await page
      .locator('#chart-actions g.bar')
      .evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-value'))));
    expect(bars).toEqual(ACTIONS.map((a) => by.get(a) ?? 0));
  });

  it('breaks them down by language, platform and programme', async () => {
    for (const [table, key] of [
      ['table-lang', (r: TurnRecord) => r.lang],
      ['table-platform', (r: TurnRecord) => r.platform],
      ['table-scheme', (r: TurnRecord) => r.scheme ?? ''],
    ] as const) {
      const expected = countBy(records, key);
      const rows = await page.locator(`#${table} tbody tr`).count();
      expect(rows).toBe(expected.size);
      for (const [k, n] of expected) {
        expect(num(await cell(table, k, 'inquiries'))).toBe(n);
        const ofKey = records.filter((r) => key(r) === k);
        for (const a of ACTIONS)
          expect(num(await cell(table, k, a))).toBe(ofKey.filter((r) => r.action === a).length);
        expect(num(await cell(table, k, 'not-helpful'))).toBe(
          ofKey.filter((r) => r.feedback === 'not_helpful').length,
        );
      }
    }
  });

  it('ranks the top entries and draws every day of the month', async () => {
    const answers = countBy(
      records.filter((r) => r.action === 'answer' && r.entry),
      (r) => r.entry as string,
    );
    const top = [...answers].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10);
    const shown = await page
      .locator('#table-entries tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-key'), tr.querySelector('[data-col="answers"]')?.textContent]),
      );
    expect(shown.map(([k, n]) => [k, num(n ?? '')])).toEqual(top);

    const perDay = countBy(records, (r) => r.at.slice(0, 10));
    const columns = await page
      .locator('#chart-per-day g.column')
      .evaluateAll((gs) =>
        gs.map((g) => [
          g.getAttribute('data-label'),
          Number(g.getAttribute('data-value')),
          g.querySelector('text.value')?.textContent,
        ]),
      );
    expect(columns).toHaveLength(31);
    for (const [label, value, text] of columns) {
      const n = perDay.get(`2025-${label}`) ?? 0;
      expect(value).toBe(n);
      expect(num(String(text ?? ''))).toBe(n);
    }
  });

  it('shows each desk’s tickets, claim and resolve times, breaches and backlog from the ticket events', async () => {
    const ageBucket = (h: number) => (h < 24 ? 'lt1d' : h < 72 ? 'd1to3' : h < 168 ? 'd3to7' : 'gte7d');
    let opened = 0;
    for (const desk of content.desks.desks) {
      const mine = tickets.filter((t) => t.desk === desk.id);
      const created = (t: Ticket) => Date.parse(t.createdAt);
      const at = (t: Ticket, type: string) => {
        const e = t.events.find((x) => x.type === type);
        return e ? (Date.parse(e.at) - created(t)) / HOUR : undefined;
      };
      const claims = mine.map((t) => at(t, 'claimed')).filter((h): h is number => h !== undefined);
      const resolves = mine.map((t) => at(t, 'resolved')).filter((h): h is number => h !== undefined);
      const breaches = mine.filter(
        (t) => (at(t, 'claimed') ?? (NOW.getTime() - created(t)) / HOUR) > desk.responseTargetHours,
      ).length;
      const open = mine.filter((t) => t.status !== 'resolved' && t.status !== 'closed');
      opened += mine.length;

      expect(num(await cell('table-desks', desk.id, 'opened'))).toBe(mine.length);
      expect(await cell('table-desks', desk.id, 'claim-median')).toBe(hoursText(rank(claims, 0.5)));
      expect(await cell('table-desks', desk.id, 'claim-p90')).toBe(hoursText(rank(claims, 0.9)));
      expect(await cell('table-desks', desk.id, 'resolve-median')).toBe(hoursText(rank(resolves, 0.5)));
      expect(await cell('table-desks', desk.id, 'resolve-p90')).toBe(hoursText(rank(resolves, 0.9)));
      expect(num(await cell('table-desks', desk.id, 'breaches'))).toBe(breaches);
      expect(num(await cell('table-desks', desk.id, 'backlog'))).toBe(open.length);
      const buckets = countBy(open, (t) => ageBucket((NOW.getTime() - created(t)) / HOUR));
      for (const b of ['lt1d', 'd1to3', 'd3to7', 'gte7d'])
        expect(num(await cell('table-desks', desk.id, `backlog-${b}`))).toBe(buckets.get(b) ?? 0);
      // The box plot carries the same median and p90.
      const box = await page
        .locator('#chart-claim g.row')
        .evaluateAll(
          (gs, name) => gs.find((g) => g.getAttribute('data-label') === name)?.getAttribute('data-median'),
          desk.name.en,
        );
      expect(box === '' ? undefined : Number(box)).toBe(rank(claims, 0.5));
    }
    expect(opened).toBe(TICKETS);
    expect(await figure('tickets-opened')).toBe(TICKETS);
    await page.locator('#desks').screenshot({ path: join(artifacts, '7-dashboard-desks.png') });
  });

  it('lists the knowledge gaps with their texts as text, and the entries past review', async () => {
    const gaps = page.locator('#table-gaps tbody tr');
    expect(await gaps.count()).toBeGreaterThan(0);
    expect(await gaps.count()).toBeLessThanOrEqual(10);
    const counts = await page.locator('#table-gaps [data-col="count"]').allTextContents();
    const kept = records.filter((r) => r.review.length > 0 && r.text).length;
    expect(counts.map(num).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(kept);
    // Most asked first.
    expect(counts.map(num)).toEqual([...counts.map(num)].sort((a, b) => b - a));
    expect(await page.locator('#table-gaps li', { hasText: HOSTILE_QUESTION }).count()).toBeGreaterThan(0);
    expect(await page.locator('#table-gaps b, #table-gaps script').count()).toBe(0);

    const day = 86_400_000;
    const review = new Map(content.programmes.map((p) => [p.id, p.reviewDays]));
    const stale = content.knowledge.filter(
      (e) =>
        Math.floor((Date.UTC(2025, 3, 2) - Date.parse(`${e.asOf}T00:00:00Z`)) / day) >
        (review.get(e.scheme) ?? Infinity),
    );
    expect(stale.length).toBeGreaterThan(0);
    const rows = await page
      .locator('#table-stale tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    expect(rows.sort()).toEqual(stale.map((e) => e.id).sort());
  });

  it('narrows everything with the filter form (a plain GET)', async () => {
    await page.selectOption('select[name="lang"]', 'ja');
    await page.selectOption('select[name="platform"]', 'teams');
    await Promise.all([page.waitForURL(/platform=teams/), page.click('form.filters button')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('lang')).toBe('ja');
    expect(url.searchParams.get('from')).toBe('2025-03-01');
    await open(`${url.pathname}${url.search}`);
    const mine = records.filter((r) => r.lang === 'ja' && r.platform === 'teams');
    expect(await figure('inquiries')).toBe(mine.length);
    expect(await figure('fallback')).toBe(mine.filter((r) => r.action === 'fallback').length);
    expect(await figure('tickets-opened')).toBe(
      tickets.filter((t) => t.packet.lang === 'ja' && t.requester.platform === 'teams').length,
    );
    expect(await page.locator('#table-lang tbody tr').count()).toBe(1);
  });

  it('is written in Japanese when asked', async () => {
    await open('/admin?from=2025-03-01&to=2025-03-31&ui=ja');
    expect(await page.locator('h1').textContent()).toBe('窓口の状況（Madoguchi）');
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    expect(await figure('inquiries')).toBe(RECORDS);
    expect(problems, problems.join('\n')).toEqual([]);
    await page.screenshot({ path: join(artifacts, '7-dashboard-ja.png'), fullPage: true });
  });
});
