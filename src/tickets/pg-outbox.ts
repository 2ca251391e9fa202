import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { reasonOf } from '../storage/pg/errors.js';
import { describePool, type PgPool } from '../storage/pg/pool.js';
import { TicketStoreError } from './errors.js';
import type { ClaimedDelivery, DeliveryQueue } from './outbox.js';

export interface PgDeliveryQueueOptions {
  pool: PgPool;
  /**
   * How long a claimed delivery is this replica's (default 2 min: a Slack delivery makes at most two
   * calls of at most 10 s each). A replica that dies holding it lets it go after this long.
   */
  leaseMs?: number;
  /** Names this replica in `deliveries.lease_owner` (default host, pid and a random part). */
  owner?: string;
  /**
   * The queue's table and its holder column: the tickets' (`deliveries`, `ticket_id`, the default) or
   * the bulletins' (`bulletin_deliveries`, `bulletin_id`: migrations/007_bulletins.sql). Same columns
   * otherwise, kept in step by the same kind of trigger.
   */
  table?:
    | { name: 'deliveries'; holder: 'ticket_id' }
    | { name: 'bulletin_deliveries'; holder: 'bulletin_id' };
}

/**
 * The outbox queue in PostgreSQL (migrations/002_deliveries.sql): one row per pending delivery, kept in
 * step with the ticket documents by a trigger, plus its lease. A claim is one statement: the due stream
 * heads nobody holds, locked `FOR UPDATE SKIP LOCKED` (two replicas claiming at once take different
 * rows, neither waits), leased to this replica until `now + leaseMs`, their claim count incremented.
 * Recording an outcome (the ticket's attempts change) ends the lease; a delivered or failed delivery
 * leaves the table. Times are the caller's clock, so all replicas should keep theirs in step (NTP).
 */
export function createPgDeliveryQueue(opts: PgDeliveryQueueOptions): DeliveryQueue & { owner: string } {
  const { pool } = opts;
  const leaseMs = opts.leaseMs ?? 120_000;
  // Constants of this file, never input: safe to splice into the statements.
  const { name: table, holder } = opts.table ?? { name: 'deliveries', holder: 'ticket_id' };
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const target = describePool(pool);
  const url = pool.options.connectionString;
  const failed = (error: unknown, what: string) =>
    new TicketStoreError(
      'STORE_UNREADABLE',
      `PostgreSQL ${target} failed: ${reasonOf(error, url)}; ${what}`,
      {
        cause: error,
      },
    );

  return {
    owner,
    leaseMs,
    async renew(deliveryId, now) {
      try {
        await pool.query(`UPDATE ${table} SET lease_until = $3 WHERE id = $1 AND lease_owner = $2`, [
          deliveryId,
          owner,
          new Date(now.getTime() + leaseMs),
        ]);
      } catch (error) {
        throw failed(error, 'the lease may expire while the delivery is attempted');
      }
    },
    async claim(now, limit): Promise<ClaimedDelivery[]> {
      try {
        const { rows } = await pool.query<{ id: string; holder: string; claims: number }>(
          `WITH due AS (
             SELECT d.id FROM ${table} d
             WHERE d.next_attempt_at <= $1
               AND (d.lease_until IS NULL OR d.lease_until <= $1)
               AND NOT EXISTS (
                 SELECT 1 FROM ${table} e
                 WHERE e.${holder} = d.${holder} AND e.stream = d.stream AND e.position < d.position
               )
             ORDER BY d.next_attempt_at, d.id
             LIMIT $2
             FOR UPDATE OF d SKIP LOCKED
           )
           UPDATE ${table} q SET lease_owner = $3, lease_until = $4, claims = q.claims + 1
           FROM due WHERE q.id = due.id
           RETURNING q.id, q.${holder} AS holder, q.claims`,
          [now, limit, owner, new Date(now.getTime() + leaseMs)],
        );
        return rows.map((r) => ({ ticketId: r.holder, deliveryId: r.id, priorClaims: r.claims - 1 }));
      } catch (error) {
        throw failed(error, 'no notification can be claimed now');
      }
    },
    async drop(deliveryId) {
      try {
        await pool.query(`DELETE FROM ${table} WHERE id = $1 AND lease_owner = $2`, [deliveryId, owner]);
      } catch (error) {
        throw failed(error, 'the delivery stays queued');
      }
    },
    async pending() {
      try {
        const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        return rows[0]?.n ?? 0;
      } catch (error) {
        throw failed(error, 'pending notifications cannot be counted now');
      }
    },
  };
}
