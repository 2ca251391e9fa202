import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Notifier } from '../tickets/service-types.js';

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
