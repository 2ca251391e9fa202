import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { runCli } from '../../cli/run.js';
import { repoRoot } from '../../helpers.js';
import { describePg, freshDatabase, server } from '../../pg/helpers.js';

const tickets = (env: Record<string, string>, ...args: string[]) => runCli(['tickets', ...args], { env });

describePg('the tickets CLI on PostgreSQL', () => {
  it('works while a server runs on the same database: no lock to fight over', async () => {
    if (!server.ok) return;
    const { url } = await freshDatabase();
    const data = await mkdtemp(join(tmpdir(), 'madoguchi-pgcli-'));
    const app = await startApp({
      config: loadConfig({
        PORT: '0',
        DATABASE_URL: url,
        MADOGUCHI_DATA_DIR: data,
        MADOGUCHI_CONTENT_DIR: repoRoot,
        MADOGUCHI_WATCH: 'false',
      }),
      logger: pino({ level: 'silent' }),
    });
    try {
      const env = { DATABASE_URL: url, MADOGUCHI_DATA_DIR: data };
      const opened = await tickets(env, 'open', '--desk', 'jbic', '--text', 'Financing our plant', '--json');
      expect(opened.code, opened.stderr).toBe(0);
      const id = (JSON.parse(opened.stdout) as { id: string }).id;
      const claimed = await tickets(env, 'claim', id, '--as', 'cli:jbic-staff', '--json');
      expect(claimed.code, claimed.stderr).toBe(0);
      expect(JSON.parse(claimed.stdout)).toMatchObject({ id, status: 'claimed', assignee: 'cli:jbic-staff' });
      // The server works the row the CLI wrote, and the CLI sees the server's change.
      await app.desk.act(
        {
          platform: 'cli',
          user: 'cli:jbic-staff',
          where: { conversation: 'terminal' },
          eventId: 'resolve-1',
        },
        { k: 'act', a: 'resolve', ticket: id },
        'Call booked',
      );
      const shown = await tickets(env, 'show', id, '--json');
      expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: 'resolved' });
    } finally {
      await app.stop();
      await rm(data, { recursive: true, force: true });
    }
  });

  it('refuses a DATABASE_URL that is not PostgreSQL, without quoting it', async () => {
    const bad = await tickets({ DATABASE_URL: 'mysql://u:hunter22@h/d' }, 'list');
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('hunter22');
  });
});
