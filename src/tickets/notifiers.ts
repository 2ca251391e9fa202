import type { AdminChannel } from '../content/types.js';
import type { Notifier } from './service-types.js';
import type { Audience, Delivery, Ticket } from './types.js';

/**
 * The notifiers the bot has, by channel. The ticket service asks it where a notification can go
 * (`reaching`) and the outbox which notifier delivers one (`get`); both ask at the moment they need
 * it, so a channel that mounts late (the Teams emulator) is used from then on.
 */
export interface NotifierRegistry {
  /** Adds the notifier of its channel; registering a channel again replaces the earlier one. */
  register(notifier: Notifier): void;
  get(channel: Delivery['channel']): Notifier | undefined;
  /**
   * The channels whose notifier can reach `audience` of `ticket`, in registration order; `['log']` when
   * none can, so a notification is never dropped (the log notifier is the last resort).
   */
  reaching(ticket: Ticket, audience: Audience): Array<Delivery['channel']>;
  /** The channels whose notifier posts bulletins to the admins' channel `to`; `['log']` when none can. */
  reachingAdmins(to: AdminChannel): Array<Delivery['channel']>;
}

export function createNotifierRegistry(): NotifierRegistry {
  const byChannel = new Map<Delivery['channel'], Notifier>();
  return {
    register(notifier) {
      byChannel.set(notifier.channel, notifier);
    },
    get: (channel) => byChannel.get(channel),
    reaching(ticket, audience) {
      const channels = [...byChannel.values()]
        .filter((n) => n.channel !== 'log' && n.handles(ticket, audience))
        .map((n) => n.channel);
      return channels.length > 0 ? channels : ['log'];
    },
    reachingAdmins(to) {
      const channels = [...byChannel.values()]
        .filter((n) => n.channel !== 'log' && n.bulletins?.handles(to))
        .map((n) => n.channel);
      return channels.length > 0 ? channels : ['log'];
    },
  };
}
