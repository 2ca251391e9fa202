import type { PgPool } from '../storage/pg/pool.js';
import type { TicketStore } from '../tickets/store.js';
import type { Ticket } from '../tickets/types.js';
import type { Backlog } from './labels.js';

const hasPending = (t: Readonly<Ticket>) => t.outbox.some((d) => d.status === 'pending');

/**
 * The outbox backlog of the lowdb ticket store: its pending deliveries, and the oldest one's queueing
 * time (the event that queued it). The store is in memory; only tickets with pending deliveries are
 * copied.
 */
export function storeBacklog(store: Pick<TicketStore, 'list'>): () => Promise<Backlog> {
  return async () => {
    let pending = 0;
    let oldestAt: string | null = null;
    for (const t of await store.list({ where: hasPending }))
      for (const d of t.outbox) {
        if (d.status !== 'pending') continue;
        pending++;
        const at = t.events[d.eventSeq - 1]?.at ?? t.createdAt;
        if (oldestAt === null || at < oldestAt) oldestAt = at;
      }
    return { pending, oldestAt };
  };
}

/**
 * The same on PostgreSQL, in one statement: the `deliveries` queue holds exactly the pending
 * deliveries (migrations/002); each one's queueing time is its event's `at` in the ticket document.
 * The work is proportional to the backlog, which is small unless a platform is down.
 */
export function pgBacklog(pool: PgPool): () => Promise<Backlog> {
  return async () => {
    const { rows } = await pool.query<{ pending: number; oldest: Date | null }>(
      `SELECT count(*)::int AS pending,
              min((t.doc -> 'events' -> ((o.d ->> 'eventSeq')::int - 1) ->> 'at')::timestamptz) AS oldest
       FROM deliveries q
       JOIN tickets t ON t.id = q.ticket_id
       CROSS JOIN LATERAL jsonb_array_elements(t.doc -> 'outbox') AS o(d)
       WHERE o.d ->> 'id' = q.id`,
    );
    const row = rows[0];
    return { pending: row?.pending ?? 0, oldestAt: row?.oldest ? row.oldest.toISOString() : null };
  };
}
