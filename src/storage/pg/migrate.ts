import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { PgStoreError, reasonOf } from './errors.js';
import { describePool, guard, type PgClient, type PgPool } from './pool.js';

/** The repository's `migrations/` folder. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** Held (per database) while migrations are checked and applied: `hashtext('madoguchi:migrate')` would do; a constant is plainer. */
export const MIGRATION_LOCK_KEY = 4_711_000_001;

export interface Migration {
  version: number;
  /** The file name, e.g. `001_tickets.sql`. */
  name: string;
  sql: string;
  /** sha256 of the file, recorded when applied: an applied file must not change. */
  checksum: string;
}

export interface MigrateResult {
  /** Files applied by this call, in order; empty when another process (or an earlier start) did it. */
  applied: string[];
  /** The highest version now recorded. */
  version: number;
}

const FILE = /^(\d{3,})_[a-z0-9_]+\.sql$/;

/** The migration files in `dir` (`001_name.sql`, …), in version order. Other `.sql` names are refused. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const name of names) {
    const m = FILE.exec(name);
    if (!m) {
      throw new PgStoreError(
        'PG_MIGRATION_FAILED',
        `${join(dir, name)}: a migration is named NNN_words.sql (lower case, digits, underscores)`,
      );
    }
    const version = Number(m[1]);
    const clash = out.find((x) => x.version === version);
    if (clash) {
      throw new PgStoreError(
        'PG_MIGRATION_FAILED',
        `${name} and ${clash.name} have the same version ${version}`,
      );
    }
    const sql = await readFile(join(dir, name), 'utf8');
    out.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

export interface MigrateOptions {
  /** Where the files are (default: the repository's migrations/). */
  dir?: string;
  /** For messages: `host:port/database` (default: the pool's). */
  target?: string;
  /** Only so its password never reaches a message (default: the pool's connection string). */
  url?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Brings the database up to the newest migration. Everything happens on one connection holding a
 * session advisory lock, so replicas starting together queue here and the migrations run once; the
 * lock goes with the connection if this process dies. Each file runs in its own transaction together
 * with its `schema_migrations` row: it is applied wholly or not at all. A file changed after it was
 * applied is refused (add a new migration instead); versions the database has and this build does not
 * (a newer release migrated it) are logged, not refused, so a rolling deploy can finish.
 */
export async function migrate(pool: PgPool, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const dir = opts.dir ?? MIGRATIONS_DIR;
  const migrations = await loadMigrations(dir);
  const file = (m: Migration) => `${basename(dir)}/${m.name}`;
  const where = ` on ${opts.target ?? describePool(pool)}`;
  const url = opts.url ?? pool.options.connectionString;
  let client: PgClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new PgStoreError(
      'PG_MIGRATION_FAILED',
      `cannot migrate the database${where}: ${reasonOf(error, url)}`,
      { cause: error },
    );
  }
  const unguard = guard(client);
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
      );
      const done = new Map(rows.map((r) => [r.version, r]));
      for (const m of migrations) {
        const prior = done.get(m.version);
        if (prior && prior.checksum !== m.checksum) {
          throw new PgStoreError(
            'PG_MIGRATION_FAILED',
            `${file(m)} was changed after it was applied${where} (as ${prior.name}); put the change in a new migration file instead`,
          );
        }
      }
      const known = new Set(migrations.map((m) => m.version));
      const newer = rows.filter((r) => !known.has(r.version)).map((r) => r.name);
      if (newer.length > 0) {
        opts.logger?.warn(
          { newer },
          `the database${where} has migrations this version does not know (${newer.join(', ')}): a newer release applied them`,
        );
      }
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            m.checksum,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new PgStoreError(
            'PG_MIGRATION_FAILED',
            `${file(m)} failed${where}: ${reasonOf(error, url)}; nothing of it was applied`,
            { cause: error },
          );
        }
        applied.push(m.name);
        opts.logger?.info({ migration: m.name }, `applied migration ${m.name}${where}`);
      }
      const version = Math.max(0, ...rows.map((r) => r.version), ...migrations.map((m) => m.version));
      return { applied, version };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((error: Error) => {
        broken = error; // the connection is gone, and the lock with it: do not return it to the pool
      });
    }
  } catch (error) {
    if (error instanceof PgStoreError) throw error;
    broken = error as Error;
    throw new PgStoreError(
      'PG_MIGRATION_FAILED',
      `cannot migrate the database${where}: ${reasonOf(error, url)}`,
      { cause: error },
    );
  } finally {
    unguard();
    client.release(broken);
  }
}
