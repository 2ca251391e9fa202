import type { Logger } from 'pino';
import type { DeskDirectory } from '../content/types.js';
import { deskMessage, requesterMessage } from './messages.js';
import type { Notifier } from './service-types.js';

/**
 * The notifier of last resort: writes each notification to the log (a terminal in local mode).
 * Requester messages carry no contact details, so they are safe to log.
 */
export function createLogNotifier(deps: { logger: Logger; desks: () => DeskDirectory }): Notifier {
  return {
    channel: 'log',
    handles: () => true,
    async deliver(ticket, delivery) {
      const event = ticket.events.find((e) => e.seq === delivery.eventSeq);
      if (!event) return { ok: false, permanent: true, error: `no event ${delivery.eventSeq}` };
      const desk = deps.desks().desks.find((d) => d.id === ticket.desk);
      const text =
        delivery.audience === 'desk' ? deskMessage(ticket, event) : requesterMessage(ticket, event, desk);
      deps.logger.info({ ticket: ticket.id, audience: delivery.audience, desk: ticket.desk }, text);
      return { ok: true };
    },
  };
}
