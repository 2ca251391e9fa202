import type { Logger } from 'pino';
import type { TurnStore } from '../analytics/types.js';
import type { Config } from '../config.js';
import type { Content } from '../content/types.js';
import type { Clock, Platform } from '../core/types.js';
import type { DeskService } from '../desk/service.js';
import type { Route } from '../server/http.js';
import type { PgPool } from '../storage/pg/pool.js';
import type { Notifier, TicketService } from '../tickets/service-types.js';

export type { Route };

/**
 * A channel (Slack, Teams, the local page): it maps platform events to the desk service and renders
 * the views it returns. It holds no feature of its own.
 */
export interface Channel {
  readonly name: string;
  readonly routes: Route[];
  /** Delivers ticket notifications on this platform (registered with the outbox's notifier registry). */
  readonly notifier?: Notifier;
  /** Connections that are not HTTP routes (Slack Socket Mode). */
  start?(): Promise<void>;
  /** Stop taking new work and finish turns in flight. */
  stop(): Promise<void>;
}

/** What the application hands every channel. */
export interface ChannelDeps {
  config: Config;
  desk: DeskService;
  /** Ticket lookups a platform needs (the ticket whose card a thread reply is in). */
  tickets: Pick<TicketService, 'list' | 'get'>;
  content: () => Content;
  clock: Clock;
  logger: Logger;
  /**
   * The PostgreSQL pool when `DATABASE_URL` is set (shared with the ticket store): the channels keep
   * their dedupe keys and conversation references there, so every replica sees them.
   */
  pg?: PgPool;
  /** Turn records (the gaps and the admin views read them). */
  turns?: TurnStore;
  /** Told when the channel turns away a redelivered event (a platform retry): the metrics count it. */
  onDuplicate?: (platform: Platform) => void;
}
