import type { ViewContent } from '../../present/views.js';
import { type UpdateView, updateView } from '../../present/views.js';
import type { Notifier } from '../../tickets/service-types.js';

export interface InboxItem {
  seq: number;
  ticket: string;
  /** The ticket event it tells of. */
  event: number;
  at: string;
  view: UpdateView;
}

export interface Inbox {
  /** The requester updates of a page session after `after`, oldest first. */
  since(conversation: string, after: number): InboxItem[];
  readonly notifier: Notifier;
}

const MAX_PER_SESSION = 200;
const MAX_SESSIONS = 10_000;

/**
 * Requester updates for the local page: the web notifier puts each one (the same `updateView` Slack
 * and Teams post) into the session's in-memory inbox, which the page polls. The desk's deliveries need
 * nothing: the staff view reads the tickets themselves.
 */
export function createInbox(content: () => ViewContent): Inbox {
  const boxes = new Map<string, InboxItem[]>();
  let seq = 0;
  const notifier: Notifier = {
    channel: 'web',
    handles: (ticket, audience) => audience === 'desk' || ticket.origin.platform === 'web',
    async deliver(ticket, delivery) {
      if (delivery.audience === 'desk') return { ok: true };
      const event = ticket.events.find((e) => e.seq === delivery.eventSeq);
      if (!event) return { ok: false, permanent: true, error: `no event ${delivery.eventSeq}` };
      const view = updateView(content(), ticket, event);
      if (!view) return { ok: true };
      const key = ticket.origin.conversation;
      const box = boxes.get(key) ?? [];
      // Delivered twice (a retry after an unrecorded success): shown once.
      if (box.some((m) => m.ticket === ticket.id && m.event === event.seq)) return { ok: true };
      box.push({ seq: ++seq, ticket: ticket.id, event: event.seq, at: event.at, view });
      boxes.delete(key);
      boxes.set(key, box.slice(-MAX_PER_SESSION));
      if (boxes.size > MAX_SESSIONS) boxes.delete(boxes.keys().next().value as string);
      return { ok: true };
    },
  };
  return {
    notifier,
    since: (conversation, after) => (boxes.get(conversation) ?? []).filter((m) => m.seq > after),
  };
}
