import type { Content } from '../content/types.js';
import { inLang } from '../content/types.js';
import type { Lang } from '../core/types.js';
import { stringsFor } from '../present/strings.js';
import type { NoticeView } from '../present/views.js';
import { STATE_KEY } from '../present/views.js';
import { type TicketError, TicketStoreError } from '../tickets/errors.js';
import type { Ticket } from '../tickets/types.js';

/**
 * Why a desk request was refused, in terms the person can act on. Adapters never word an error:
 * they pass it to `toUserMessage` and show the notice privately to the person who asked or clicked.
 */
export type DeskErrorCode =
  | 'BAD_PAYLOAD'
  | 'UNKNOWN_DESK'
  | 'INCOMPLETE'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'NOT_NOW'
  | 'CLAIMED'
  | 'NOT_SAVED'
  | 'ADMIN_ONLY';

export class DeskError extends Error {
  constructor(
    readonly code: DeskErrorCode,
    /** What the message needs: the ticket, its status, the desk, the command… */
    readonly details: {
      ticket?: Ticket | string;
      action?: string;
      who?: string;
      command?: string;
      fields?: string[];
    } = {},
    options?: { cause?: unknown },
  ) {
    super(code, options);
    this.name = 'DeskError';
  }
}

const VERB: Record<string, string> = {
  claim: 'verbClaim',
  resolve: 'verbResolve',
  reopen: 'verbReopen',
  close: 'verbClose',
  reassign: 'verbReassign',
  comment: 'verbComment',
};

/** The person-facing notice for any error a desk request can end in; unknown errors get a generic apology. */
export function toUserMessage(
  content: Pick<Content, 'messages' | 'desks'>,
  error: unknown,
  lang: Lang | undefined,
): NoticeView {
  const s = stringsFor(content, lang);
  const notice = (text: string): NoticeView => ({ kind: 'notice', lang: s.lang, text, private: true });
  if (error instanceof TicketStoreError) return notice(s.t('errNotSaved'));
  if (!(error instanceof DeskError)) return notice(s.t('errTryAgain'));
  const t = error.details.ticket;
  const ticket = typeof t === 'object' ? t : undefined;
  const id = typeof t === 'string' ? t : (t?.id ?? '');
  const desk = ticket ? content.desks.desks.find((d) => d.id === ticket.desk) : undefined;
  switch (error.code) {
    case 'BAD_PAYLOAD':
      return notice(s.t('errBadPayload'));
    case 'UNKNOWN_DESK':
      return notice(s.t('errUnknownDesk'));
    case 'INCOMPLETE':
      return notice(s.t('formMissing'));
    case 'NOT_FOUND':
      return notice(s.t('errNotFound', { ticket: id }));
    case 'FORBIDDEN':
      return notice(s.t('errForbidden', { desk: desk ? inLang(desk.name, s.lang) : (ticket?.desk ?? '') }));
    case 'CLAIMED':
      return notice(s.t('errClaimed', { ticket: id, who: error.details.who ?? s.t('someone') }));
    case 'NOT_NOW':
      return notice(
        s.t('errNotNow', {
          ticket: id,
          status: ticket ? s.t(STATE_KEY[ticket.status]) : '',
          action: s.t(VERB[error.details.action ?? ''] ?? 'verbClaim'),
        }),
      );
    case 'NOT_SAVED':
      return notice(s.t('errNotSaved'));
    case 'ADMIN_ONLY':
      return notice(s.t('adminOnly', { command: error.details.command ?? '' }));
  }
}

/** Maps the ticket service's refusals to desk errors, keeping the ticket for the message. */
export function fromTicketError(error: TicketError, ticket: Ticket | string, action: string): DeskError {
  const code =
    error.code === 'NOT_FOUND'
      ? 'NOT_FOUND'
      : error.code === 'FORBIDDEN'
        ? 'FORBIDDEN'
        : error.code === 'INVALID'
          ? 'UNKNOWN_DESK'
          : 'NOT_NOW';
  return new DeskError(code, { ticket, action }, { cause: error });
}
