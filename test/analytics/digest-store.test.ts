import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/pg/migrate.js';
import {
  type Bulletin,
  type BulletinStore,
  bulletinDeliveries,
  createJournalBulletinStore,
} from '../../src/tickets/bulletins.js';
import { TicketError, TicketStoreError } from '../../src/tickets/errors.js';
import { createPgBulletinStore } from '../../src/tickets/pg-bulletins.js';
import { describePg, freshDatabase } from '../pg/helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const bulletin = (id: string, createdAt = '2026-03-09T00:05:00.000Z'): Bulletin => ({
  id,
  kind: 'digest',
  createdAt,
  to: { slackChannel: 'C0ADMINS', lang: 'en' },
  body: { inquiries: 3, example: 'a question with \u0000 in it' },
  outbox: bulletinDeliveries(id, ['slack', 'teams'], new Date(createdAt)),
  refs: {},
});

/** The same behaviour from both bulletin stores; `reopen` is a restart (or another replica). */
function bulletinStoreContract(
  name: string,
  make: () => Promise<{ store: BulletinStore; reopen: () => Promise<BulletinStore> }>,
) {
  describe(`bulletin store: ${name}`, () => {
    it('creates an id once: the second create gives the stored bulletin, unchanged', async () => {
      const { store, reopen } = await make();
      const first = await store.createIfAbsent(bulletin('digest:2026-W11'));
      const again = await store.createIfAbsent({ ...bulletin('digest:2026-W11'), body: { other: true } });
      expect([first.created, again.created]).toEqual([true, false]);
      expect(again.bulletin.body).toMatchObject({ inquiries: 3 });
      const other = await reopen();
      expect((await other.createIfAbsent(bulletin('digest:2026-W11'))).created).toBe(false);
      expect((await other.list()).map((b) => b.id)).toEqual(['digest:2026-W11']);
    });

    it('keeps each update (the outbox recording a delivery) across a restart', async () => {
      const { store, reopen } = await make();
      await store.createIfAbsent(bulletin('digest:2026-W11'));
      await store.update('digest:2026-W11', (b) => {
        const d = b.outbox[0];
        if (d)
          Object.assign(d, { status: 'delivered', attempts: 1, deliveredAt: '2026-03-09T00:05:01.000Z' });
        b.refs = { slackPost: { channel: 'C0ADMINS', ts: '1.2' } };
      });
      const other = await reopen();
      const again = await other.get('digest:2026-W11');
      expect(again?.outbox.map((d) => d.status)).toEqual(['delivered', 'pending']);
      expect(again?.refs).toEqual({ slackPost: { channel: 'C0ADMINS', ts: '1.2' } });
      const pending = (b: Readonly<Bulletin>) => b.outbox.some((d) => d.status === 'pending');
      expect((await other.list({ where: pending })).map((b) => b.id)).toEqual(['digest:2026-W11']);
    });

    it('an update of a bulletin that is gone is NOT_FOUND (not a store failure the outbox would wait out)', async () => {
      const { store } = await make();
      await expect(store.update('digest:1999-W01', () => undefined)).rejects.toBeInstanceOf(TicketError);
    });

    it('prunes what was queued before a time, and only that, for good', async () => {
      const { store, reopen } = await make();
      await store.createIfAbsent(bulletin('digest:2026-W01', '2026-01-05T00:00:00.000Z'));
      await store.createIfAbsent(bulletin('digest:2026-W11'));
      expect(await store.prune('2026-03-01T00:00:00.000Z')).toBe(1);
      expect(await store.prune('2026-03-01T00:00:00.000Z')).toBe(0);
      expect((await (await reopen()).list()).map((b) => b.id)).toEqual(['digest:2026-W11']);
    });
  });
}

const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'madoguchi-bulletins-'));
  dirs.push(dir);
  return dir;
};

bulletinStoreContract('journal file', async () => {
  const dataDir = await tempDir();
  const store = createJournalBulletinStore({ dataDir });
  await store.open();
  return {
    store,
    async reopen() {
      await store.close();
      const again = createJournalBulletinStore({ dataDir });
      await again.open();
      return again;
    },
  };
});

describe('bulletin store: journal file, damaged or refused', () => {
  it('drops a torn last line (a crash mid-write: never acknowledged) and keeps the rest', async () => {
    const dataDir = await tempDir();
    const store = createJournalBulletinStore({ dataDir });
    await store.open();
    await store.createIfAbsent(bulletin('digest:2026-W11'));
    await store.close();
    await appendFile(join(dataDir, 'bulletins.journal'), '{"id":"digest:2026-W12","kind":"dig');
    const again = createJournalBulletinStore({ dataDir });
    await again.open();
    expect((await again.list()).map((b) => b.id)).toEqual(['digest:2026-W11']);
  });

  it('a corrupt line refuses the start, naming the file and line', async () => {
    const dataDir = await tempDir();
    await appendFile(join(dataDir, 'bulletins.journal'), '{"id":"x"}\n{"id":"digest:2026-W11"}\n');
    const error = await createJournalBulletinStore({ dataDir })
      .open()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TicketStoreError);
    expect((error as TicketStoreError).code).toBe('STORE_CORRUPT');
    expect((error as Error).message).toContain('bulletins.journal:1: not a bulletin');
  });

  it('a write the disk refuses is STORE_WRITE_FAILED and changes nothing', async () => {
    const dataDir = await tempDir();
    const store = createJournalBulletinStore({ dataDir });
    await store.open();
    await store.createIfAbsent(bulletin('digest:2026-W11'));
    // The file replaced by a directory: every append fails (as a full disk would, even for root).
    await rm(join(dataDir, 'bulletins.journal'));
    await mkdir(join(dataDir, 'bulletins.journal'));
    const error = await store.createIfAbsent(bulletin('digest:2026-W12')).catch((e: unknown) => e);
    expect((error as TicketStoreError).code).toBe('STORE_WRITE_FAILED');
    expect((await store.list()).map((b) => b.id)).toEqual(['digest:2026-W11']);
  });
});

describePg('PostgreSQL', () => {
  bulletinStoreContract('PostgreSQL', async () => {
    const db = await freshDatabase();
    await migrate(db.pool());
    const store = createPgBulletinStore({ pool: db.pool() });
    await store.open();
    return {
      store,
      async reopen() {
        const again = createPgBulletinStore({ pool: db.pool() });
        await again.open();
        return again;
      },
    };
  });

  it('an unmigrated database is refused at open, saying what to run', async () => {
    const db = await freshDatabase();
    const error = await createPgBulletinStore({ pool: db.pool() })
      .open()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/has no bulletins table; run npm run db:migrate$/);
  });
});
