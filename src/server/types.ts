import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DeskDirectory } from '../content/types.js';
import type { EngineRef } from '../core/engine-types.js';
import type { Clock } from '../core/types.js';
import type { FeedbackStore } from '../feedback/store.js';
import type { Notifier, TicketService } from '../tickets/service-types.js';

/** One HTTP route a channel adapter mounts on the shared server. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

/**
 * A channel (Slack, Teams, the local page) plugged into the shared server. Adapters hold no business
 * logic: they map platform events to the engine and the ticket service, and render replies.
 */
export interface ChannelAdapter {
  readonly name: string;
  readonly routes: Route[];
  /** Delivers ticket notifications on this platform through the outbox. */
  readonly notifier?: Notifier;
  /** Connections that are not HTTP routes (Slack Socket Mode). */
  start?(): Promise<void>;
  /** Stop taking new work and finish turns in flight. */
  stop(): Promise<void>;
}

/** What the server hands every channel adapter. */
export interface AdapterDeps {
  config: Config;
  engine: EngineRef;
  tickets: TicketService;
  /** Asks the outbox to deliver due notifications now (after a ticket change). */
  kickOutbox: () => void;
  /** Desks and admins of the content currently serving. */
  desks: () => DeskDirectory;
  feedback: FeedbackStore;
  /** Reload content now (admin command); resolves with the outcome. */
  reload: () => Promise<ReloadOutcome>;
  /** Readiness and content status (admin `status` command, `/readyz`). */
  status: () => ServiceStatus;
  clock: Clock;
  logger: Logger;
}

export type ReloadOutcome =
  | { ok: true; version: string; changed: boolean }
  | { ok: false; problems: string[]; keptVersion: string };

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
  uptimeSeconds: number;
}
