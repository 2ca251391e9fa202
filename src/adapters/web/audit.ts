import { inLang } from '../../content/types.js';
import type { UserRef } from '../../core/types.js';
import { stringsFor } from '../../present/strings.js';
import { type UserText, userText } from '../../present/text.js';
import {
  type PersonPart,
  STATE_KEY,
  type TimePart,
  timePart,
  type ViewContent,
} from '../../present/views.js';
import type { Ticket, TicketEvent } from '../../tickets/types.js';

/** A ticket's audit trail as the staff view shows it: every event, oldest first, in the desk's language. */
export interface AuditView {
  lang: string;
  items: Array<{
    seq: number;
    time: TimePart;
    who: PersonPart;
    what: string;
    note?: UserText;
    source?: string;
  }>;
}

/** What an event did, in words the strings table already has: the state it led to, or the verb. */
function what(content: ViewContent, lang: string, ticket: Ticket, e: TicketEvent): string {
  const s = stringsFor(content, lang);
  switch (e.type) {
    case 'created':
      return s.t('cardCreated');
    case 'reassigned': {
      const desk = content.desks.desks.find((d) => d.id === e.desk);
      return `${s.t('verbReassign')} → ${desk ? inLang(desk.name, s.lang) : (e.desk ?? '')}`;
    }
    case 'commented':
      return s.t('verbComment');
    case 'reminded':
      return s.t('cardReminder', { ticket: ticket.id, hours: ticket.responseTargetHours });
    case 'refused':
      return '✕';
    default:
      return e.to ? s.t(STATE_KEY[e.to]) : e.type;
  }
}

export function auditView(
  content: ViewContent,
  ticket: Ticket,
  nameOf: (user: UserRef) => string | undefined,
): AuditView {
  const desk = content.desks.desks.find((d) => d.id === ticket.desk);
  const lang = stringsFor(content, desk?.lang ?? 'en').lang;
  return {
    lang,
    items: ticket.events.map((e) => {
      const name =
        nameOf(e.actor) ??
        (e.actor === ticket.requester.userId
          ? (ticket.requester.displayName ?? ticket.packet.details.company)
          : undefined);
      return {
        seq: e.seq,
        time: timePart(e.at, lang),
        who: { person: e.actor, ...(name ? { name } : {}) },
        what: what(content, lang, ticket, e),
        ...(e.note ? { note: userText(e.note) } : {}),
        ...(e.sourceEventId ? { source: e.sourceEventId } : {}),
      };
    }),
  };
}
