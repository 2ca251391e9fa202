import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import type { Gap } from '../../src/analytics/types.js';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { localClient } from '../adapters/web/client.js';
import { runCli } from '../cli/run.js';
import { copyContent, until } from '../helpers.js';
import { describePg, freshDatabase } from '../pg/helpers.js';

const ENTRY = 'meti-global-alliance/how-to-participate';

const cli = (args: string[], env: Record<string, string>) => runCli(args, { env, contentDir: '/nowhere' });

describePg('knowledge gaps on PostgreSQL (several replicas)', () => {
  it('groups the same whichever replica lists them; an accept on one is answered by both; the CLI decides beside them', async () => {
    const db = await freshDatabase();
    const dir = await copyContent('madoguchi-gaps-pg-');
    const env = { MADOGUCHI_CONTENT_DIR: dir, DATABASE_URL: db.url };
    const apps: RunningApp[] = [];
    try {
      for (const name of ['a', 'b'])
        apps.push(
          await startApp({
            config: loadConfig({
              PORT: '0',
              ...env,
              MADOGUCHI_DATA_DIR: join(dir, `data-${name}`),
              MADOGUCHI_WATCH: 'false',
            }),
            logger: pino({ level: 'silent' }),
          }),
        );
      const [a, b] = (await Promise.all(apps.map((app) => localClient(app.url)))) as [
        Awaited<ReturnType<typeof localClient>>,
        Awaited<ReturnType<typeof localClient>>,
      ];
      let n = 0;
      const ask = async (client: typeof a, text: string) => {
        const r = await client.post('/local/api/ask', { session: `pg${String(n++).padStart(8, '0')}`, text });
        return ((await r.json()) as { debug: { action: string; entries: string[] } }).debug;
      };
      // Asked on both replicas.
      for (const [client, q] of [
        [a, 'Is a sole proprietorship eligible for the alliance scheme?'],
        [b, 'is a sole proprietorship eligable for the alliance scheme'],
        [a, '個人事業主もアライアンス事業の対象になりますか'],
        [b, 'Who won the 2014 World Cup?'],
      ] as const)
        expect((await ask(client, q)).action).toBe('fallback');
      const panel = async (client: typeof a) =>
        (await (await client.get('/local/api/gaps?as=web:admin&lang=en')).json()).view as {
          items: Array<{ id: string; line: string; examples: Array<{ user: string }> }>;
        };
      const onA = await until(async () => {
        const v = await panel(a);
        return v.items.length === 2 && v.items[0]?.line.startsWith('questions: 3 ·') ? v : undefined;
      }, 'the records of both replicas');
      expect(await panel(b)).toEqual(onA);
      const listed = JSON.parse((await cli(['kb', 'gaps', '--json'], env)).stdout) as Gap[];
      expect(listed.map((g) => g.id)).toEqual(onA.items.map((i) => i.id));
      const [gap, cup] = listed as [Gap, Gap];
      expect(gap).toMatchObject({ count: 3, langs: ['en', 'ja'] });

      // Accepted on replica b: b reloads, and a reloads on b's announcement.
      const accepted = await b.post('/local/api/gaps', {
        as: 'web:admin',
        eventId: 'ev-accept-pg-1',
        action: 'accept',
        gap: gap.id,
        entry: ENTRY,
      });
      expect(accepted.status).toBe(200);
      expect(await ask(b, 'Does the alliance scheme accept sole proprietorships?')).toMatchObject({
        action: 'answer',
        entries: [ENTRY],
      });
      await until(
        async () =>
          (await ask(a, 'Does the alliance scheme accept sole proprietorships?')).action === 'answer',
        'replica a to reload the accepted question',
      );

      // Dismissed from the CLI: neither replica lists it.
      const dismissed = await cli(['kb', 'dismiss', cup.id, '--why', 'Not about the programmes'], env);
      expect(dismissed.code).toBe(0);
      for (const client of [a, b]) expect((await panel(client)).items).toEqual([]);
      const all = JSON.parse((await cli(['kb', 'gaps', '--json', '--all'], env)).stdout) as Gap[];
      expect(all.map((g) => g.decision?.decision).sort()).toEqual(['accepted', 'dismissed']);
    } finally {
      await Promise.all(apps.map((app) => app.stop()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
