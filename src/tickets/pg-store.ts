import type { Logger } from 'pino';
import { isConnectionError, PgStoreError, reasonOf } from '../storage/pg/errors.js';
import { toJsonb } from '../storage/pg/jsonb.js';
import { migrate } from '../storage/pg/migrate.js';
import { describePool, inTransaction, type PgPool, waitForPostgres } from '../storage/pg/pool.js';
import { type StoreErrorCode, TicketError, TicketStoreError } from './errors.js';
import { formatTicketId, type TicketFilter, type TicketStore } from './store.js';
import type { Ticket } from './types.js';

export interface PgTicketStoreOptions {
  pool: PgPool;
  /**
   * End the pool at close: for a pool made for this store (the server's). A store whose pool ended
   * cannot be opened again. Default false: the caller ends its pool.
   */
  endPoolOnClose?: boolean;
  /** Apply migrations at open, under the advisory lock (default true). Off: the schema must be there. */
  migrate?: boolean;
  /** Tries to reach the server at open before giving up (default 5, with back-off from `retryDelayMs`). */
  connectAttempts?: number;
  /** Wait before the second try at open, doubled each time (default 500 ms). */
  retryDelayMs?: number;
  /** Rows fetched at a time when a filter has a `where` condition (default 500). */
  pageSize?: number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

interface Row {
  doc: Ticket;
}

/**
 * Tickets in PostgreSQL, for several replicas on one database. A ticket is a row: its JSONB document
 * plus copies of the columns queries filter on (desk, status, requester, updated_at), written in the
 * same statement. Ids come from a sequence (`MDG-000123`), so replicas never hand out the same one.
 *
 * - `createIfAbsent`: the key is UNIQUE; the insert is `ON CONFLICT (key) DO NOTHING` and whoever lost
 *   the race reads the winner's ticket. A lost race burns one sequence number (ids are unique, not
 *   gapless).
 * - `update`: compare-and-set in one transaction: `SELECT … FOR UPDATE` takes the row lock, `mutate`
 *   sees the row as committed by whoever held it before, and the write commits with it. Two replicas
 *   claiming together: the second waits for the first, then sees `claimed` and its mutate refuses.
 * - A `where` condition is a function, so it is checked here, page by page in id order: memory stays
 *   bounded by the page and the matches, but a `where` query reads every row the columns select.
 *
 * Errors are TicketStoreError: a failed write STORE_WRITE_FAILED (nothing of it is committed, unless
 * the connection died during COMMIT itself, when PostgreSQL may have committed it), a failed read
 * STORE_UNREADABLE, use before open or after close STORE_CLOSED. Messages name the server as
 * `host:port/database`, never the password. Errors thrown by `mutate` pass through unchanged.
 */
export function createPgTicketStore(opts: PgTicketStoreOptions): TicketStore {
  const { pool } = opts;
  const target = describePool(pool);
  const url = pool.options.connectionString;
  const pageSize = opts.pageSize ?? 500;
  let state: 'closed' | 'opening' | 'open' = 'closed';
  const inFlight = new Set<Promise<unknown>>();

  function fail(code: StoreErrorCode, error: unknown, consequence: string): TicketStoreError {
    const reason = reasonOf(error, url);
    const what = isConnectionError(error) ? 'lost the connection' : 'failed';
    return new TicketStoreError(code, `PostgreSQL ${target} ${what}: ${reason}; ${consequence}`, {
      cause: error,
    });
  }
  const writeFailed = (error: unknown) => fail('STORE_WRITE_FAILED', error, 'the change was not saved');
  const readFailed = (error: unknown) => fail('STORE_UNREADABLE', error, 'tickets cannot be read now');

  /** Runs `task` on an open store, counted so close() can wait for it. */
  function run<T>(task: () => Promise<T>): Promise<T> {
    if (state !== 'open') {
      return Promise.reject(
        new TicketStoreError('STORE_CLOSED', `the ticket store (PostgreSQL ${target}) is not open`),
      );
    }
    const p = task();
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  async function read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw readFailed(error);
    }
  }

  function conditions(filter: TicketFilter): { sql: string; params: unknown[] } {
    const parts: string[] = [];
    const params: unknown[] = [];
    const add = (column: string, value: unknown) => {
      params.push(value);
      parts.push(
        Array.isArray(value) ? `${column} = ANY($${params.length})` : `${column} = $${params.length}`,
      );
    };
    if (filter.desk) add('desk', filter.desk);
    if (filter.status) add('status', filter.status);
    if (filter.requester) add('requester', filter.requester);
    return { sql: parts.join(' AND '), params };
  }

  /** Calls `each` with every ticket the columns select, in id order, a page at a time. */
  async function scan(filter: TicketFilter, each: (t: Ticket) => void): Promise<void> {
    const { sql, params } = conditions(filter);
    let after = 0;
    for (;;) {
      const p = [...params, after, pageSize];
      const { rows } = await pool.query<Row & { number: string }>(
        `SELECT number, doc FROM tickets WHERE ${sql ? `${sql} AND ` : ''}number > $${p.length - 1}
         ORDER BY number LIMIT $${p.length}`,
        p,
      );
      for (const r of rows) each(r.doc);
      if (rows.length < pageSize) return;
      after = Number(rows.at(-1)?.number);
    }
  }

  async function byKey(key: string): Promise<Ticket | undefined> {
    const { rows } = await pool.query<Row>('SELECT doc FROM tickets WHERE key = $1', [key]);
    return rows[0]?.doc;
  }

  async function insert(
    key: string,
    build: (id: string) => Ticket,
  ): Promise<{ ticket: Ticket; created: boolean }> {
    let existing: Ticket | undefined;
    try {
      existing = await byKey(key);
    } catch (error) {
      throw writeFailed(error);
    }
    if (existing) return { ticket: existing, created: false };
    let n: number;
    try {
      const { rows } = await pool.query<{ n: string }>("SELECT nextval('ticket_number_seq') AS n");
      n = Number(rows[0]?.n);
    } catch (error) {
      throw writeFailed(error);
    }
    const id = formatTicketId(n);
    const ticket = build(id);
    const doc = toJsonb(ticket);
    try {
      const { rowCount } = await pool.query(
        `INSERT INTO tickets (id, number, key, desk, status, requester, created_at, updated_at, doc)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
         ON CONFLICT (key) DO NOTHING`,
        [
          id,
          n,
          key,
          ticket.desk,
          ticket.status,
          ticket.requester.userId,
          ticket.createdAt,
          ticket.updatedAt,
          doc,
        ],
      );
      if (rowCount === 1) return { ticket: JSON.parse(doc) as Ticket, created: true };
      // Another replica (or call) created this key meanwhile: its ticket is the one.
      const winner = await byKey(key);
      if (winner) return { ticket: winner, created: false };
    } catch (error) {
      throw writeFailed(error);
    }
    throw new TicketStoreError(
      'STORE_WRITE_FAILED',
      `PostgreSQL ${target}: the ticket with key ${key} was neither created nor found; the change was not saved`,
    );
  }

  async function change(id: string, mutate: (ticket: Ticket) => void): Promise<Ticket> {
    try {
      return await inTransaction(pool, async (client) => {
        const { rows } = await client.query<Row>('SELECT doc FROM tickets WHERE id = $1 FOR UPDATE', [id]);
        const draft = rows[0]?.doc;
        if (!draft) throw new TicketError('NOT_FOUND', `No ticket ${id}.`);
        try {
          mutate(draft);
        } catch (refusal) {
          throw new Refused(refusal);
        }
        const doc = toJsonb(draft);
        await client.query(
          `UPDATE tickets SET desk = $2, status = $3, requester = $4, updated_at = $5, doc = $6::jsonb,
           version = version + 1 WHERE id = $1`,
          [id, draft.desk, draft.status, draft.requester.userId, draft.updatedAt, doc],
        );
        return JSON.parse(doc) as Ticket;
      });
    } catch (error) {
      if (error instanceof Refused) throw error.refusal;
      if (error instanceof TicketError) throw error;
      throw writeFailed(error);
    }
  }

  return {
    async open() {
      if (state !== 'closed') return;
      if (pool.ended) {
        throw new TicketStoreError(
          'STORE_CLOSED',
          `the ticket store (PostgreSQL ${target}) was closed with its connection pool; make a new one`,
        );
      }
      state = 'opening';
      try {
        await waitForPostgres(pool, {
          target,
          ...(url ? { url } : {}),
          ...(opts.connectAttempts ? { attempts: opts.connectAttempts } : {}),
          ...(opts.retryDelayMs !== undefined ? { baseDelayMs: opts.retryDelayMs } : {}),
          ...(opts.logger ? { logger: opts.logger } : {}),
        });
        if (opts.migrate !== false) {
          await migrate(pool, {
            target,
            ...(url ? { url } : {}),
            ...(opts.logger ? { logger: opts.logger } : {}),
          });
        }
        const { rows } = await pool.query<{ t: string | null }>("SELECT to_regclass('tickets')::text AS t");
        if (!rows[0]?.t) {
          throw new TicketStoreError(
            'STORE_UNREADABLE',
            `PostgreSQL ${target} has no tickets table; run npm run db:migrate`,
          );
        }
      } catch (error) {
        state = 'closed';
        if (error instanceof TicketStoreError) throw error;
        if (error instanceof PgStoreError)
          throw new TicketStoreError('STORE_UNREADABLE', error.message, { cause: error });
        throw readFailed(error);
      }
      state = 'open';
      opts.logger?.info({ database: target }, `tickets are stored in PostgreSQL ${target}`);
    },
    async close() {
      if (state === 'closed') return;
      state = 'closed';
      await Promise.allSettled([...inFlight]);
      if (opts.endPoolOnClose && !pool.ended) await pool.end();
    },
    createIfAbsent(key, build) {
      return run(() => insert(key, build));
    },
    get(id) {
      return run(() =>
        read(async () => (await pool.query<Row>('SELECT doc FROM tickets WHERE id = $1', [id])).rows[0]?.doc),
      );
    },
    list(filter = {}) {
      return run(() =>
        read(async () => {
          if (!filter.where) {
            const { sql, params } = conditions(filter);
            const { rows } = await pool.query<Row>(
              `SELECT doc FROM tickets ${sql ? `WHERE ${sql}` : ''} ORDER BY number`,
              params,
            );
            return rows.map((r) => r.doc);
          }
          const out: Ticket[] = [];
          const where = filter.where;
          await scan(filter, (t) => {
            if (where(t)) out.push(t);
          });
          return out;
        }),
      );
    },
    count(filter = {}) {
      return run(() =>
        read(async () => {
          if (!filter.where) {
            const { sql, params } = conditions(filter);
            const { rows } = await pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM tickets ${sql ? `WHERE ${sql}` : ''}`,
              params,
            );
            return rows[0]?.n ?? 0;
          }
          let n = 0;
          const where = filter.where;
          await scan(filter, (t) => {
            if (where(t)) n++;
          });
          return n;
        }),
      );
    },
    update(id, mutate) {
      return run(() => change(id, mutate));
    },
  };
}

/** What `mutate` threw, carried past the store's own error handling unchanged. */
class Refused extends Error {
  constructor(readonly refusal: unknown) {
    super('refused by mutate');
  }
}
