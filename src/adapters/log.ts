import type { Logger } from 'pino';
import type { Content } from '../content/types.js';
import { oneLine } from '../present/text.js';
import { bulletinView, type DigestView, plainText, ticketCardView, updateView } from '../present/views.js';
import type { Notifier } from '../tickets/service-types.js';

/**
 * The notifier of last resort: writes each notification to the log (a terminal in local mode), from the
 * same views the channels render. The company's update carries no contact details, so it is safe to log;
 * the desk line is the card's one-line summary.
 */
export function createLogNotifier(deps: {
  logger: Logger;
  content: () => Pick<Content, 'messages' | 'desks' | 'programmes'>;
}): Notifier {
  return {
    channel: 'log',
    handles: () => true,
    async deliver(ticket, delivery) {
      const event = ticket.events.find((e) => e.seq === delivery.eventSeq);
      if (!event) return { ok: false, permanent: true, error: `no event ${delivery.eventSeq}` };
      const content = deps.content();
      const text =
        delivery.audience === 'desk'
          ? plainText(ticketCardView(content, ticket).summary)
          : (updateView(content, ticket, event)?.text ?? `${ticket.id}: ${event.type}`);
      deps.logger.info(
        { ticket: ticket.id, audience: delivery.audience, desk: ticket.desk, event: event.type },
        oneLine(text, 300),
      );
      return { ok: true };
    },
    // The digest where no channel is configured for the admins (local mode: the terminal).
    bulletins: {
      handles: () => true,
      async deliver(bulletin) {
        const view = bulletinView(deps.content(), bulletin);
        if (!view) return { ok: false, permanent: true, error: `unknown bulletin kind ${bulletin.kind}` };
        deps.logger.info({ bulletin: bulletin.id }, digestLines(view).join('\n'));
        return { ok: true };
      },
    },
  };
}

/**
 * The digest as log lines. A gap's example questions are left out: the log is kept longer than the
 * retention period that bounds how long people's questions are kept, so it names each gap by its id.
 */
function digestLines(view: DigestView): string[] {
  return [
    `${view.title} · ${view.period}`,
    ...view.facts.map((f) => `${f.label}: ${f.value}`),
    ...(view.desks.length > 0 ? [`${view.desksLabel}:`, ...view.desks.map((d) => `• ${d}`)] : []),
    `${view.gapsLabel}:`,
    ...view.gaps.map((g) => `• ${g.line}`),
    view.gapsNote,
  ];
}
