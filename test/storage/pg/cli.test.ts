import { expect, it } from 'vitest';
import { loadMigrations } from '../../../src/storage/pg/migrate.js';
import { runCli } from '../../cli/run.js';
import { describePg, freshDatabase, server } from '../../pg/helpers.js';

const db = (env: Record<string, string>, ...args: string[]) => runCli(['db', ...args], { env });

it('db migrate without DATABASE_URL, or with a bad one, says so and exits 2', async () => {
  expect(await db({}, 'migrate')).toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/^DATABASE_URL is not set/),
  });
  const bad = await db({ DATABASE_URL: 'mysql://u:hunter22@h/d' }, 'migrate');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^DATABASE_URL: must be a postgres:\/\//);
  expect(bad.stderr).not.toContain('hunter22');
  expect((await db({}, 'frobnicate')).code).toBe(2);
  expect((await db({}, '--help')).code).toBe(0);
});

describePg('npm run db:migrate', () => {
  it('applies the migrations once, then reports the database up to date', async () => {
    if (!server.ok) return;
    const { url, name } = await freshDatabase();
    const target = `${server.socketDir}:${server.port}/${name}`;
    const migrations = await loadMigrations();
    const last = migrations.at(-1)?.version;
    expect(await db({ DATABASE_URL: url }, 'migrate')).toEqual({
      code: 0,
      stdout: `${target}: applied ${migrations.map((m) => m.name).join(', ')}; now at version ${last}\n`,
      stderr: '',
    });
    expect(await db({ DATABASE_URL: url }, 'migrate')).toEqual({
      code: 0,
      stdout: `${target}: up to date at version ${last}\n`,
      stderr: '',
    });
  });
});
