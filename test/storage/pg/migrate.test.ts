import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PgStoreError } from '../../../src/storage/pg/errors.js';
import { loadMigrations, MIGRATIONS_DIR, migrate } from '../../../src/storage/pg/migrate.js';
import { describePg, freshDatabase } from '../../pg/helpers.js';

const migrationsDir = async (files: Record<string, string>) => {
  const dir = await mkdtemp(join(tmpdir(), 'madoguchi-migrations-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
};

const failure = async (p: Promise<unknown>) => (await p.catch((e: unknown) => e)) as PgStoreError;

it("reads the repository's migrations in version order and refuses badly named or clashing files", async () => {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
  expect((await loadMigrations()).map((m) => m.name)).toEqual(files);
  expect(files[0]).toBe('001_tickets.sql');
  const bad = await migrationsDir({ '1-tickets.sql': 'SELECT 1' });
  expect((await failure(loadMigrations(bad))).message).toMatch(
    /1-tickets\.sql: a migration is named NNN_words\.sql/,
  );
  const clash = await migrationsDir({ '002_a.sql': 'SELECT 1', '002_b.sql': 'SELECT 1' });
  expect((await failure(loadMigrations(clash))).message).toBe(
    '002_b.sql and 002_a.sql have the same version 2',
  );
});

describePg('migrations on PostgreSQL', () => {
  it('two replicas migrating at once: the migrations are applied once, the other waits and applies none', async () => {
    const db = await freshDatabase();
    // The first file is slow, so the second replica certainly arrives while the first holds the lock.
    const dir = await migrationsDir({
      '001_slow.sql': 'SELECT pg_sleep(0.3); CREATE TABLE a (n int);',
      '002_more.sql': 'CREATE TABLE b (n int); INSERT INTO a VALUES (1);',
    });
    const [x, y] = await Promise.all([migrate(db.pool(), { dir }), migrate(db.pool(), { dir })]);
    expect([x.applied, y.applied].sort((p, q) => q.length - p.length)).toEqual([
      ['001_slow.sql', '002_more.sql'],
      [],
    ]);
    expect(x.version).toBe(2);
    expect(y.version).toBe(2);
    const pool = db.pool();
    expect((await pool.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows).toEqual([
      { version: 1, name: '001_slow.sql' },
      { version: 2, name: '002_more.sql' },
    ]);
    expect((await pool.query('SELECT count(*)::int AS n FROM a')).rows[0].n).toBe(1);
    // And again, later: nothing to do.
    expect((await migrate(pool, { dir })).applied).toEqual([]);
  });

  it("applies the repository's migrations: the tickets table and the id sequence", async () => {
    const db = await freshDatabase();
    const pool = db.pool();
    const many = await Promise.all(Array.from({ length: 4 }, () => migrate(db.pool())));
    expect(many.flatMap((r) => r.applied)).toEqual((await loadMigrations()).map((m) => m.name));
    const columns = await pool.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'tickets' ORDER BY ordinal_position",
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual([
      'id',
      'number',
      'key',
      'desk',
      'status',
      'requester',
      'created_at',
      'updated_at',
      'version',
      'doc',
    ]);
    expect((await pool.query("SELECT nextval('ticket_number_seq')::int AS n")).rows[0].n).toBe(1);
  });

  it('a failing migration applies nothing of itself, is not recorded, and runs once fixed', async () => {
    const db = await freshDatabase();
    const pool = db.pool();
    const dir = await migrationsDir({
      '001_ok.sql': 'CREATE TABLE ok (n int);',
      '002_broken.sql': 'CREATE TABLE half (n int); SELECT no_such_function();',
    });
    const error = await failure(migrate(pool, { dir }));
    expect(error).toBeInstanceOf(PgStoreError);
    expect(error.code).toBe('PG_MIGRATION_FAILED');
    expect(error.message).toMatch(
      new RegExp(
        `^${dir.split('/').at(-1)}/002_broken.sql failed on .+/${db.name}: function no_such_function\\(\\) does not exist \\(42883\\); nothing of it was applied$`,
      ),
    );
    expect((await pool.query("SELECT to_regclass('half') AS t")).rows[0].t).toBeNull();
    expect((await pool.query('SELECT name FROM schema_migrations')).rows).toEqual([{ name: '001_ok.sql' }]);
    await writeFile(join(dir, '002_broken.sql'), 'CREATE TABLE half (n int);');
    expect((await migrate(pool, { dir })).applied).toEqual(['002_broken.sql']);
  });

  it('refuses an applied migration whose file changed, and logs versions it does not know', async () => {
    const db = await freshDatabase();
    const pool = db.pool();
    const dir = await migrationsDir({
      '001_a.sql': 'CREATE TABLE a (n int);',
      '002_b.sql': 'CREATE TABLE b (n int);',
    });
    await migrate(pool, { dir });
    await writeFile(join(dir, '001_a.sql'), 'CREATE TABLE a (n bigint);');
    expect((await failure(migrate(pool, { dir }))).message).toMatch(
      /001_a\.sql was changed after it was applied on .+ \(as 001_a\.sql\); put the change in a new migration file instead$/,
    );
    // An older release (which knows only 001) on a database a newer one migrated: a warning, not a refusal.
    const older = await migrationsDir({ '001_a.sql': 'CREATE TABLE a (n int);' });
    const warnings: string[] = [];
    const result = await migrate(pool, {
      dir: older,
      logger: {
        info: () => undefined,
        warn: (_o: unknown, m?: string) => void warnings.push(m ?? ''),
      } as never,
    });
    expect(result).toEqual({ applied: [], version: 2 });
    expect(warnings).toEqual([
      expect.stringMatching(/has migrations this version does not know \(002_b\.sql\)/),
    ]);
  });
});
