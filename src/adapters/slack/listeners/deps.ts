import type { Logger } from 'pino';
import type { Lang } from '../../../core/types.js';
import type { DeskService } from '../../../desk/service.js';
import type { DeskRequest } from '../../../desk/types.js';
import type { TicketService } from '../../../tickets/service-types.js';
import type { SeenStore } from '../../shared/seen-store.js';

/** What every Slack listener needs. Tests build it with fakes. */
export interface SlackDeps {
  desk: DeskService;
  tickets: Pick<TicketService, 'list'>;
  seen: SeenStore;
  listen: 'mentions' | 'all';
  /** The desks' private channels: staff talk there, the bot does not answer them. */
  deskChannels: () => ReadonlySet<string>;
  logger: Logger;
}

export const slackUser = (id: string) => `slack:${id}`;

export function slackRequest(
  user: { id: string; name?: string | undefined },
  channel: string,
  thread: string | undefined,
  eventId?: string,
): DeskRequest {
  return {
    platform: 'slack',
    user: slackUser(user.id),
    ...(user.name ? { name: user.name } : {}),
    where: { conversation: channel, ...(thread ? { thread } : {}) },
    ...(eventId ? { eventId } : {}),
  };
}

/**
 * The language a person reads a ticket in: the requester its updates (the language they asked in),
 * staff its card (the desk's). A refusal of their click is said in it.
 */
export async function ticketLang(
  deps: SlackDeps,
  ticketId: string | undefined,
  user: string,
): Promise<Lang | undefined> {
  if (!ticketId) return undefined;
  const [ticket] = await deps.tickets.list({ where: (t) => t.id === ticketId });
  if (!ticket) return undefined;
  if (ticket.requester.userId === user) return ticket.packet.lang;
  return deps.desk.content().desks.desks.find((d) => d.id === ticket.desk)?.lang;
}
