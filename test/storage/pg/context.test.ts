import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import type { ConversationContext } from '../../../src/core/memory.js';
import { createPgContextStore } from '../../../src/storage/pg/context-store.js';
import { migrate } from '../../../src/storage/pg/migrate.js';
import { localClient } from '../../adapters/web/client.js';
import { repoRoot } from '../../helpers.js';
import { describePg, freshDatabase, server } from '../../pg/helpers.js';

const context = (touchedAt: number, question: string): ConversationContext => ({
  scheme: 'jetro-chongqing',
  entry: 'jetro-chongqing/signing',
  desk: null,
  question,
  kind: 'when',
  turns: [],
  touchedAt,
});

describePg('conversation context in PostgreSQL', () => {
  it('is read by another replica, replaced by the newer turn, and expires as in one process', async () => {
    if (!server.ok) return;
    const db = await freshDatabase();
    const a = db.pool();
    const b = db.pool();
    try {
      await migrate(a);
      let clock = Date.parse('2026-12-02T09:00:00Z');
      const now = () => clock;
      const replicaA = createPgContextStore(a, { now, ttlMs: 30 * 60_000 });
      const replicaB = createPgContextStore(b, { now, ttlMs: 30 * 60_000 });
      await replicaA.save('slack:C1:1.2', context(clock, 'when was it signed\u0000?'));
      expect(await replicaB.load('slack:C1:1.2')).toMatchObject({
        scheme: 'jetro-chongqing',
        question: 'when was it signed\uFFFD?',
      });
      clock += 60_000;
      await replicaB.save('slack:C1:1.2', {
        ...context(clock, 'who signed it'),
        scheme: 'jbic-aguascalientes',
      });
      expect((await replicaA.load('slack:C1:1.2'))?.scheme).toBe('jbic-aguascalientes');
      expect(await replicaA.load('slack:C1:other')).toBeUndefined();
      clock += 31 * 60_000;
      expect(await replicaB.load('slack:C1:1.2')).toBeUndefined();
      expect(await replicaA.sweep()).toBe(1);
    } finally {
      await a.end();
      await b.end();
    }
  });
});

describePg('two replicas behind one load balancer', () => {
  it('understand a follow-up whichever replica receives it', async () => {
    if (!server.ok) return;
    const { url } = await freshDatabase();
    const start = async () =>
      startApp({
        config: loadConfig({
          PORT: '0',
          DATABASE_URL: url,
          MADOGUCHI_DATA_DIR: await mkdtemp(join(tmpdir(), 'madoguchi-replica-')),
          MADOGUCHI_CONTENT_DIR: repoRoot,
          MADOGUCHI_WATCH: 'false',
        }),
        logger: pino({ level: 'silent' }),
      });
    const a = await start();
    const b = await start();
    try {
      const session = 'replica0001';
      const first = await (await localClient(a.url)).post('/local/api/ask', {
        session,
        text: 'What is the MOU between JETRO and Chongqing?',
      });
      expect((await first.json()).view.action).toBe('answer');
      // Alone, "who signed it?" asks which programme; after the question on replica A it is about Chongqing.
      const followUp = await (await localClient(b.url)).post('/local/api/ask', {
        session,
        text: 'Who signed it?',
      });
      const view = (await followUp.json()).view as { action: string; text: string };
      expect(view.action).toBe('answer');
      expect(view.text).toMatch(/Miyamoto|Chen/);
      const alone = await (await localClient(b.url)).post('/local/api/ask', {
        session: 'replica0002',
        text: 'Who signed it?',
      });
      expect((await alone.json()).view.action).toBe('clarify');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
