import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, inject } from 'vitest';
import { socketUrl } from './cluster.js';
import type { PgServer } from './setup.js';

/** The test server started by test/pg/setup.ts, or why there is none. */
export const server: PgServer = inject('pg');

/** `describe`, skipped (the reason printed once by the setup) when no PostgreSQL could be started locally. */
export const describePg = describe.skipIf(!server.ok);

export interface TestDatabase {
  name: string;
  /** `postgresql://user@/name?host=<socket dir>&port=…`, as DATABASE_URL would hold it. */
  url: string;
  /** A new pool on it (a "replica"); ended after the test file. */
  pool(opts?: pg.PoolConfig): pg.Pool;
}

const ready = (): PgServer & { ok: true } => {
  if (!server.ok) throw new Error(`no PostgreSQL for the tests: ${server.reason}`);
  return server;
};

/** A URL on the test server for `database`, as `user` (optionally with a password). */
export function urlFor(database: string, user?: string, password?: string): string {
  const s = ready();
  return socketUrl(s, database, user ?? s.user, password);
}

const pools: pg.Pool[] = [];
let admin: pg.Pool | undefined;
let registered = false;

/** Ends every pool this test file made, after its last test. */
function cleanUpAfterFile(): void {
  if (registered) return;
  registered = true;
  afterAll(async () => {
    await Promise.allSettled(pools.splice(0).map((p) => (p.ended ? undefined : p.end())));
    await admin?.end();
    admin = undefined;
  });
}

/** A pool on `url`, ended after the test file. Idle connections close quickly so databases pile up no connections. */
export function poolFor(url: string, opts: pg.PoolConfig = {}): pg.Pool {
  cleanUpAfterFile();
  const pool = new pg.Pool({ connectionString: url, max: 5, idleTimeoutMillis: 1_000, ...opts });
  pool.on('error', () => undefined); // a terminated idle connection: the pool replaces it
  pools.push(pool);
  return pool;
}

/** Creates an empty database with a unique name on the test server: one per test file, or per store. */
export async function freshDatabase(): Promise<TestDatabase> {
  const s = ready();
  cleanUpAfterFile();
  admin ??= new pg.Pool({ connectionString: urlFor('postgres', s.user), max: 2, idleTimeoutMillis: 1_000 });
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = urlFor(name);
  return { name, url, pool: (opts) => poolFor(url, opts) };
}

/** Runs `sql` as the superuser on the server's `postgres` database (roles, terminating backends). */
export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const s = ready();
  cleanUpAfterFile();
  admin ??= new pg.Pool({ connectionString: urlFor('postgres', s.user), max: 2, idleTimeoutMillis: 1_000 });
  return admin.query(sql, params);
}
