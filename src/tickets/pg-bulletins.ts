import { isConnectionError, reasonOf } from '../storage/pg/errors.js';
import { toJsonb } from '../storage/pg/jsonb.js';
import { describePool, inTransaction, type PgPool } from '../storage/pg/pool.js';
import type { Bulletin, BulletinStore } from './bulletins.js';
import { type StoreErrorCode, TicketError, TicketStoreError } from './errors.js';

interface Row {
  doc: Bulletin;
}

/**
 * Bulletins in PostgreSQL (migrations/007_bulletins.sql, applied by the ticket store's migrations at
 * open), shared by every replica. `createIfAbsent` is `INSERT … ON CONFLICT (id) DO NOTHING` and the
 * loser of a race reads the winner's row, so two replicas queueing the same week's digest queue it
 * once; `update` is compare-and-set under `SELECT … FOR UPDATE`, as the ticket store's. A trigger keeps
 * `bulletin_deliveries` (the outbox's queue of them, with its leases) in step with the documents.
 * Errors are TicketStoreError, messages naming `host:port/database`, never the password.
 */
export function createPgBulletinStore(opts: { pool: PgPool }): BulletinStore {
  const { pool } = opts;
  const target = describePool(pool);
  const url = pool.options.connectionString;
  let open = false;

  function fail(code: StoreErrorCode, error: unknown, consequence: string): TicketStoreError {
    const what = isConnectionError(error) ? 'lost the connection' : 'failed';
    return new TicketStoreError(
      code,
      `PostgreSQL ${target} ${what}: ${reasonOf(error, url)}; ${consequence}`,
      {
        cause: error,
      },
    );
  }
  const writeFailed = (error: unknown) => fail('STORE_WRITE_FAILED', error, 'the bulletin was not saved');
  function ready(): void {
    if (!open)
      throw new TicketStoreError('STORE_CLOSED', `the bulletin store (PostgreSQL ${target}) is not open`);
  }
  async function read<T>(query: () => Promise<T>): Promise<T> {
    ready();
    try {
      return await query();
    } catch (error) {
      throw fail('STORE_UNREADABLE', error, 'bulletins cannot be read now');
    }
  }
  const byId = async (id: string) =>
    (await pool.query<Row>('SELECT doc FROM bulletins WHERE id = $1', [id])).rows[0]?.doc;

  return {
    async open() {
      const { rows } = await pool
        .query<{ t: string | null }>("SELECT to_regclass('bulletins')::text AS t")
        .catch((error: unknown) => {
          throw fail('STORE_UNREADABLE', error, 'bulletins cannot be read now');
        });
      if (!rows[0]?.t)
        throw new TicketStoreError(
          'STORE_UNREADABLE',
          `PostgreSQL ${target} has no bulletins table; run npm run db:migrate`,
        );
      open = true;
    },
    async close() {
      open = false;
    },
    async createIfAbsent(bulletin) {
      ready();
      const doc = toJsonb(bulletin);
      try {
        const { rowCount } = await pool.query(
          `INSERT INTO bulletins (id, kind, created_at, doc) VALUES ($1, $2, $3, $4::jsonb)
           ON CONFLICT (id) DO NOTHING`,
          [bulletin.id, bulletin.kind, bulletin.createdAt, doc],
        );
        if (rowCount === 1) return { bulletin: JSON.parse(doc) as Bulletin, created: true };
        const winner = await byId(bulletin.id);
        if (winner) return { bulletin: winner, created: false };
      } catch (error) {
        throw writeFailed(error);
      }
      throw new TicketStoreError(
        'STORE_WRITE_FAILED',
        `PostgreSQL ${target}: bulletin ${bulletin.id} was neither created nor found; it was not saved`,
      );
    },
    get: (id) => read(() => byId(id)),
    list: (filter = {}) =>
      read(async () => {
        const { rows } = await pool.query<Row>('SELECT doc FROM bulletins ORDER BY created_at, id');
        return rows.map((r) => r.doc).filter((b) => !filter.where || filter.where(b));
      }),
    async update(id, mutate) {
      ready();
      try {
        return await inTransaction(pool, async (client) => {
          const { rows } = await client.query<Row>('SELECT doc FROM bulletins WHERE id = $1 FOR UPDATE', [
            id,
          ]);
          const draft = rows[0]?.doc;
          // Not a store failure (the outbox would wait for the store): the bulletin was pruned meanwhile.
          if (!draft) throw new TicketError('NOT_FOUND', `No bulletin ${id}.`);
          mutate(draft);
          const doc = toJsonb(draft);
          await client.query('UPDATE bulletins SET doc = $2::jsonb WHERE id = $1', [id, doc]);
          return JSON.parse(doc) as Bulletin;
        });
      } catch (error) {
        if (error instanceof TicketError || error instanceof TicketStoreError) throw error;
        throw writeFailed(error);
      }
    },
    async prune(before) {
      ready();
      try {
        const { rowCount } = await pool.query('DELETE FROM bulletins WHERE created_at < $1', [before]);
        return rowCount ?? 0;
      } catch (error) {
        throw writeFailed(error);
      }
    },
  };
}
