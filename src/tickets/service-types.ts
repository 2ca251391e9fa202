import type { DeskId, UserRef } from '../core/types.js';
import type { BulletinPoster } from './bulletins.js';
import type { TicketFilter } from './store.js';
import type { Audience, Delivery, HandoffPacket, Origin, Requester, Ticket } from './types.js';

/** Input to open a ticket. `key` makes the call idempotent (e.g. `slack:<view id>` or `teams:<activity id>`). */
export interface OpenTicketInput {
  key: string;
  desk: DeskId;
  requester: Requester;
  origin: Origin;
  packet: HandoffPacket;
  sourceEventId?: string;
}

/** Who is acting, and the platform event that carries the action (audit trail, dedupe). */
export interface Actor {
  user: UserRef;
  sourceEventId?: string;
}

export type TicketQuery = TicketFilter;

/**
 * The ticket lifecycle that adapters, the local page and the CLI call. Every method validates
 * permissions (desk staff and admins act on tickets; a requester sees and closes their own),
 * appends an event and queues notifications in the ticket's outbox, in one atomic write.
 * Refusals throw `TicketError` (with a `code`) after recording a `refused` event.
 */
export interface TicketService {
  open(input: OpenTicketInput): Promise<Ticket>;
  claim(id: string, actor: Actor): Promise<Ticket>;
  reassign(id: string, desk: DeskId, actor: Actor): Promise<Ticket>;
  resolve(id: string, actor: Actor, note?: string): Promise<Ticket>;
  reopen(id: string, actor: Actor, note?: string): Promise<Ticket>;
  close(id: string, actor: Actor): Promise<Ticket>;
  /** A staff reply relayed to the requester (or a requester's reply to the desk). */
  comment(id: string, actor: Actor, text: string): Promise<Ticket>;
  get(id: string, viewer?: UserRef): Promise<Ticket | undefined>;
  list(query?: TicketQuery): Promise<Ticket[]>;
  /** Whether `user` may act on tickets of `desk` (its staff or an admin). */
  canWork(user: UserRef, desk: DeskId): boolean;
  isAdmin(user: UserRef): boolean;
}

/** Outcome of one delivery attempt. */
export type DeliveryResult =
  | { ok: true; refs?: Record<string, unknown> }
  | { ok: false; retryAfterMs?: number; permanent?: boolean; error: string };

/**
 * Delivers one notification of a ticket to its audience on one platform. The Slack and Teams
 * adapters each provide one; `refs` returned are merged into `ticket.refs` (e.g. the card's ts).
 */
export interface Notifier {
  /** The `Delivery.channel` this notifier serves. */
  readonly channel: Delivery['channel'];
  /** Whether this notifier can reach the audience of this ticket (the desk's channel, or the requester's origin). */
  handles(ticket: Ticket, audience: Audience): boolean;
  deliver(ticket: Ticket, delivery: Delivery): Promise<DeliveryResult>;
  /** Posts bulletins (notices for admins about no ticket: the weekly digest); absent where it posts none. */
  readonly bulletins?: BulletinPoster;
}
