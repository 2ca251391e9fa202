import pino from 'pino';
import { expect, it } from 'vitest';
import { createJournalTurnStore } from '../../src/analytics/journal-store.js';
import { createPgTurnStore } from '../../src/analytics/pg-store.js';
import type { TurnStore } from '../../src/analytics/types.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Content } from '../../src/content/types.js';
import { createLowdbTicketStore } from '../../src/tickets/lowdb-store.js';
import { createPgTicketStore } from '../../src/tickets/pg-store.js';
import { createTicketService } from '../../src/tickets/service.js';
import type { TicketStore } from '../../src/tickets/store.js';
import { realContent, repoRoot, tempDirs, until } from '../helpers.js';
import { describePg, freshDatabase } from '../pg/helpers.js';
import { planTickets, seedRecords } from './seed.js';

const temp = tempDirs('madoguchi-pg-dashboard-');
const FROM = new Date('2025-03-01T00:00:00.000Z');
const TO = new Date('2025-04-01T00:00:00.000Z');
const NOW = new Date('2025-04-02T12:00:00.000Z');
const PATH = '/admin?from=2025-03-01&to=2025-03-31';

/** The same month of turns and tickets, written into whichever stores the test gives. */
async function seed(content: Content, turns: TurnStore, tickets: TicketStore) {
  for (const r of seedRecords(600, { from: FROM, to: TO, content, seed: 21 })) await turns.add(r);
  await turns.close();
  let at = FROM;
  await tickets.open();
  const service = createTicketService({
    store: tickets,
    desks: () => content.desks,
    clock: { now: () => at },
  });
  const plans = planTickets(40, {
    from: FROM,
    to: TO,
    now: NOW,
    desks: content.desks.desks.map((d) => d.id),
    schemes: content.programmes.map((p) => p.id),
    seed: 3,
  });
  for (const [i, p] of plans.entries()) {
    at = p.openedAt;
    const t = await service.open({
      key: `pg-${i}`,
      desk: p.desk,
      requester: { platform: p.platform, userId: `${p.platform}:company-${i}` },
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
      at = new Date(p.openedAt.getTime() + p.claimAfterHours * 3_600_000);
      await service.claim(t.id, { user: 'web:admin' });
    }
    if (p.resolveAfterHours !== undefined) {
      at = new Date(p.openedAt.getTime() + p.resolveAfterHours * 3_600_000);
      await service.resolve(t.id, { user: 'web:admin' });
    }
  }
  await tickets.close();
}

const start = async (env: Record<string, string>) =>
  startApp({
    config: loadConfig({ PORT: '0', MADOGUCHI_CONTENT_DIR: repoRoot, MADOGUCHI_WATCH: 'false', ...env }),
    logger: pino({ level: 'silent' }),
    clock: { now: () => NOW },
  });

/** The page once its gaps are grouped (the first view starts the grouping and says so). */
const page = (app: RunningApp) =>
  until(
    async () => {
      const res = await fetch(`${app.url}${PATH}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      return html.includes('id="gaps" data-state="fresh"') && html;
    },
    `${app.url}${PATH} with its gaps grouped`,
    30_000,
  );

describePg('the dashboard on PostgreSQL', () => {
  it('is the same page on two replicas of one database, and the same as on the journal files', async () => {
    const content = await realContent();
    const db = await freshDatabase();
    // The ticket store migrates the database (turn tables included) when it opens.
    const tickets = createPgTicketStore({ pool: db.pool() });
    await tickets.open();
    await seed(content, createPgTurnStore({ pool: db.pool() }), tickets);
    const replicas = await Promise.all([
      start({ MADOGUCHI_DATA_DIR: await temp(), DATABASE_URL: db.url }),
      start({ MADOGUCHI_DATA_DIR: await temp(), DATABASE_URL: db.url }),
    ]);
    // One process on the journal files, seeded with the same month.
    const dataDir = await temp();
    await seed(
      content,
      await createJournalTurnStore({ dataDir, sync: false }),
      createLowdbTicketStore({ dataDir }),
    );
    const single = await start({ MADOGUCHI_DATA_DIR: dataDir });
    try {
      const [a, b, files] = await Promise.all([...replicas, single].map(page));
      expect(a).toContain('<dd data-figure="inquiries">600</dd>');
      expect(a).toContain('id="table-gaps"');
      expect(a).toContain('id="table-desks"');
      expect(b).toBe(a);
      expect(files).toBe(a);
    } finally {
      await Promise.all([...replicas, single].map((app) => app.stop()));
    }
  }, 90_000);
});
