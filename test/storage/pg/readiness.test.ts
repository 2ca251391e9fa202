import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { repoRoot, until } from '../../helpers.js';
import { adminQuery, describePg, freshDatabase, server } from '../../pg/helpers.js';

describePg('PostgreSQL lost mid-run', () => {
  it('turns /readyz to 503 with the reason, and back to 200 once the database is back, without a restart', async () => {
    if (!server.ok) return;
    const { url, name } = await freshDatabase();
    const data = await mkdtemp(join(tmpdir(), 'madoguchi-lost-'));
    const app = await startApp({
      config: loadConfig({
        PORT: '0',
        DATABASE_URL: url,
        MADOGUCHI_DATA_DIR: data,
        MADOGUCHI_CONTENT_DIR: repoRoot,
        MADOGUCHI_WATCH: 'false',
      }),
      logger: pino({ level: 'silent' }),
      probeMs: 100,
    });
    const readyz = async () => {
      const r = await fetch(`${app.url}/readyz`);
      return { status: r.status, body: (await r.json()) as { reasons: string[] } };
    };
    try {
      expect((await readyz()).status).toBe(200);
      // The database refuses new connections and drops the open ones: as if the server went away.
      await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      const lost = await until(
        async () => {
          const r = await readyz();
          return r.status === 503 ? r : undefined;
        },
        'readiness to notice',
        15_000,
      );
      expect(lost.body.reasons.join(' ')).toMatch(/ticket store|PostgreSQL|cannot/i);
      expect(lost.body.reasons.join(' ')).not.toContain(url);
      await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
      await until(
        async () => ((await readyz()).status === 200 ? true : undefined),
        'readiness to recover',
        15_000,
      );
    } finally {
      await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`).catch(() => undefined);
      await app.stop();
      await rm(data, { recursive: true, force: true });
    }
  }, 45_000);
});
