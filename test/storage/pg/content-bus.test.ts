import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { type RunningApp, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { copyContent, until } from '../../helpers.js';
import { describePg, freshDatabase, server } from '../../pg/helpers.js';

describePg('content reload across replicas', () => {
  it('a reload on one replica is carried out by the others, and /readyz lists every replica with its version', async () => {
    if (!server.ok) return;
    const { url } = await freshDatabase();
    const dir = await copyContent('madoguchi-bus-');
    const start = (n: number) =>
      startApp({
        config: loadConfig({
          PORT: '0',
          DATABASE_URL: url,
          MADOGUCHI_DATA_DIR: join(dir, `data-${n}`),
          MADOGUCHI_CONTENT_DIR: dir,
          MADOGUCHI_WATCH: 'false',
        }),
        logger: pino({ level: 'silent' }),
      });
    const apps: RunningApp[] = [await start(1), await start(2)];
    const [a, b] = apps as [RunningApp, RunningApp];
    try {
      const before = a.status().contentVersion;
      expect(b.status().contentVersion).toBe(before);
      const file = join(dir, 'knowledge/jetro-chongqing/summit.md');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace(
          /(## en\n[^\n]*?)October 30 and 31/,
          '$1October 30 and 31 (two days)',
        ),
      );
      const outcome = await a.content.reload();
      expect(outcome).toMatchObject({ ok: true, changed: true });
      // Replica B hears the announcement and reloads the same files itself.
      await until(
        () => b.status().contentVersion === a.status().contentVersion,
        'replica B reloaded',
        10_000,
      );
      expect(b.status().contentVersion).not.toBe(before);
      const ready = await until(
        () => {
          const replicas = a.status().replicas ?? [];
          return replicas.length === 2 &&
            replicas.every((r) => r.contentVersion === a.status().contentVersion)
            ? replicas
            : undefined;
        },
        'both replicas in /readyz with the new version',
        15_000,
      );
      expect(ready.map((r) => r.contentVersion)).toEqual([
        a.status().contentVersion,
        a.status().contentVersion,
      ]);
      const body = await (await fetch(`${a.url}/readyz`)).json();
      expect(body.replicas).toHaveLength(2);
    } finally {
      for (const app of apps) await app.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
