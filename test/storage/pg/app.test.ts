import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { loadMigrations } from '../../../src/storage/pg/migrate.js';
import { createPgTicketStore } from '../../../src/tickets/pg-store.js';
import { createTicketService } from '../../../src/tickets/service.js';
import { repoRoot, tempDirs } from '../../helpers.js';
import { describePg, freshDatabase } from '../../pg/helpers.js';
import { DESKS, openInput } from '../../tickets/fixtures.js';

const tempDir = tempDirs('madoguchi-pg-app-');

describePg('the server with DATABASE_URL', () => {
  it('two servers start together on one database: migrated once, both ready, both see its tickets, no ticket file', async () => {
    const db = await freshDatabase();
    const seeded = createPgTicketStore({ pool: db.pool() });
    await seeded.open();
    await createTicketService({ store: seeded, desks: () => DESKS, clock: { now: () => new Date() } }).open(
      openInput('before-start'),
    );
    await seeded.close();
    const dirs = [await tempDir(), await tempDir()];
    const apps = await Promise.all(
      dirs.map((dataDir) =>
        startApp({
          config: loadConfig({
            PORT: '0',
            MADOGUCHI_CONTENT_DIR: repoRoot,
            MADOGUCHI_DATA_DIR: dataDir,
            MADOGUCHI_WATCH: 'false',
            DATABASE_URL: db.url,
          }),
          logger: pino({ level: 'silent' }),
        }),
      ),
    );
    try {
      for (const app of apps) {
        const ready = await fetch(`${app.url}/readyz`);
        expect(ready.status).toBe(200);
        expect((await ready.json()).tickets).toMatchObject({ open: 1 });
      }
      for (const dataDir of dirs) expect(existsSync(join(dataDir, 'tickets.json.lock'))).toBe(false);
      const migrations = await db.pool().query('SELECT name FROM schema_migrations ORDER BY version');
      expect(migrations.rows).toEqual((await loadMigrations()).map((m) => ({ name: m.name })));
    } finally {
      await Promise.all(apps.map((a) => a.stop()));
    }
  });
});
