import type { Lang, Platform, Reply, UserRef } from '../core/types.js';
import type {
  GapListView,
  HandoffFormView,
  NoticeView,
  ReplyView,
  StatusView,
  TicketListView,
} from '../present/views.js';
import type { Ticket } from '../tickets/types.js';

/** Where a request came from: the conversation (a Slack channel, a Teams conversation, a page session) and thread. */
export interface Where {
  conversation: string;
  thread?: string;
  /** Teams: the conversation reference the bot needs to write back later. */
  reference?: unknown;
}

/** One platform event, as every adapter hands it to the desk service. */
export interface DeskRequest {
  platform: Platform;
  user: UserRef;
  /** The person's display name, when the platform gives it. */
  name?: string;
  where: Where;
  /** The platform's id of the event (Slack event/trigger/view id, Teams activity id): audit trail and dedupe. */
  eventId?: string;
  /** The language of what the person is looking at (the reply a button sits on), when known. */
  lang?: Lang;
}

/** What any desk call can result in; adapters render the view and, for a ticket change, nothing more (the outbox notifies). */
export type DeskResult =
  | { kind: 'reply'; reply: Reply; view: ReplyView }
  | { kind: 'form'; view: HandoffFormView }
  | { kind: 'notice'; view: NoticeView }
  | { kind: 'status'; view: StatusView }
  | { kind: 'tickets'; view: TicketListView }
  | { kind: 'gaps'; view: GapListView }
  | { kind: 'ticket'; ticket: Ticket; view?: NoticeView };

export type ReloadOutcome =
  | { ok: true; version: string; changed: boolean }
  | { ok: false; problems: string[]; keptVersion: string };

/** Readiness and content status (the admin `status` command, `/readyz`). */
export interface ServiceStatus {
  ready: boolean;
  reasons: string[];
  contentVersion: string;
  contentLoadedAt: string;
  knowledgeEntries: number;
  intents: number;
  /** The last rejected content change, if the latest reload failed. */
  rejected?: { at: string; problems: string[] };
  tickets: { open: number; pendingDeliveries: number };
  channels: string[];
  /** Several replicas (PostgreSQL): every replica seen recently, with the content version it serves. */
  replicas?: Array<{ replica: string; contentVersion: string; seenAt: string }>;
  uptimeSeconds: number;
}
