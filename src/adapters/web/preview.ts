import type { HandoffFormView, TicketCardView, View } from '../../present/views.js';
import { handoffModal, messageFor, ticketMessage } from '../slack/blocks.js';
import { cardFor } from '../teams/cards.js';

/** What Slack and Teams users would be sent for a view, beside the page's own rendering. */
export interface Preview {
  /** Block Kit: a message (`text` + `blocks`), or the modal a form opens in. */
  slack: unknown;
  /** The Adaptive Card Teams is sent (the attachment's `content`, drawn by the page). */
  teams: Record<string, unknown>;
  /** The line Teams shows for the card in notifications and the chat list. */
  teamsSummary: string;
}

/** The metadata a Slack handoff modal carries (as the Slack listener builds it, for a thread it answered in). */
const modalMeta = (view: HandoffFormView) =>
  JSON.stringify({ ...view.submit.payload, channel: '', thread: '' });

/** The previews of one view; `version` is a ticket card's event count (Slack asks for new block ids on update). */
export function previewOf(view: Exclude<View, TicketCardView>): Preview;
export function previewOf(view: TicketCardView, version: number): Preview;
export function previewOf(view: View, version = 0): Preview {
  const slack =
    view.kind === 'form'
      ? handoffModal(view, modalMeta(view))
      : view.kind === 'ticket'
        ? ticketMessage(view, version)
        : messageFor(view);
  const teams = cardFor(view);
  return { slack, teams: teams.attachment.content, teamsSummary: teams.summary };
}
