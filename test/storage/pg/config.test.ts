import { expect, it } from 'vitest';
import { ConfigError, loadConfig, loadDatabaseConfig } from '../../../src/config.js';
import { describeTarget, redact } from '../../../src/storage/pg/target.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

it('DATABASE_URL switches to PostgreSQL; without it (or empty) the database is null', () => {
  expect(loadConfig({}).database).toBeNull();
  expect(loadConfig({ DATABASE_URL: '  ' }).database).toBeNull();
  expect(loadConfig({ DATABASE_URL: 'postgres://u:pw@db:5432/madoguchi' }).database).toEqual({
    url: 'postgres://u:pw@db:5432/madoguchi',
  });
  expect(
    loadConfig({ DATABASE_URL: 'postgresql:///madoguchi?host=/run/postgresql' }).database,
  ).not.toBeNull();
  expect(loadDatabaseConfig({ DATABASE_URL: 'postgresql://u@/db?host=/tmp' })).toEqual({
    url: 'postgresql://u@/db?host=/tmp',
  });
  expect(loadDatabaseConfig({})).toBeNull();
});

it('refuses a DATABASE_URL that is not postgres://, without quoting it', () => {
  for (const url of ['mysql://u:hunter22@db/x', 'hunter22', 'http://u:hunter22@db/x']) {
    const found = problems({ DATABASE_URL: url });
    expect(found).toEqual([
      expect.stringMatching(/^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/),
    ]);
    expect(found.join()).not.toContain('hunter22');
    expect(() => loadDatabaseConfig({ DATABASE_URL: url })).toThrow(ConfigError);
  }
});

it('describes the target as host:port/database, from the URL or PG* variables, never the password', () => {
  expect(describeTarget('postgres://u:hunter22@db.example:6543/app?sslmode=require', {})).toBe(
    'db.example:6543/app',
  );
  expect(describeTarget('postgresql://u@/tickets?host=/run/postgresql', {})).toBe(
    '/run/postgresql:5432/tickets',
  );
  expect(describeTarget('postgres://', { PGHOST: 'pg.internal', PGPORT: '5433', PGDATABASE: 'mdg' })).toBe(
    'pg.internal:5433/mdg',
  );
  expect(describeTarget('postgres://', { PGUSER: 'alice' })).toBe('localhost:5432/alice');
  expect(describeTarget('postgres://a:b%40c@h/d', {})).not.toContain('b@c');
});

it("redacts passwords from any text: the URL's, written or decoded, and any URL quoted", () => {
  const url = 'postgres://u:p%40ss-w0rd@h:5432/d';
  expect(redact('failed for p@ss-w0rd and p%40ss-w0rd', url)).toBe('failed for *** and ***');
  expect(redact('see postgres://x:other-secret@host/db')).toBe('see postgres://x:***@host/db');
});
