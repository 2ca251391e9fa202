// The admin dashboard over a month of 100,000 turn records: the whole page through the real server
// (store read, figures, gap grouping, SVG and HTML), and each part of it in the same process.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { TOP_GAPS } from '../src/admin/index.js';
import { renderDashboard } from '../src/admin/page.js';
import { computeFigures } from '../src/analytics/figures.js';
import { groupGaps } from '../src/analytics/gaps.js';
import { createJournalTurnStore } from '../src/analytics/journal-store.js';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { staleEntries } from '../src/content/stale.js';
import type { Content } from '../src/content/types.js';
import { stringsFor } from '../src/present/strings.js';
import { createLowdbTicketStore } from '../src/tickets/lowdb-store.js';
import { createTicketService } from '../src/tickets/service.js';
import type { Ticket } from '../src/tickets/types.js';
import { planTickets, seedRecords } from '../test/admin/seed.js';
import { gapVocabulary, syntheticGapRecords } from './gaps.js';
import { type Summary, summarise } from './stats.js';

export interface DashboardResult {
  records: number;
  /** Records kept for review (with a text): what the gap grouping reads. */
  reviewed: number;
  tickets: number;
  /** `GET /admin` for the month, end to end over HTTP, its gaps already grouped (the server's clock fixed the day after). */
  page: Summary;
  /** The same page right after a new question was kept for review: the last groups shown, regrouping behind. */
  changed: Summary;
  /** The very first page after start: no groups yet (`state` grouping), the worker starting. */
  cold: { ms: number; state: string };
  /** From the first page until its gaps were grouped, and the longest `/healthz` meanwhile (the main thread stays free). */
  grouping: { ms: number; healthzMax: number };
  /** The same after each new question (median), and the longest `/healthz` over all of them. */
  regroup: { ms: number; healthzMax: number };
  /** `GET /healthz` on the same server in the same run: what any request costs. */
  healthz: Summary;
  bytes: number;
  /** The page's parts, each timed alone (median of the rounds). */
  parts: { list: number; figures: number; gaps: number; render: number };
}

const FROM = new Date('2026-03-01T00:00:00Z');
const TO = new Date('2026-04-01T00:00:00Z');
const NOW = new Date('2026-04-02T12:00:00Z');
const HOUR = 3_600_000;
const PATH = '/admin?from=2026-03-01&to=2026-03-31';

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * Seeds `records` turn records over March (the seeded month's shape, with the review texts varied as
 * real questions are: 2,000 topics, typos, one-offs) and `tickets` tickets with their claims and
 * resolutions into a data directory, starts the real server on it and times the page.
 */
export async function benchDashboard(
  root: string,
  content: Content,
  opts: { records?: number; tickets?: number; rounds?: number } = {},
): Promise<DashboardResult> {
  const n = opts.records ?? 100_000;
  const nTickets = opts.tickets ?? 2_000;
  const rounds = opts.rounds ?? 10;
  const dir = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'madoguchi-bench-dashboard-'));
  try {
    const records = seedRecords(n, { from: FROM, to: TO, content, seed: 5 });
    const reviewed = records.filter((r) => r.text !== undefined);
    const texts = syntheticGapRecords(reviewed.length, gapVocabulary(content), 11);
    reviewed.forEach((r, i) => {
      const t = texts[i];
      if (t?.text) Object.assign(r, { text: t.text, lang: t.lang });
    });
    const turns = await createJournalTurnStore({ dataDir: dir, sync: false });
    for (const r of records) await turns.add(r);
    await turns.close();

    let at = FROM;
    const store = createLowdbTicketStore({ dataDir: dir, sync: false });
    await store.open();
    const service = createTicketService({ store, desks: () => content.desks, clock: { now: () => at } });
    const plans = planTickets(nTickets, {
      from: FROM,
      to: TO,
      now: NOW,
      desks: content.desks.desks.map((d) => d.id),
      schemes: content.programmes.map((p) => p.id),
    });
    const tickets: Ticket[] = [];
    for (const [i, p] of plans.entries()) {
      at = p.openedAt;
      let t = await service.open({
        key: `bench-${i}`,
        desk: p.desk,
        requester: { platform: p.platform, userId: `${p.platform}:company-${i % 97}` },
        origin: { platform: p.platform, conversation: `conv-${i}` },
        packet: {
          text: 'q',
          lang: p.lang,
          intent: null,
          confidence: 0.8,
          scheme: p.scheme,
          transcript: [],
          details: {},
        },
      });
      if (p.claimAfterHours !== undefined) {
        at = new Date(p.openedAt.getTime() + p.claimAfterHours * HOUR);
        t = await service.claim(t.id, { user: 'web:admin' });
      }
      if (p.resolveAfterHours !== undefined) {
        at = new Date(p.openedAt.getTime() + p.resolveAfterHours * HOUR);
        t = await service.resolve(t.id, { user: 'web:admin' });
      }
      tickets.push(t);
    }
    await store.close();

    const app = await startApp({
      config: loadConfig({
        PORT: '0',
        MADOGUCHI_CONTENT_DIR: root,
        MADOGUCHI_DATA_DIR: dir,
        MADOGUCHI_WATCH: 'false',
      }),
      logger: pino({ level: 'silent' }),
      clock: { now: () => NOW },
    });
    try {
      let bytes = 0;
      /** One page: its time, size and the state of its gaps (fresh, pending, grouping). */
      const get = async (path: string) => {
        const start = process.hrtime.bigint();
        const res = await fetch(`${app.url}${path}`);
        const body = await res.text();
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}: ${body.slice(0, 200)}`);
        return { ms, bytes: body.length, state: /id="gaps" data-state="(\w+)"/.exec(body)?.[1] ?? '' };
      };
      /** Asks for the page until its gaps are grouped; how long that took, and the longest /healthz meanwhile. */
      const untilFresh = async () => {
        const start = Date.now();
        let lag = 0;
        for (;;) {
          lag = Math.max(lag, (await get('/healthz')).ms);
          const { state } = await get(PATH);
          if (state === 'fresh') return { ms: Date.now() - start, healthzMax: lag };
          if (state === 'failed' || Date.now() - start > 120_000)
            throw new Error(`the page's gaps: ${state}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };

      const cold = await get(PATH);
      const grouping = await untilFresh();
      const page: number[] = [];
      const healthz: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const p = await get(PATH);
        if (p.state !== 'fresh') throw new Error(`the page's gaps were ${p.state} with no change`);
        page.push(p.ms);
        bytes = p.bytes;
        healthz.push((await get('/healthz')).ms);
      }
      // A new question kept for review: the next page shows the last groups at once and regroups behind.
      const changed: number[] = [];
      const regroup: Array<{ ms: number; healthzMax: number }> = [];
      for (let i = 0; i < Math.max(2, Math.floor(rounds / 3)); i++) {
        const base = records[i] as (typeof records)[number];
        await app.turns.add({
          ...base,
          id: `t_new_${i}`,
          at: new Date(FROM.getTime() + 86_400_000 * 10 + i).toISOString(),
          action: 'fallback',
          review: ['fallback'],
          text: `a new question nobody asked before, number ${i}`,
        });
        const p = await get(PATH);
        changed.push(p.ms);
        regroup.push(await untilFresh());
      }

      // The same work, part by part, on the server's own store and content.
      const parts = {
        list: [] as number[],
        figures: [] as number[],
        gaps: [] as number[],
        render: [] as number[],
      };
      for (let i = 0; i < Math.max(3, Math.floor(rounds / 2)); i++) {
        let listed: Awaited<ReturnType<typeof app.turns.list>> = [];
        parts.list.push(
          await timed(async () => {
            listed = await app.turns.list({ from: FROM.toISOString(), to: TO.toISOString() });
          }),
        );
        let figures: ReturnType<typeof computeFigures> | undefined;
        parts.figures.push(
          await timed(() => {
            figures = computeFigures({
              records: listed,
              tickets,
              from: FROM,
              to: TO,
              now: NOW,
              desks: content.desks.desks,
            });
          }),
        );
        let gaps: ReturnType<typeof groupGaps> = [];
        parts.gaps.push(
          await timed(() => {
            gaps = groupGaps(listed, { decisions: [], now: NOW, limit: TOP_GAPS });
          }),
        );
        parts.render.push(
          await timed(() =>
            renderDashboard({
              s: stringsFor(content, 'en'),
              content,
              query: { from: '2026-03-01', to: '2026-03-31', filter: {} },
              problems: [],
              langs: Object.keys(content.messages),
              ...(figures ? { figures } : {}),
              gaps: { gaps, groupedAt: NOW.toISOString(), pending: false },
              stale: staleEntries(content, NOW),
              generatedAt: NOW,
            }),
          ),
        );
      }
      return {
        records: n,
        reviewed: reviewed.length,
        tickets: nTickets,
        page: summarise(page),
        changed: summarise(changed),
        cold: { ms: cold.ms, state: cold.state },
        grouping,
        regroup: {
          ms: median(regroup.map((r) => r.ms)),
          healthzMax: Math.max(...regroup.map((r) => r.healthzMax)),
        },
        healthz: summarise(healthz),
        bytes,
        parts: {
          list: median(parts.list),
          figures: median(parts.figures),
          gaps: median(parts.gaps),
          render: median(parts.render),
        },
      };
    } finally {
      await app.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
