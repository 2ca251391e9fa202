import pg from 'pg';
import type { Logger } from 'pino';
import { reasonOf } from './errors.js';
import { describePool, type PgPool } from './pool.js';

/** The advisory lock whose holder sends the ticket reminders (beside MIGRATION_LOCK_KEY). */
export const REMINDERS_LOCK_KEY = 4_711_000_002;

export interface PgSingletonOptions {
  /** Whose connection settings the dedicated session uses (it is not one of the pool's connections). */
  pool: PgPool;
  /** The `pg_try_advisory_lock` key (per database). */
  key: number;
  /** What runs under it, for logs: `reminders`. */
  name: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * Work that runs on exactly one replica at a time: whoever holds a session advisory lock on a
 * dedicated connection of its own. `run(task)` runs the task only on the holder. Every replica tries
 * `pg_try_advisory_lock` on each `run` (it never waits), so when the holder dies its session ends, the
 * server releases the lock, and the next replica whose `run` comes along takes it over. The holder
 * checks its session is still alive before each task; a holder that lost its session (the server
 * restarted, the connection broke) stops running the task and competes again like any other replica.
 *
 * The session is a `pg.Client` beside the pool, so it never takes a pool slot and never keeps the pool
 * from ending; `stop()` (or the pool ending) unlocks and closes it.
 *
 * What a lock cannot promise: a holder cut off from the server mid-task finishes that task while
 * another replica may already run the next one, so a task should still be safe to overlap.
 */
export function createPgSingleton(opts: PgSingletonOptions) {
  const { pool, key, name } = opts;
  const target = describePool(pool);
  const url = pool.options.connectionString;
  let session: pg.Client | undefined;
  let holding = false;
  let stopped = false;
  let running: Promise<boolean> | undefined;

  function forget(reason: string): void {
    if (holding)
      opts.logger?.warn(
        { database: target, lock: name },
        `this replica no longer runs the ${name}: ${reason}`,
      );
    holding = false;
    const s = session;
    session = undefined;
    s?.end().catch(() => undefined);
  }

  async function connect(): Promise<pg.Client> {
    const s = new pg.Client({
      ...pool.options,
      application_name: `${pool.options.application_name ?? 'madoguchi'} (${name} lock)`,
    });
    s.on('error', (error) => {
      if (session === s) forget(`its PostgreSQL session failed: ${reasonOf(error, url)}`);
    });
    await s.connect();
    return s;
  }

  /** Whether this replica holds the lock now, taking it when it is free. */
  async function hold(): Promise<boolean> {
    if (stopped || pool.ending || pool.ended) {
      await release();
      return false;
    }
    if (holding && session) {
      try {
        await session.query('SELECT 1');
        return true;
      } catch (error) {
        forget(`its PostgreSQL session failed: ${reasonOf(error, url)}`);
      }
    }
    try {
      session ??= await connect();
      const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      holding = rows[0]?.ok === true;
      if (holding) opts.logger?.info({ database: target, lock: name }, `this replica runs the ${name}`);
      return holding;
    } catch (error) {
      forget(`PostgreSQL ${target}: ${reasonOf(error, url)}`);
      return false;
    }
  }

  async function release(): Promise<void> {
    const s = session;
    if (!s) return;
    if (holding) await s.query('SELECT pg_advisory_unlock($1)', [key]).catch(() => undefined);
    holding = false;
    session = undefined;
    await s.end().catch(() => undefined);
  }

  return {
    /**
     * Runs `task` if this replica holds the lock (taking it if free); resolves whether it ran. A call
     * while the previous one is still running does nothing.
     */
    run(task: () => Promise<unknown>): Promise<boolean> {
      if (running) return Promise.resolve(false);
      running = (async () => {
        if (!(await hold())) return false;
        await task();
        return true;
      })().finally(() => {
        running = undefined;
      });
      return running;
    },
    /** Whether this replica held the lock at its last check. */
    holds: () => holding,
    /** Lets go of the lock and closes the session: another replica takes over at its next `run`. */
    async stop(): Promise<void> {
      stopped = true;
      await running?.catch(() => undefined);
      await release();
    },
  };
}

export type PgSingleton = ReturnType<typeof createPgSingleton>;
