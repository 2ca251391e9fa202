import type { DeskId, UserRef } from '../core/types.js';
import type { Ticket, TicketStatus } from './types.js';

export interface TicketFilter {
  desk?: DeskId;
  /** One status, or any of several. */
  status?: TicketStatus | readonly TicketStatus[];
  requester?: UserRef;
  /**
   * Any other condition, checked on the stored ticket before it is copied out: a query that selects
   * few of many tickets (pending deliveries, a card's thread) copies only those.
   */
  where?: (ticket: Readonly<Ticket>) => boolean;
}

/**
 * Persistence of tickets. Every method that changes a ticket is atomic: the change is on disk when
 * the promise resolves, or it is not visible at all.
 */
export interface TicketStore {
  /** Opens the store (lock, read). Refuses a corrupt file or a store another process holds. */
  open(): Promise<void>;
  /** Writes anything pending and releases the store. */
  close(): Promise<void>;
  /**
   * Creates the ticket unless one with the same key exists: the same key always returns the same
   * ticket. `build` receives the new human-readable id.
   */
  createIfAbsent(key: string, build: (id: string) => Ticket): Promise<{ ticket: Ticket; created: boolean }>;
  get(id: string): Promise<Ticket | undefined>;
  list(filter?: TicketFilter): Promise<Ticket[]>;
  /** How many tickets match, without copying them out. */
  count(filter?: TicketFilter): Promise<number>;
  /** Applies `mutate` to a copy of the ticket and persists it; the mutation may throw to refuse. */
  update(id: string, mutate: (ticket: Ticket) => void): Promise<Ticket>;
}

export function formatTicketId(n: number): string {
  return `MDG-${String(n).padStart(6, '0')}`;
}

/** The statuses of a ticket waiting for staff: nobody has claimed it since it was opened or reopened. */
export const AWAITING_STAFF: readonly TicketStatus[] = ['open', 'reopened'];

/** Waiting for staff (`AWAITING_STAFF`). A filter selects these with `{ status: AWAITING_STAFF }`. */
export const awaitingStaff = (ticket: Readonly<Ticket>): boolean => AWAITING_STAFF.includes(ticket.status);

export function matches(ticket: Ticket, filter: TicketFilter): boolean {
  return (
    (!filter.desk || ticket.desk === filter.desk) &&
    (!filter.status ||
      (typeof filter.status === 'string'
        ? ticket.status === filter.status
        : filter.status.includes(ticket.status))) &&
    (!filter.requester || ticket.requester.userId === filter.requester) &&
    (!filter.where || filter.where(ticket))
  );
}
