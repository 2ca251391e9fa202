import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { guard, type PgPool } from '../../storage/pg/pool.js';
import type { SeenStore } from './seen-store.js';

export interface PgSeenStoreOptions {
  pool: PgPool;
  /** Which platform's keys (`slack`, `teams`): each has its own key space in the one table. */
  scope: string;
  /** How long a done key is remembered (default 24 h, as the journal store). */
  ttlMs?: number;
  /**
   * How long a begun turn holds its keys (default 30 s). A replica that dies mid-turn leaves its keys
   * held until then; the platform's next retry after that carries the turn out. Longer than any turn.
   */
  leaseMs?: number;
  /** How often expired rows are deleted (default 10 min; 0: never, for tests). */
  sweepEveryMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The seen store on PostgreSQL (table `inbound_seen`, migrations/003): every replica sees the same
 * keys, so a retry delivered to another replica is recognised. A row is a key, whether its turn is
 * done, and until when it counts (`expires_at`, the database's clock, so replicas' clocks do not
 * matter): a done key for `ttlMs`, a key in progress for `leaseMs`. An expired row is as good as none
 * and is taken over by the next `begin`; a periodic sweep deletes them.
 *
 * `begin` claims all keys in one transaction: a second replica claiming one of them waits on the
 * unique key until the first commits (then sees it taken) or rolls back (then claims it), so two
 * deliveries racing get one true between them, and a partial claim is never visible.
 */
export function createPgSeenStore(opts: PgSeenStoreOptions): SeenStore {
  const { pool, scope } = opts;
  const ttl = `${opts.ttlMs ?? 24 * 3_600_000} milliseconds`;
  const lease = `${opts.leaseMs ?? 30_000} milliseconds`;
  /** This store's turns: `release` gives up only keys this process holds. */
  const owner = randomUUID();
  /** Distinct, sorted: transactions claiming overlapping keys lock them in one order (no deadlock). */
  const norm = (keys: string[]) => [...new Set(keys)].sort();

  const sweep = async () => {
    await pool.query("DELETE FROM inbound_seen WHERE expires_at < now() - interval '1 minute'");
  };
  const every = opts.sweepEveryMs ?? 600_000;
  const timer =
    every > 0
      ? setInterval(() => {
          sweep().catch((error: unknown) =>
            opts.logger?.warn({ err: error }, 'could not delete expired inbound dedupe keys'),
          );
        }, every)
      : undefined;
  timer?.unref();

  return {
    async begin(...raw) {
      const keys = norm(raw);
      if (keys.length === 0) return true;
      const client = await pool.connect();
      const unguard = guard(client);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const { rowCount } = await client.query(
          `INSERT INTO inbound_seen AS s (scope, key, done, owner, expires_at)
           SELECT $1, k, false, $3, now() + $4::interval FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n
           ON CONFLICT (scope, key) DO UPDATE
             SET done = false, owner = excluded.owner, expires_at = excluded.expires_at
             WHERE s.expires_at <= now()`,
          [scope, keys, owner, lease],
        );
        const claimed = rowCount === keys.length;
        await client.query(claimed ? 'COMMIT' : 'ROLLBACK');
        return claimed;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
        throw error;
      } finally {
        unguard();
        client.release(broken);
      }
    },
    async done(...raw) {
      const keys = norm(raw);
      if (keys.length === 0) return;
      await pool.query(
        `INSERT INTO inbound_seen AS s (scope, key, done, owner, expires_at)
         SELECT $1, k, true, $3, now() + $4::interval FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n
         ON CONFLICT (scope, key) DO UPDATE
           SET done = true, owner = excluded.owner, expires_at = excluded.expires_at`,
        [scope, keys, owner, ttl],
      );
    },
    async release(...raw) {
      const keys = norm(raw);
      if (keys.length === 0) return;
      await pool
        .query(
          'DELETE FROM inbound_seen WHERE scope = $1 AND key = ANY($2::text[]) AND owner = $3 AND NOT done',
          [scope, keys, owner],
        )
        .catch((error: unknown) =>
          // The keys stay held until their lease runs out; the retry after that carries the turn out.
          opts.logger?.warn(
            { err: error, keys },
            'could not give up inbound dedupe keys; they expire with their lease',
          ),
        );
    },
    async firstTime(...raw) {
      const keys = norm(raw);
      if (keys.length === 0) return true;
      // One statement: every key is remembered as done; the keys returned were new (or expired).
      const { rowCount } = await pool.query(
        `INSERT INTO inbound_seen AS s (scope, key, done, owner, expires_at)
         SELECT $1, k, true, $3, now() + $4::interval FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n
         ON CONFLICT (scope, key) DO UPDATE
           SET done = true, owner = excluded.owner, expires_at = excluded.expires_at
           WHERE s.expires_at <= now()`,
        [scope, keys, owner, ttl],
      );
      return rowCount === keys.length;
    },
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
