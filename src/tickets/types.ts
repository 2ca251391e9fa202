import type { DeskId, Lang, Platform, SchemeId, SourceRef, UserRef } from '../core/types.js';

export const TICKET_STATUSES = ['open', 'claimed', 'resolved', 'closed', 'reopened'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Where the requester asked: replies and status updates go back there. */
export interface Origin {
  platform: Platform;
  /** Slack channel id, Teams conversation id, web session id. */
  conversation: string;
  /** Slack thread ts, Teams reply-chain id, when the question was in a thread. */
  thread?: string;
  /** Teams: the serialized ConversationReference needed to post proactively. */
  reference?: unknown;
}

export interface Requester {
  platform: Platform;
  userId: UserRef;
  displayName?: string;
}

/** What staff need to act without asking the company again. */
export interface HandoffPacket {
  text: string;
  lang: Lang;
  intent: string | null;
  confidence: number;
  scheme: SchemeId | null;
  /** The answer the bot already gave, if any, with its sources. */
  botAnswer?: { text: string; sources: SourceRef[]; entries: string[] };
  transcript: Array<{ at: string; who: 'user' | 'bot'; text: string }>;
  details: { company?: string; contact?: string; need?: string };
}

export type TicketEventType =
  | 'created'
  | 'claimed'
  | 'reassigned'
  | 'resolved'
  | 'closed'
  | 'reopened'
  | 'commented'
  | 'refused'
  | 'reminded';

/** One appended change. Events are never edited or removed. */
export interface TicketEvent {
  seq: number;
  type: TicketEventType;
  at: string;
  actor: UserRef;
  /** Platform event id the change came from (Slack event/action id, Teams activity id), for the audit trail and dedupe. */
  sourceEventId?: string;
  /** Free text: the resolution note, the refusal reason, a staff reply. */
  note?: string;
  from?: TicketStatus;
  to?: TicketStatus;
  desk?: DeskId;
  assignee?: UserRef;
}

export type Audience = 'desk' | 'requester';

/** A pending or delivered notification, stored with its ticket (the outbox). */
export interface Delivery {
  id: string;
  audience: Audience;
  /** Which notifier delivers it: one delivery per audience and platform (a desk may watch in Slack and Teams). */
  channel: Platform | 'log';
  /** The event that caused it. */
  eventSeq: number;
  kind: TicketEventType;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  deliveredAt?: string;
}

export interface Ticket {
  /** `MDG-000123` */
  id: string;
  /** Idempotency key: the same key never creates a second ticket. */
  key: string;
  desk: DeskId;
  status: TicketStatus;
  assignee: UserRef | null;
  requester: Requester;
  origin: Origin;
  packet: HandoffPacket;
  createdAt: string;
  updatedAt: string;
  responseTargetHours: number;
  /** createdAt + response target. */
  dueAt: string;
  lastReminderAt?: string;
  events: TicketEvent[];
  outbox: Delivery[];
  /**
   * Platform handles adapters keep with the ticket, e.g. the Slack channel + ts of the staff card
   * (`slackCard`) so it can be updated in place, or the Teams activity id of the card.
   */
  refs: Record<string, unknown>;
}
