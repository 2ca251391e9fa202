import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDigestScheduler, type DigestCheck } from '../../src/analytics/digest.js';
import { createPgTurnStore } from '../../src/analytics/pg-store.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { loadContent } from '../../src/content/load.js';
import type { Bulletin } from '../../src/tickets/bulletins.js';
import { createPgBulletinStore } from '../../src/tickets/pg-bulletins.js';
import { createPgTicketStore } from '../../src/tickets/pg-store.js';
import { type FakeSlack, startFakeSlack } from '../adapters/slack/fake-slack.js';
import { copyContent, tempDirs, until } from '../helpers.js';
import { describePg, freshDatabase, type TestDatabase } from '../pg/helpers.js';
import {
  ADMIN_SLACK,
  configureDigest,
  DUE,
  expectedTurns,
  markupTexts,
  seedTickets,
  seedTurns,
  WEEK,
  weekRecords,
} from './digest-fixtures.js';

const tempDir = tempDirs('madoguchi-digest-pg-');
const MINUTE = 60_000;
let now = DUE - MINUTE;
const clock = { now: () => new Date(now) };

describePg('the weekly digest with DATABASE_URL (several replicas)', () => {
  let db: TestDatabase;
  let dir: string;
  let slack: FakeSlack;
  let apps: RunningApp[] = [];
  const records = weekRecords();

  const boot = async () =>
    startApp({
      config: loadConfig({
        PORT: '0',
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'test-signing-secret',
        SLACK_API_URL: slack.url,
        MADOGUCHI_CONTENT_DIR: dir,
        MADOGUCHI_DATA_DIR: await tempDir(),
        MADOGUCHI_WATCH: 'false',
        DATABASE_URL: db.url,
      }),
      logger: pino({ level: 'silent' }),
      clock,
    });
  const rows = async () =>
    (await db.pool().query<{ id: string; doc: Bulletin }>('SELECT id, doc FROM bulletins ORDER BY id')).rows;
  const adminPosts = () => slack.of('chat.postMessage').filter((c) => c.params.channel === ADMIN_SLACK);
  /** Waits until no replica has a delivery of the bulletins left to make (the queue is empty). */
  const drained = () =>
    until(async () => {
      const { rows: queued } = await db.pool().query('SELECT id FROM bulletin_deliveries');
      return queued.length === 0;
    }, 'the bulletin queue to drain');

  beforeAll(async () => {
    db = await freshDatabase();
    slack = await startFakeSlack();
    dir = await copyContent('madoguchi-digest-pg-content-');
    await configureDigest(dir, {
      admin_channel: { slack_channel: ADMIN_SLACK, lang: 'en' },
      digest: { weekday: 'monday', hour: 9, timezone: 'Asia/Tokyo' },
    });
    // The ticket store migrates the database (bulletins and turn records included).
    const store = createPgTicketStore({ pool: db.pool() });
    await store.open();
    const content = await loadContent(dir);
    await seedTickets(store, () => content.desks);
    await store.close();
    await seedTurns(createPgTurnStore({ pool: db.pool() }), records);
    apps = await Promise.all([boot(), boot()]);
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await slack?.close();
  });

  it('two servers on one database queue the week once and post it once, however often each checks', async () => {
    const [a, b] = apps as [RunningApp, RunningApp];
    await Promise.all([a.periodic(), b.periodic()]);
    expect(await rows()).toEqual([]);

    now = DUE + 5 * MINUTE;
    for (let i = 0; i < 4; i++) await Promise.all([a.periodic(), b.periodic(), a.periodic()]);
    // The pass runs on one replica (the reminders' advisory lock): the other's does nothing.
    const ran = [await a.periodic(), await b.periodic()];
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect((await rows()).map((r) => r.id)).toEqual([`digest:${WEEK}`]);
    await drained();
    const [row] = await rows();
    expect(row?.doc.outbox.map((d) => [d.channel, d.status, d.attempts])).toEqual([
      ['slack', 'delivered', 1],
    ]);
    expect(adminPosts()).toHaveLength(1);
    expect(markupTexts(adminPosts()[0]?.params ?? {})).toContain(
      `*Inquiries*\n${expectedTurns(records).inquiries}`,
    );
  });

  it('the replica left takes the check over when the other stops, and queues nothing more', async () => {
    const [first, second] = apps as [RunningApp, RunningApp];
    const [holder, other] = (await first.periodic()) ? [first, second] : [second, first];
    expect(await other.periodic()).toBe(false);
    await holder.stop();
    apps = [other];
    await until(() => other.periodic(), 'the remaining replica to take the periodic pass');
    expect(await other.periodic()).toBe(true);
    expect((await rows()).map((r) => r.id)).toEqual([`digest:${WEEK}`]);
    expect(adminPosts()).toHaveLength(1);
  });

  it('two checks racing without the lock still queue one digest (the id is the key)', async () => {
    const content = await loadContent(dir);
    now += 7 * 24 * 60 * MINUTE;
    // Two processes' schedulers, each on its own pool, with no lock between them.
    const scheduler = async () => {
      const pool = db.pool();
      const bulletins = createPgBulletinStore({ pool });
      const tickets = createPgTicketStore({ pool });
      await Promise.all([bulletins.open(), tickets.open()]);
      const digests = createDigestScheduler({
        content: () => content,
        turns: createPgTurnStore({ pool }),
        tickets,
        bulletins,
        // The log notifier delivers it (the server still running has one).
        channels: () => ['log'],
        clock,
        retentionDays: 90,
      });
      return { digests, close: () => tickets.close() };
    };
    const one = await scheduler();
    const two = await scheduler();
    const results: DigestCheck[] = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).digests.check()),
    );
    await Promise.all([one.close(), two.close()]);
    expect(results.filter((r) => r.state === 'queued')).toHaveLength(1);
    expect(results.every((r) => r.state === 'queued' || r.state === 'exists')).toBe(true);
    expect((await rows()).map((r) => r.id)).toEqual([`digest:${WEEK}`, 'digest:2026-W12']);
  });

  it('old digests are pruned, with deliveries still queued', async () => {
    const bulletins = createPgBulletinStore({ pool: db.pool() });
    await bulletins.open();
    // An old digest still waiting for Teams (which no server here has): its delivery is queued.
    const old = '2026-01-05T00:00:00.000Z';
    await bulletins.createIfAbsent({
      id: 'digest:2026-W02',
      kind: 'digest',
      createdAt: old,
      to: { teamsConversation: '19:x@thread.tacv2', lang: 'en' },
      body: {},
      outbox: [
        { id: 'digest:2026-W02:teams', channel: 'teams', status: 'pending', attempts: 0, nextAttemptAt: old },
      ],
      refs: {},
    });
    const queued = async () =>
      (await db.pool().query<{ id: string }>('SELECT id FROM bulletin_deliveries ORDER BY id')).rows.map(
        (q) => q.id,
      );
    expect(await queued()).toContain('digest:2026-W02:teams');
    expect(await bulletins.prune(new Date(DUE + 6 * MINUTE).toISOString())).toBe(2);
    expect((await rows()).map((r) => r.id)).toEqual(['digest:2026-W12']);
    expect((await queued()).filter((id) => !id.startsWith('digest:2026-W12'))).toEqual([]);
  });
});
