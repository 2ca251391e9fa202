import pg from 'pg';
import type { Logger } from 'pino';
import { isConnectionError, PgStoreError, reasonOf } from './errors.js';
import { type DatabaseConfig, describeTarget } from './target.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

export interface PgPoolOptions {
  /** Connections per process (default 10). */
  max?: number;
  /** How long to wait for a connection, to the server or from a full pool (default 5 s). */
  connectionTimeoutMillis?: number;
  /** Told when an idle connection fails (the server restarted or went away); the pool replaces it. */
  logger?: Pick<Logger, 'warn'>;
  applicationName?: string;
}

/**
 * A node-postgres pool on `database.url`. `PG*` variables (`PGHOST`, `PGPASSWORD`, `PGSSLMODE`, …) fill
 * in what the URL leaves out, as node-postgres does. An idle connection that fails is logged and
 * dropped, never an unhandled 'error' that would kill the process.
 */
export function createPgPool(database: DatabaseConfig, opts: PgPoolOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: database.url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: opts.applicationName ?? 'madoguchi',
  });
  const target = describeTarget(database.url);
  pool.on('error', (error) => {
    opts.logger?.warn(
      { database: target, reason: reasonOf(error, database.url) },
      `PostgreSQL ${target}: an idle connection failed; it will be replaced`,
    );
  });
  return pool;
}

export interface WaitOptions {
  /** For messages: `host:port/database` (see describeTarget). */
  target: string;
  /** The URL, only so its password can be kept out of messages. */
  url?: string;
  /** Tries before giving up (default 5). */
  attempts?: number;
  /** Wait before the second try, doubled each time up to 8 s (default 500 ms). */
  baseDelayMs?: number;
  logger?: Pick<Logger, 'warn'>;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Resolves once the server answers a query on `pool`. A server that cannot be reached is tried again
 * with back-off (0.5, 1, 2, 4 s by default), each failure logged as one line; then it throws
 * PgStoreError PG_UNREACHABLE. A server that refuses (wrong password, no such database) is not tried
 * again: PG_REFUSED. Both messages name host and database, never the password.
 */
export async function waitForPostgres(pool: PgPool, opts: WaitOptions): Promise<void> {
  const attempts = Math.max(1, opts.attempts ?? 5);
  const base = opts.baseDelayMs ?? 500;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const startedAt = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      const reason = reasonOf(error, opts.url);
      if (!isConnectionError(error)) {
        throw new PgStoreError(
          'PG_REFUSED',
          `PostgreSQL ${opts.target} refused the connection: ${reason}; check DATABASE_URL (user, password, database name) and PG* variables`,
          { cause: error },
        );
      }
      if (attempt >= attempts) {
        const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
        throw new PgStoreError(
          'PG_UNREACHABLE',
          `cannot reach PostgreSQL ${opts.target}: ${reason} (${attempts} attempts over ${seconds} s); check that the server is running and DATABASE_URL`,
          { cause: error },
        );
      }
      const delay = Math.min(8_000, base * 2 ** (attempt - 1));
      opts.logger?.warn(
        { database: opts.target, attempt, of: attempts, retryInMs: delay },
        `PostgreSQL ${opts.target} is not reachable (${reason}); trying again in ${delay} ms`,
      );
      await sleep(delay);
    }
  }
}

/** `host:port/database` of a pool's server, for messages; never the password. */
export function describePool(pool: PgPool): string {
  const o = pool.options;
  if (o.connectionString) return describeTarget(o.connectionString);
  const env = process.env;
  const user = o.user ?? env.PGUSER ?? env.USER ?? 'postgres';
  return `${o.host ?? env.PGHOST ?? 'localhost'}:${o.port ?? env.PGPORT ?? 5432}/${o.database ?? env.PGDATABASE ?? user}`;
}

/**
 * Keeps a checked-out client's 'error' event (the server went away while it was held) from killing
 * the process: the query in progress fails with the same error and the holder handles that. Returns
 * the function that takes the listener off again, before the client goes back to the pool.
 */
export function guard(client: PgClient): () => void {
  const ignore = () => undefined;
  client.on('error', ignore);
  return () => client.off('error', ignore);
}

/**
 * Runs `work` in one transaction on a client of its own: COMMIT when it resolves, ROLLBACK when it
 * throws, and its error rethrown as it is. A client whose connection failed (in `work` or in the
 * ROLLBACK) is discarded, not returned to the pool.
 */
export async function inTransaction<T>(pool: PgPool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const unguard = guard(client);
  let broken: Error | undefined;
  let began = false;
  try {
    await client.query('BEGIN');
    began = true;
    const result = await work(client);
    await client.query('COMMIT');
    began = false;
    return result;
  } catch (error) {
    if (began)
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
    if (isConnectionError(error)) broken = error as Error;
    throw error;
  } finally {
    unguard();
    client.release(broken);
  }
}
